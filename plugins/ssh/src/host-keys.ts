// The server's host keys: made on first start (ed25519 and RSA, OpenSSH's format) and kept,
// so clients' known_hosts stay valid across restarts and upgrades.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';

const KINDS = [
  { file: 'ssh_host_ed25519_key', make: () => ssh2.utils.generateKeyPairSync('ed25519') },
  { file: 'ssh_host_rsa_key', make: () => ssh2.utils.generateKeyPairSync('rsa', { bits: 3072 }) },
];

/** The private host keys in `dir`, made there first if missing. */
export function hostKeys(dir: string): Buffer[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return KINDS.map(({ file, make }) => {
    const key = path.join(dir, file);
    if (!existsSync(key)) {
      const pair = make();
      // Written once, readable only by the forge's user; the public half beside it, as sshd keeps it.
      writeFileSync(key, pair.private, { mode: 0o600, flag: 'wx' });
      writeFileSync(`${key}.pub`, `${pair.public}\n`, { mode: 0o644 });
    }
    return readFileSync(key);
  });
}
