// Commits of a bare repository: their metadata, and their changes as a diff or a patch
// (streamed: a commit may change a lot).
import type { Readable } from 'node:stream';
import { GitCommandError, gitOutput, runGitCapped, utf8Prefix } from './exec.js';
import { objectInfo, parsedObject, POOLED_OBJECT_BYTES } from './objects.js';

export interface CommitSignature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  time: number;
  /** Minutes east of UTC. */
  offset: number;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: CommitSignature;
  committer: CommitSignature;
  /**
   * The message as stored, or its first part and MESSAGE_TRUNCATED_MARK when the commit is
   * larger than MAX_COMMIT_BYTES.
   */
  message: string;
  /** The message was cut. */
  messageTruncated: boolean;
}

/** The most of a commit object read: headers, signature and message. */
export const MAX_COMMIT_BYTES = 1024 * 1024;

/** What ends a cut commit message, on pages and in the API. */
export const MESSAGE_TRUNCATED_MARK = '[message truncated]';

function signature(text: string): CommitSignature {
  const match = /^(.*?) ?<([^>]*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!match) return { name: text, email: '', time: 0, offset: 0 };
  const [, name = '', email = '', time = '0', sign, hours = '0', minutes = '0'] = match;
  const offset = (Number(hours) * 60 + Number(minutes)) * (sign === '-' ? -1 : 1);
  return { name, email, time: Number(time), offset };
}

/**
 * A commit's headers and message; `sha` must name a commit (or a tag of one). Read through
 * the pool (and kept, parsed); a commit larger than the pool's objects, or a smaller
 * `maxBytes`, is read by a `cat-file --batch` of its own, at most `maxBytes` of it: a longer
 * message is cut and marked.
 */
export async function readCommit(repo: string, sha: string, maxBytes = MAX_COMMIT_BYTES): Promise<CommitInfo> {
  if (maxBytes >= MAX_COMMIT_BYTES) {
    const found = await parsedObject(repo, 'commit', sha, (object) =>
      object.type === 'commit' ? parseCommit(object.oid, object.data, maxBytes) : undefined,
    );
    if (found?.value) return { ...found.value, sha, parents: [...found.value.parents] };
    // Not a commit itself: a tag of one, or too large for the pool.
    const peeled = await objectInfo(repo, `${sha}^{commit}`);
    if (!peeled || peeled.type !== 'commit') throw new GitCommandError(['cat-file', '--batch'], 128, `${sha} is not a commit`);
    if (peeled.oid !== sha && peeled.size <= POOLED_OBJECT_BYTES) return { ...(await readCommit(repo, peeled.oid, maxBytes)), sha };
  }
  const args = ['cat-file', '--batch'];
  const { stdout } = await runGitCapped(args, { cwd: repo, input: `${sha}^{commit}\n`, maxBytes: maxBytes + 200 });
  const eol = stdout.indexOf(0x0a);
  const header = /^[0-9a-f]{40,64} commit (\d+)$/.exec(stdout.subarray(0, eol === -1 ? 200 : eol).toString('utf8'));
  if (!header) throw new GitCommandError(args, 128, `${sha} is not a commit`);
  const size = Number(header[1]);
  return { ...parseCommit(sha, stdout.subarray(eol + 1, eol + 1 + Math.min(size, maxBytes)), maxBytes, size), sha };
}

/** A commit object's headers and message, cut at `maxBytes` (`size`: the whole object's, when `data` is already cut). */
export function parseCommit(sha: string, data: Buffer, maxBytes: number, size = data.length): CommitInfo {
  const cut = size > maxBytes;
  const body = data.subarray(0, Math.min(data.length, maxBytes));
  const raw = cut ? utf8Prefix(body, maxBytes) : body.toString('utf8');
  const split = raw.indexOf('\n\n');
  const headers = (split === -1 ? raw : raw.slice(0, split)).split('\n');
  const message = split === -1 ? '' : raw.slice(split + 2);
  const info: CommitInfo = {
    sha,
    tree: '',
    parents: [],
    author: signature(''),
    committer: signature(''),
    message: cut ? `${message}\n\n${MESSAGE_TRUNCATED_MARK}\n` : message,
    messageTruncated: cut,
  };
  for (const line of headers) {
    if (line.startsWith(' ')) continue; // a continuation (gpgsig, mergetag)
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'tree') info.tree = value;
    else if (key === 'parent') info.parents.push(value);
    else if (key === 'author') info.author = signature(value);
    else if (key === 'committer') info.committer = signature(value);
  }
  return info;
}

/** What a commit changed against its first parent (or everything, for a first commit), as `git diff` prints it. */
export function diffStream(repo: string, commit: CommitInfo): Readable {
  const args = ['diff-tree', '-p', '--no-color', '--no-ext-diff', '--no-textconv'];
  return gitOutput(repo, commit.parents[0] ? [...args, commit.parents[0], commit.sha] : [...args, '--root', '--no-commit-id', commit.sha]);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The mail-like header Pagure puts before a commit's diff in its .patch view. */
export function patchHeader(commit: CommitInfo): string {
  const date = new Date(commit.committer.time * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const when = `${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
  const newline = commit.message.indexOf('\n');
  const subject = newline === -1 ? commit.message : commit.message.slice(0, newline);
  const body = newline === -1 ? '' : commit.message.slice(newline + 1);
  return `From ${commit.sha} Mon Sep 17 00:00:00 2001\nFrom: ${commit.author.name} <${commit.author.email}>\nDate: ${when}\nSubject: ${subject}\n\n${body}\n---\n\n`;
}
