// SSH public keys: parsed and checked with ssh2, identified by their SHA-256 fingerprint.
import { createHash } from 'node:crypto';
import ssh2, { type ParsedKey as SshKey } from 'ssh2';

const ALLOWED_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const MIN_RSA_BITS = 2048;

export interface ParsedKey {
  /** "ssh-ed25519 AAAA... comment", normalised to one line. */
  publicKey: string;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  fingerprint: string;
  type: string;
}

/** Returns the parsed key, or a message saying what is wrong with it. */
export function parseSshKey(text: string): ParsedKey | string {
  const line = text.trim();
  if (!line) return 'The SSH key is empty';
  if (/[\r\n]/.test(line)) return 'Give one SSH key, on one line';
  if (line.length > 16384) return 'The SSH key is too long';
  const parsed = ssh2.utils.parseKey(line);
  if (parsed instanceof Error) return 'This is not a valid SSH public key';
  // Typed as one key, but ssh2 returns an array for a file holding several.
  const key = (Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed) as SshKey | undefined;
  if (!key || key.isPrivateKey()) return 'This is not an SSH public key';
  if (!ALLOWED_TYPES.has(key.type)) return `SSH keys of type ${key.type} are not accepted`;
  const blob = key.getPublicSSH();
  if (key.type === 'ssh-rsa') {
    // The modulus is the last length-prefixed field of an RSA key blob.
    const eLength = blob.readUInt32BE(4 + 7);
    const nLength = blob.readUInt32BE(4 + 7 + 4 + eLength);
    const bits = (nLength - 1) * 8;
    if (bits < MIN_RSA_BITS) return `RSA keys must have at least ${MIN_RSA_BITS} bits`;
  }
  const fingerprint = sshFingerprint(blob);
  const comment = key.comment ? ` ${key.comment}` : '';
  return { publicKey: `${key.type} ${blob.toString('base64')}${comment}`, fingerprint, type: key.type };
}

/** "SHA256:..." of a key's wire blob, as ssh-keygen -l prints it. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
