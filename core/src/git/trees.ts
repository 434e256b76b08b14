// Reading trees and blobs of a bare repository: the entry at a path of a commit, a
// folder's entries, a blob's bytes (bounded, or streamed), read through the pooled cat-file
// processes (objects.ts). Paths are checked before they are looked up.
import { PassThrough, type Readable } from 'node:stream';
import { GitCommandError, gitOutput } from './exec.js';
import { objectInfo, objectInfos, parsedObject, POOLED_OBJECT_BYTES, readSmallObject } from './objects.js';

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

/** A tree object's entries, in git's order; blobs' sizes are filled in by listTree. */
function parseTree(data: Buffer, oidBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const nul = data.indexOf(0, space);
    if (space === -1 || nul === -1 || nul + 1 + oidBytes > data.length) break;
    const mode = data.subarray(at, space).toString('latin1').padStart(6, '0');
    const name = data.subarray(space + 1, nul).toString('utf8');
    const oid = data.subarray(nul + 1, nul + 1 + oidBytes).toString('hex');
    const type: EntryType = mode === FILE_MODE.tree ? 'tree' : mode === FILE_MODE.submodule ? 'commit' : 'blob';
    entries.push({ mode, type, oid, size: undefined, name });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

/** The entries of a tree (a tree's name, or `<commit>^{tree}`), in git's order, with blobs' sizes; empty when there is no such tree. */
export async function listTree(repo: string, tree: string): Promise<TreeEntry[]> {
  const ofCommit = /^([0-9a-f]{40}|[0-9a-f]{64})\^\{tree\}$/.exec(tree);
  if (ofCommit) {
    const oid = await treeOfCommit(repo, ofCommit[1]!);
    if (oid) tree = oid;
  }
  const found = await parsedObject(repo, 'tree', tree, (object) =>
    object.type === 'tree' ? parseTree(object.data, object.oid.length / 2) : [],
  );
  if (!found) throw new GitCommandError(['ls-tree', tree], 128, `${tree} is not a tree`);
  const entries = found.value;
  const unsized = entries.filter((entry) => entry.type === 'blob' && entry.size === undefined);
  if (unsized.length) {
    // Sizes are read once per tree: the parsed entries are the cached value, filled in place.
    const infos = await objectInfos(
      repo,
      unsized.map((entry) => entry.oid),
    );
    unsized.forEach((entry, i) => {
      const info = infos[i]!;
      if (!('missing' in info)) entry.size = info.size;
    });
  }
  return entries.map((entry) => ({ ...entry }));
}

/** The tree of a commit (or of a tag of one). */
async function treeOfCommit(repo: string, commit: string): Promise<string | undefined> {
  const found = await parsedObject(repo, 'commit-tree', commit, (object) =>
    object.type === 'commit' ? (/^tree ([0-9a-f]+)$/m.exec(object.data.subarray(0, 200).toString('latin1'))?.[1] ?? '') : '',
  );
  if (found?.value) return found.value;
  const peeled = await objectInfo(repo, `${commit}^{tree}`);
  return peeled?.type === 'tree' ? peeled.oid : undefined;
}

/** The entry at `path` (checked by cleanTreePath) in a commit's tree; its name is the full path. */
export async function entryAt(repo: string, commit: string, path: string): Promise<TreeEntry | undefined> {
  let tree = await treeOfCommit(repo, commit);
  const parts = path.split('/');
  for (let i = 0; tree !== undefined && i < parts.length; i += 1) {
    const entry = (await listTree(repo, tree)).find((e) => e.name === parts[i]);
    if (!entry) return undefined;
    if (i === parts.length - 1) return { ...entry, name: path };
    tree = entry.type === 'tree' ? entry.oid : undefined;
  }
  return undefined;
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

/**
 * A blob's bytes as a stream: read through the pool when it is small, from a process of its
 * own when it is large (a slow download must not hold a pooled process).
 */
export function blobStream(repo: string, oid: string): Readable {
  const out = new PassThrough();
  objectInfo(repo, oid).then(
    async (info) => {
      if (info && info.size <= POOLED_OBJECT_BYTES) {
        const object = await readSmallObject(repo, info.oid);
        if (!object) throw new GitCommandError(['cat-file', 'blob', oid], 128, `${oid} is missing`);
        out.end(object.data);
        return;
      }
      const source = gitOutput(repo, ['cat-file', 'blob', oid]);
      out.once('close', () => source.destroy());
      source.once('error', (error) => out.destroy(error));
      source.pipe(out);
    },
    (error: Error) => out.destroy(error),
  );
  return out;
}

/** The first `max` bytes of a blob, and whether there was more. */
export async function readBlob(repo: string, oid: string, max: number): Promise<{ data: Buffer; truncated: boolean }> {
  const info = await objectInfo(repo, oid);
  if (info && info.size <= POOLED_OBJECT_BYTES) {
    const object = await readSmallObject(repo, info.oid);
    if (object) return { data: object.data.subarray(0, max), truncated: object.data.length > max };
  }
  const { head, rest } = await peekStream(gitOutput(repo, ['cat-file', 'blob', oid]), max + 1);
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
