// Per-file statistics of a range of commits, as Pagure's pull-request diffstats reports
// them. Run in the target repository; a fork's objects are borrowed read-only through
// GIT_ALTERNATE_OBJECT_DIRECTORIES, so nothing is written anywhere.
import path from 'node:path';
import type { Readable } from 'node:stream';
import { GitCommandError, gitOutput, runGit } from './exec.js';

export interface FileStat {
  lines_added: number;
  lines_removed: number;
  /** The path before the change; for an added file its own path, as Pagure gives it. */
  old_path: string;
  status: 'A' | 'M' | 'D' | 'R';
  old_id: string;
  new_id: string;
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** {path: stats} of the changes from `start`'s parent to `stop`; undefined when a commit is missing. */
export async function diffStats(
  repo: string,
  sourceRepo: string,
  start: string,
  stop: string,
): Promise<Record<string, FileStat> | undefined> {
  const env = sourceRepo === repo ? {} : { GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(sourceRepo, 'objects') };
  let base: string;
  try {
    const parents = (await runGit(['rev-list', '--parents', '-n', '1', start], { cwd: repo, env })).trim().split(' ');
    base = parents[1] ?? EMPTY_TREE;
    await runGit(['cat-file', '-e', `${stop}^{commit}`], { cwd: repo, env });
  } catch (error) {
    if (error instanceof GitCommandError) return undefined;
    throw error;
  }
  const [raw, numstat] = await Promise.all([
    runGit(['diff', '--raw', '-M', '-z', '--abbrev=40', '--no-color', base, stop], { cwd: repo, env }),
    runGit(['diff', '--numstat', '-M', '-z', '--no-color', base, stop], { cwd: repo, env }),
  ]);
  const counts = new Map<string, [number, number]>();
  const numParts = numstat.split('\0');
  for (let i = 0; i < numParts.length; i++) {
    const head = numParts[i]!;
    if (!head) continue;
    const [added, removed, file] = head.split('\t');
    const key = file ? file : numParts[i + 2]!;
    if (!file) i += 2;
    counts.set(key, [added === '-' ? 0 : Number(added), removed === '-' ? 0 : Number(removed)]);
  }
  const out: Record<string, FileStat> = {};
  const parts = raw.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const meta = parts[i]!;
    if (!meta.startsWith(':')) continue;
    const [, , oldId, newId, statusText] = meta.slice(1).split(' ');
    const letter = (statusText ?? 'M')[0]!;
    const renamed = letter === 'R' || letter === 'C';
    const oldPath = parts[++i]!;
    const newPath = renamed ? parts[++i]! : oldPath;
    const [added, removed] = counts.get(newPath) ?? [0, 0];
    const status = letter === 'A' || letter === 'D' ? letter : renamed ? 'R' : 'M';
    out[newPath] = { lines_added: added, lines_removed: removed, old_path: oldPath, status, old_id: oldId!, new_id: newId! };
  }
  return out;
}

/**
 * A pull request's commits as a stream: `git format-patch` mails (patch) or one combined
 * diff, from `start`'s parent (or the empty tree) to `stop`.
 */
export async function rangeStream(
  repo: string,
  sourceRepo: string,
  start: string,
  stop: string,
  asPatch: boolean,
): Promise<Readable | undefined> {
  const env = sourceRepo === repo ? {} : { GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(sourceRepo, 'objects') };
  let parent: string | undefined;
  try {
    parent = (await runGit(['rev-list', '--parents', '-n', '1', start], { cwd: repo, env })).trim().split(' ')[1];
  } catch (error) {
    if (error instanceof GitCommandError) return undefined;
    throw error;
  }
  if (asPatch)
    return gitOutput(
      repo,
      ['format-patch', '--stdout', '--no-color', '--no-signature', ...(parent ? [`${parent}..${stop}`] : ['--root', stop])],
      env,
    );
  return gitOutput(repo, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', parent ?? EMPTY_TREE, stop], env);
}
