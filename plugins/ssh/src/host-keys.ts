// The server's host keys: made on first start (ed25519 and RSA, OpenSSH's format) and kept,
// so clients' known_hosts stay valid across restarts and upgrades.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '@pagurus/core';
import ssh2 from 'ssh2';

const KINDS = [
  { file: 'ssh_host_ed25519_key', make: () => ssh2.utils.generateKeyPairSync('ed25519') },
  { file: 'ssh_host_rsa_key', make: () => ssh2.utils.generateKeyPairSync('rsa', { bits: 3072 }) },
];

const parses = (text: string | Buffer) => !(ssh2.utils.parseKey(text) instanceof Error);

/**
 * A key pair ssh2 reads back. Its generator makes a malformed ed25519 key about once in 256
 * (mscdex/ssh2#1513: a public key starting with a zero byte loses it); kept, such a key
 * would stop every later start too.
 */
export function madeWell(make: () => { private: string; public: string }): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const pair = make();
    if (parses(pair.private) && parses(pair.public)) return pair;
  }
  throw new Error('could not make a host key that reads back');
}

/** The private host keys in `dir`, made there first if missing. */
export function hostKeys(dir: string): Buffer[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return KINDS.map(({ file, make }) => {
    const key = path.join(dir, file);
    if (!existsSync(key)) {
      const pair = madeWell(make);
      // Written once, readable only by the forge's user; the public half beside it, as sshd keeps it.
      writeFileSync(key, pair.private, { mode: 0o600, flag: 'wx' });
      writeFileSync(`${key}.pub`, `${pair.public}\n`, { mode: 0o644 });
    }
    const text = readFileSync(key);
    if (!parses(text))
      throw new StartupError(`the SSH host key ${key} cannot be read; replace it with a good one, or remove it to have one made`);
    return text;
  });
}
