// Random secrets handed to users (API tokens, reset links) and the hashes stored instead.
import { createHash, randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 64 characters of A-Z0-9, the shape of Pagure's API tokens (~330 bits). */
export function newTokenValue(length = 64): string {
  let value = '';
  for (let i = 0; i < length; i++) value += ALPHABET[randomInt(ALPHABET.length)];
  return value;
}

/** Secrets are high-entropy, so a plain SHA-256 is a safe thing to store and look up by. */
export function secretHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
