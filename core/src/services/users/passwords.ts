// Password hashing with scrypt (memory-hard, in Node's crypto): "scrypt$N$r$p$salt$hash".
// The cost is log2(N), an instance setting (login.password_cost, default 17 as current
// guidance asks); a hash made with another cost is replaced at the next good login.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** log2(N) by default: N = 2^17 with r = 8 needs 128 MiB and about half a second of one core. */
export const DEFAULT_PASSWORD_COST = 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/** scrypt needs 128·N·r bytes; allow twice that. */
function maxMemory(n: number, r: number): number {
  return 2 * 128 * n * r;
}

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string, cost: number = DEFAULT_PASSWORD_COST): Promise<string> {
  const n = 2 ** cost;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { N: n, r: R, p: P, maxmem: maxMemory(n, R) });
  return ['scrypt', n, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

interface StoredHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** The parts of a stored hash, or undefined when it is not one of ours (or asks for absurd work). */
function parse(stored: string | null): StoredHash | undefined {
  const parts = stored?.split('$');
  if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const sane = (value: number, max: number) => Number.isInteger(value) && value >= 1 && value <= max;
  if (!sane(n, 2 ** 22) || !sane(r, 32) || !sane(p, 16)) return undefined;
  return { n, r, p, salt: Buffer.from(parts[4]!, 'base64'), key: Buffer.from(parts[5]!, 'base64') };
}

/** Constant-time check; false for a malformed or missing hash. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const hash = parse(stored);
  if (!hash) return false;
  const key = await scrypt(password, hash.salt, { N: hash.n, r: hash.r, p: hash.p, maxmem: maxMemory(hash.n, hash.r) });
  return key.length === hash.key.length && timingSafeEqual(key, hash.key);
}

/** Whether a stored hash was made with other parameters than the instance's, and should be made again. */
export function needsRehash(stored: string | null, cost: number = DEFAULT_PASSWORD_COST): boolean {
  const hash = parse(stored);
  return !hash || hash.n !== 2 ** cost || hash.r !== R || hash.p !== P;
}

const dummies = new Map<number, Promise<string>>();

/** A hash of a random password at this cost, so unknown users take as long to refuse as known ones. Made on first use. */
export function dummyHash(cost: number = DEFAULT_PASSWORD_COST): Promise<string> {
  let dummy = dummies.get(cost);
  if (!dummy) {
    dummy = hashPassword(randomBytes(12).toString('hex'), cost);
    dummies.set(cost, dummy);
  }
  return dummy;
}
