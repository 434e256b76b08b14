// History for pages: a page of commits of a branch (optionally touching one path), and a
// commit's or a range's diff read up to a size limit.
import { readCommit, type CommitInfo } from './commits.js';
import { commitOf } from './refs.js';
import { gitOutput, runGit } from './exec.js';
import { peekStream } from './trees.js';

export interface LogEntry {
  hash: string;
  authorName: string;
  authorEmail: string;
  /** Seconds since the epoch. */
  time: number;
  subject: string;
}

/** Lets git read a second repository's objects (a fork's parent) without copying them. */
function alternateEnv(alternate: string | undefined): NodeJS.ProcessEnv {
  return alternate ? { GIT_ALTERNATE_OBJECT_DIRECTORIES: alternate } : {};
}

const FIELD = '%x00';
const RECORD = '%x1e';

/** Longest subject and name a listing prints (git cuts them with ".."; pages need no more). */
export const LOG_SUBJECT_COLUMNS = 1000;
export const LOG_NAME_COLUMNS = 200;

/**
 * A placeholder cut by git itself to `columns` (padded with spaces, which callers trim), so
 * a commit with a huge message or name never makes a listing huge.
 */
export function cutField(placeholder: string, columns: number): string {
  return `%<(${columns},trunc)${placeholder}`;
}

/**
 * `limit` commits reachable from `revision`, newest first, after skipping `skip`: walked
 * through the pool when the page is among the first POOLED_WALK_LIMIT commits and no path,
 * exclusion or alternate is asked for; otherwise one `git log` process.
 */
export async function logCommits(
  repo: string,
  revision: string,
  options: { skip?: number; limit: number; path?: string | undefined; exclude?: string | undefined; alternate?: string | undefined },
): Promise<LogEntry[]> {
  const format = [
    '%H',
    cutField('%an', LOG_NAME_COLUMNS),
    cutField('%ae', LOG_NAME_COLUMNS),
    '%at',
    cutField('%s', LOG_SUBJECT_COLUMNS),
  ].join(FIELD);
  if (!options.path && !options.exclude && !options.alternate && (options.skip ?? 0) + options.limit <= POOLED_WALK_LIMIT) {
    const walked = await walkHistory(repo, revision, options.skip ?? 0, options.limit);
    if (walked) return walked;
  }
  const args = [
    'log',
    `--format=${format}${RECORD}`,
    `--skip=${options.skip ?? 0}`,
    `--max-count=${options.limit}`,
    '--end-of-options',
    revision,
  ];
  if (options.exclude) args.push(`^${options.exclude}`);
  if (options.path) args.push('--', options.path);
  const out = await runGit(args, { cwd: repo, env: alternateEnv(options.alternate) });
  return out
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter(Boolean)
    .map((record) => {
      const [hash = '', authorName = '', authorEmail = '', time = '0', subject = ''] = record.split('\0');
      return { hash, authorName: authorName.trimEnd(), authorEmail: authorEmail.trimEnd(), time: Number(time), subject: subject.trimEnd() };
    });
}

/** How many commits `revision` has that `exclude` lacks (or in all, without exclude). */
export async function countCommits(repo: string, revision: string, exclude?: string): Promise<number> {
  const out = await runGit(['rev-list', '--count', '--end-of-options', revision, ...(exclude ? [`^${exclude}`] : [])], { cwd: repo });
  return Number(out.trim()) || 0;
}

/** Reads a git command's output up to `max` bytes; `truncated` says there was more. */
async function readCapped(
  repo: string,
  args: readonly string[],
  max: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ text: string; truncated: boolean }> {
  const { head, rest } = await peekStream(gitOutput(repo, args, env), max + 1);
  rest.destroy();
  let text = head.subarray(0, max).toString('utf8');
  const truncated = head.length > max;
  // Cut at the last whole line, so a half line never reaches the diff parser.
  if (truncated) text = text.slice(0, text.lastIndexOf('\n') + 1);
  return { text, truncated };
}

const DIFF_FLAGS = ['-M', '--no-color', '--no-ext-diff', '--no-textconv'];

/** A commit's changes against its first parent, as unified diff text, at most `max` bytes. */
export function commitDiffText(repo: string, commit: CommitInfo, max: number): Promise<{ text: string; truncated: boolean }> {
  const args = ['diff-tree', '-p', ...DIFF_FLAGS];
  return readCapped(
    repo,
    commit.parents[0] ? [...args, commit.parents[0], commit.sha] : [...args, '--root', '--no-commit-id', commit.sha],
    max,
  );
}

