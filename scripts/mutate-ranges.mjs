// Turns "file#sel,sel" targets into Stryker `mutate` entries ("file:start-end", 1-based lines).
import { readFileSync } from 'node:fs';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The lines [start, end] of the function or method `name`: its header to the brace closing it at the same indentation. */
function functionRange(lines, name, file) {
  const header = new RegExp(
    `^(\\s*)(export\\s+)?(private\\s+|public\\s+|protected\\s+)?(async\\s+)?(function\\s+)?${escape(name)}\\s*[(<]`,
  );
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) throw new Error(`${file}: no function or method named ${name}`);
  const indent = header.exec(lines[start])[1];
  const end = lines.findIndex((line, i) => i > start && line.startsWith(`${indent}}`));
  if (end < 0) throw new Error(`${file}: cannot find where ${name} ends`);
  return [start + 1, end + 1];
}

/** Stryker `mutate` entries for one target. */
export function mutateEntries(target) {
  const [file, selectors] = target.split('#');
  if (!selectors) return [file];
  const lines = readFileSync(file, 'utf8').split('\n');
  const entries = [];
  for (const selector of selectors.split(',')) {
    if (selector.startsWith('~')) {
      const text = selector.slice(1);
      const found = lines.flatMap((line, i) => (line.includes(text) ? [i + 1] : []));
      if (!found.length) throw new Error(`${file}: no line contains ${text}`);
      entries.push(...found.map((n) => `${file}:${n}-${n}`));
    } else {
      const [start, end] = functionRange(lines, selector, file);
      entries.push(`${file}:${start}-${end}`);
    }
  }
  return [...new Set(entries)];
}
