// The resolve hook stryker-sandbox.mjs registers: real-tree modules go to the sandbox's copy.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let realRoot = '';
let sandbox = '';

export function initialize(data) {
  ({ realRoot, sandbox } = data);
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const { url } = result;
  if (!url.startsWith(realRoot) || url.startsWith(sandbox) || url.startsWith(`${realRoot}node_modules/`)) return result;
  const moved = sandbox + url.slice(realRoot.length);
  return existsSync(fileURLToPath(moved)) ? { ...result, url: moved } : result;
}
