// Every file under a folder, found recursively in name order; a missing folder has none.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Files under `root` as { name: path relative to root with "/" separators, file: absolute path }. */
export function filesUnder(root: string): Array<{ name: string; file: string }> {
  const found: Array<{ name: string; file: string }> = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries.sort()) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) walk(file);
      else found.push({ name: path.relative(root, file).split(path.sep).join('/'), file });
    }
  };
  walk(root);
  return found;
}
