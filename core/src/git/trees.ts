// Reading trees and blobs of a bare repository: the entry at a path of a commit, a
// folder's entries, a blob's bytes (bounded, or streamed). Paths are checked before git sees them.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { gitEnvironment, runGit } from './exec.js';

export type EntryType = 'blob' | 'tree' | 'commit';

export interface TreeEntry {
  /** Octal file mode as git prints it: 100644, 100755, 120000, 040000, 160000. */
  mode: string;
  type: EntryType;
  oid: string;
  /** Bytes, for blobs. */
  size: number | undefined;
  name: string;
}

export const FILE_MODE = { tree: '040000', blob: '100644', executable: '100755', symlink: '120000', submodule: '160000' } as const;

const LONGEST_PATH = 4096;

/**
 * A path inside a tree as URLs give it: relative, with no empty, "." or ".." parts and no
 * NUL; one trailing slash is dropped. Undefined when it is none of that.
 */
export function cleanTreePath(raw: string): string | undefined {
  const path = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  if (!path || path.length > LONGEST_PATH || path.includes('\0') || path.startsWith('/')) return undefined;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..') ? path : undefined;
}

// Paths are literal: no pathspec magic, no globbing.
const LITERAL = { GIT_LITERAL_PATHSPECS: '1' };

function parseEntries(out: string): TreeEntry[] {
  return out
    .split('\0')
    .filter(Boolean)
    .map((record) => {
      const tab = record.indexOf('\t');
      const [mode = '', type = '', oid = '', size = '-'] = record.slice(0, tab).trim().split(/\s+/);
      return { mode, type: type as EntryType, oid, size: size === '-' ? undefined : Number(size), name: record.slice(tab + 1) };
    });
}

/** The entries of a tree (a tree's name, or `<commit>^{tree}`), in git's order. */
export async function listTree(repo: string, tree: string): Promise<TreeEntry[]> {
  return parseEntries(await runGit(['ls-tree', '-z', '-l', '--end-of-options', tree], { cwd: repo }));
}

/** The entry at `path` (checked by cleanTreePath) in a commit's tree; its name is the full path. */
export async function entryAt(repo: string, commit: string, path: string): Promise<TreeEntry | undefined> {
  const out = await runGit(['ls-tree', '-z', '-l', '--full-tree', commit, '--', path], { cwd: repo, env: LITERAL });
  return parseEntries(out).find((entry) => entry.name === path);
}

/**
 * The file at `path` as Pagure serves it: a blob, or a folder; a symbolic link whose target
 * is a plain file beside it (one level, no ".." or absolute targets) stands for that file.
 * Submodules and missing paths are undefined.
 */
export async function fileAt(repo: string, commit: string, path: string): Promise<TreeEntry | undefined> {
  const entry = await entryAt(repo, commit, path);
  if (!entry || entry.type === 'commit') return undefined;
  if (entry.mode !== FILE_MODE.symlink) return entry;
  const { data } = await readBlob(repo, entry.oid, LONGEST_PATH);
  const target = data.toString('utf8');
  const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  const clean = cleanTreePath(target);
  if (clean !== target) return entry;
  const dereferenced = await entryAt(repo, commit, folder + target);
  return dereferenced?.mode === FILE_MODE.blob ? { ...dereferenced, name: entry.name } : entry;
}

/** A running `git <args>` whose standard output is read as a stream; killed when the stream closes. */
export function gitOutput(repo: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Readable {
  const child = spawn('git', args, { cwd: repo, env: gitEnvironment(env), stdio: ['ignore', 'pipe', 'ignore'], timeout: 600_000 });
  const stdout = child.stdout;
  stdout.once('close', () => {
    if (child.exitCode === null) child.kill();
  });
  child.once('error', (error) => stdout.destroy(error));
  return stdout;
}

/** A blob's bytes as a stream. */
export function blobStream(repo: string, oid: string): Readable {
  return gitOutput(repo, ['cat-file', 'blob', oid]);
}

/** The first `max` bytes of a blob, and whether there was more. */
export async function readBlob(repo: string, oid: string, max: number): Promise<{ data: Buffer; truncated: boolean }> {
  const { head, rest } = await peekStream(blobStream(repo, oid), max + 1);
  rest.destroy();
  return { data: head.subarray(0, max), truncated: head.length > max };
}

/**
 * Reads the first `bytes` of a stream (fewer if it ends first); `rest` yields everything,
 * those bytes included, for piping into a response. Destroying `rest` destroys the source.
 */
export function peekStream(stream: Readable, bytes: number): Promise<{ head: Buffer; rest: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let ended = false;
    const finish = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      stream.pause();
      const head = Buffer.concat(chunks);
      const rest = new PassThrough();
      rest.once('close', () => stream.destroy());
      stream.once('error', (error) => rest.destroy(error));
      rest.write(head);
      if (ended) rest.end();
      else stream.pipe(rest);
      resolve({ head: head.subarray(0, bytes), rest });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) finish();
    };
    const onEnd = () => {
      ended = true;
      finish();
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}
