// The version of @pagurus/core, read from its package.json (same path from src/ and dist/).
import { readFileSync } from 'node:fs';

export const CORE_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
