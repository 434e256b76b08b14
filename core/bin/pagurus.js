#!/usr/bin/env node
// The `pagurus` command: runs the built CLI (npm ci builds it; so does npm run build).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('pagurus: @pagurus/core is not built; run: npm run build');
  process.exit(1);
}
await import(main.href);
