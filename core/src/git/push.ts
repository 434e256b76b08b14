// Reading what a push changes: ancestry, the commits a ref update brings, who wrote them
// and which files they touch. During pre-receive the new objects are still quarantined,
// so callers pass the object-directory variables git gave the hook.
import { forEachGitLine, GitCommandError, runGit } from './exec.js';
import { cutField, LOG_NAME_COLUMNS } from './log.js';

/** Git's "no object" name, for either hash function. */
export function isNullRev(rev: string): boolean {
  return /^0+$/.test(rev);
}

export interface QuarantineEnv {
  GIT_OBJECT_DIRECTORY?: string;
  GIT_ALTERNATE_OBJECT_DIRECTORIES?: string;
  GIT_QUARANTINE_PATH?: string;
}

export interface PushedCommit {
  hash: string;
  authorName: string;
  authorEmail: string;
  /** The committer date: when the commit was made (what the activity log counts, as Pagure). */
  date: Date;
}

/** Whether `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(repo: string, ancestor: string, descendant: string, env: QuarantineEnv = {}): Promise<boolean> {
  try {
    await runGit(['merge-base', '--is-ancestor', ancestor, descendant], { cwd: repo, env: { ...env } });
    return true;
  } catch (error) {
    if (error instanceof GitCommandError && error.code === 1) return false;
    throw error;
  }
}

/** The merge base of two commits, or undefined when they share no history. */
export async function mergeBase(repo: string, a: string, b: string): Promise<string | undefined> {
  try {
    return (await runGit(['merge-base', a, b], { cwd: repo })).trim() || undefined;
  } catch (error) {
    if (error instanceof GitCommandError && error.code === 1) return undefined;
    throw error;
  }
}

/** The branch HEAD names (short), whether or not it exists yet. */
export async function headBranch(repo: string): Promise<string | undefined> {
  try {
    return (await runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: repo })).trim() || undefined;
  } catch {
    return undefined;
  }
}

const FIELD = '\x1f';
const RECORD = '\x1e';
// Names and addresses as git cuts them: a listing of pushed commits stays small.
const NAME = cutField('%an', LOG_NAME_COLUMNS);
const EMAIL = cutField('%ae', LOG_NAME_COLUMNS);

/**
 * The commits reachable from `include` but not from any of `exclude`, newest first, with
 * their authors. `exclude` entries that do not exist (an unborn HEAD) are skipped.
 */
export async function commitsBetween(repo: string, include: string, exclude: readonly string[], limit = 10_000): Promise<PushedCommit[]> {
  const existing: string[] = [];
  for (const rev of exclude) {
    try {
      existing.push((await runGit(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: repo })).trim());
    } catch {
      // Nothing to exclude.
    }
  }
  const output = await runGit(
    [
      'log',
      `--max-count=${limit}`,
      `--format=%H${FIELD}${NAME}${FIELD}${EMAIL}${FIELD}%ct${RECORD}`,
      include,
      ...existing.map((rev) => `^${rev}`),
      '--',
    ],
    { cwd: repo },
  );
  return output
    .split(RECORD)
    .map((record) => record.trim())
    .filter(Boolean)
    .map((record) => {
      const [hash, authorName, authorEmail, at] = record.split(FIELD);
      return {
        hash: hash!,
        authorName: (authorName ?? '').trimEnd(),
        authorEmail: (authorEmail ?? '').trimEnd(),
        date: new Date(Number(at) * 1000),
      };
    });
}

/** The author of one commit (or what a tag points at). */
export async function authorOf(repo: string, rev: string): Promise<{ name: string; email: string } | undefined> {
  try {
    const [name, email] = (await runGit(['log', '-1', `--format=${NAME}${FIELD}${EMAIL}`, rev, '--'], { cwd: repo })).trim().split(FIELD);
    return { name: (name ?? '').trimEnd(), email: (email ?? '').trimEnd() };
  } catch {
    return undefined;
  }
}

/** Files changed from `from` (or from nothing) to `to`, as path → git status letter. */
export async function changedFiles(repo: string, from: string | null, to: string): Promise<Record<string, string>> {
  const base = from ?? (await runGit(['hash-object', '-t', 'tree', '--stdin'], { cwd: repo, input: '' })).trim();
  const output = await runGit(['diff', '--no-renames', '--name-status', '-z', base, to, '--'], { cwd: repo });
  const items = output.split('\0');
  const files: Record<string, string> = {};
  for (let i = 0; i + 1 < items.length; i += 2) files[items[i + 1]!] = items[i]!;
  return files;
}

export interface LargeObject {
  oid: string;
  type: string;
  size: number;
}

/**
 * The objects a push brings (those in its quarantine) that are larger than `maxBytes`, at
 * most `limit` of them. Only the quarantine is listed, not the repository's objects: every
 * object of the pack counts, whether or not a pushed ref reaches it. Sizes are of the
 * objects themselves (a commit message compressed to nothing counts in full).
 */
export async function largeObjects(repo: string, objects: QuarantineEnv, maxBytes: number, limit = 5): Promise<LargeObject[]> {
  const quarantine = objects.GIT_QUARANTINE_PATH;
  // No quarantine: the push brought no objects (it only deletes refs).
  if (!quarantine) return [];
  const found: LargeObject[] = [];
  await forEachGitLine(
    ['cat-file', '--batch-all-objects', '--unordered', '--batch-check=%(objectsize) %(objecttype) %(objectname)'],
    // Without alternates: the repository's own objects are not the push's.
    { cwd: repo, env: { GIT_OBJECT_DIRECTORY: quarantine }, timeoutMs: 30 * 60_000 },
    (line) => {
      const [size = '0', type = '', oid = ''] = line.split(' ');
      if (Number(size) > maxBytes && found.length < limit) found.push({ oid, type, size: Number(size) });
    },
  );
  return found;
}
