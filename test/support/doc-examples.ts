// The code blocks the docs mark as examples, and a deployment directory to install one in
// the way an admin would: the plugin and @pagurus/core in node_modules.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The code block that follows `<!-- <marker>:<name> -->` in `file` (relative to the repository). */
export function exampleBlock(file: string, marker: string, name: string): string {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const escaped = `${marker}:${name}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`<!-- ${escaped} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
  assert.ok(match, `${file} has a ${name} example`);
  return match[1]!;
}

/** A deployment directory with `files` installed as the package `name`; answers the directory. */
export function deployPlugin(name: string, files: Record<string, string>): string {
  const deployment = mkdtempSync(path.join(os.tmpdir(), 'pagurus-deploy-'));
  const pkg = path.join(deployment, 'node_modules', name);
  mkdirSync(pkg, { recursive: true });
  mkdirSync(path.join(deployment, 'node_modules', '@pagurus'));
  symlinkSync(path.join(ROOT, 'core'), path.join(deployment, 'node_modules', '@pagurus', 'core'));
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(pkg, file), content);
  return deployment;
}
