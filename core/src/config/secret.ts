// The instance secret: from the config, or generated once into <data_dir>/secret.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '../errors/index.js';
import type { Config } from './types.js';

export function resolveSecret(config: Config): string {
  if (config.secret) return config.secret;
  const file = path.join(config.dataDir, 'secret');
  try {
    mkdirSync(config.dataDir, { recursive: true });
    // 'wx' fails if another process wrote it first; then everyone reads the same secret.
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StartupError(`cannot write the secret to ${file}: ${(error as Error).message}`);
    }
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new StartupError(`${file} holds a secret shorter than 32 characters`);
  return secret;
}