/** What `to` changed since it left `from` (three-dot: from their merge base), as unified diff text. */
export function rangeDiffText(
  repo: string,
  from: string,
  to: string,
  max: number,
  alternate?: string,
): Promise<{ text: string; truncated: boolean }> {
  return readCapped(repo, ['diff', ...DIFF_FLAGS, `${from}...${to}`, '--'], max, alternateEnv(alternate));
}

export interface BlameLine {
  hash: string;
  author: string;
  time: number;
  summary: string;
  line: string;
}

/** Who last changed each line of a file at `commit` (`git blame --porcelain`, one process). */
export async function blame(repo: string, commit: string, path: string): Promise<BlameLine[]> {
  const out = await runGit(['blame', '--porcelain', commit, '--', path], { cwd: repo });
  const seen = new Map<string, { author: string; time: number; summary: string }>();
  const lines: BlameLine[] = [];
  let current: { hash: string; author: string; time: number; summary: string } | undefined;
  for (const row of out.split('\n')) {
    if (row.startsWith('\t')) {
      if (current) {
        seen.set(current.hash, { author: current.author, time: current.time, summary: current.summary });
        lines.push({ ...current, line: row.slice(1) });
      }
      continue;
    }
    const header = /^([0-9a-f]{40,64}) \d+ \d+/.exec(row);
    if (header) {
      const hash = header[1]!;
      current = { hash, ...(seen.get(hash) ?? { author: '', time: 0, summary: '' }) };
    } else if (current) {
      if (row.startsWith('author ')) current.author = row.slice(7);
      else if (row.startsWith('author-time ')) current.time = Number(row.slice(12));
      else if (row.startsWith('summary ')) current.summary = row.slice(8);
    }
  }
  return lines;
}

/** A walk reading this many commits yields to the event loop before the next. */
const YIELD_EVERY = 100;

/** How deep into a history the pooled walk goes; further pages run `git log`. */
export const POOLED_WALK_LIMIT = 2000;

/** git's %s: the first paragraph of the message, its lines joined by spaces. */
function subjectOf(message: string): string {
  const lines: string[] = [];
  for (const line of message.replace(/^(?:[ \t]*\n)+/, '').split('\n')) {
    const trimmed = line.trimEnd();
    if (!trimmed) break;
    lines.push(trimmed);
  }
  return lines.join(' ');
}

/** What git's %<(columns,trunc) leaves of a field (cut with ".."), less its padding. */
function truncated(text: string, columns: number): string {
  const chars = [...text];
  return chars.length > columns ? `${chars.slice(0, columns - 2).join('')}..` : text;
}

/**
 * git log's default order without running git: a list of commits to show, kept by
 * committer date (newest first; among equal dates, first added first), from which the
 * newest is taken and its unseen parents added in order. Undefined when `revision` names
 * no commit.
 */
async function walkHistory(repo: string, revision: string, skip: number, limit: number): Promise<LogEntry[] | undefined> {
  const start = await commitOf(repo, revision);
  if (!start) return undefined;
  const entries: LogEntry[] = [];
  const seen = new Set<string>([start]);
  const queue: CommitInfo[] = [await readCommit(repo, start)];
  let shown = 0;
  while (queue.length && entries.length < limit) {
    // Commits read in this process answer without waiting: a deep walk lets other requests in now and then.
    if (shown && shown % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    const commit = queue.shift()!;
    if (shown++ >= skip) {
      entries.push({
        hash: commit.sha,
        authorName: truncated(commit.author.name, LOG_NAME_COLUMNS),
        authorEmail: truncated(commit.author.email, LOG_NAME_COLUMNS),
        time: commit.author.time,
        subject: truncated(subjectOf(commit.message), LOG_SUBJECT_COLUMNS),
      });
    }
    const parents = commit.parents.filter((p) => !seen.has(p));
    parents.forEach((p) => seen.add(p));
    for (const oid of parents) {
      const parent = await readCommit(repo, oid);
      let at = queue.findIndex((c) => c.committer.time < parent.committer.time);
      if (at === -1) at = queue.length;
      queue.splice(at, 0, parent);
    }
  }
  return entries;
}
