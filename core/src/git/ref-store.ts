// Refs read from the repository's files, as git keeps them: HEAD, loose refs under refs/
// (an object id, or "ref: <target>" for a symbolic ref) and packed-refs (loose ones win).
// A snapshot is kept per repository and checked against the files' identity and times
// (git replaces a ref file and its folder's entry by renaming a lock file onto it); a
// snapshot taken within RACY_MS of a change is not kept, since two changes inside one
// clock tick leave the same time behind. Core's own ref writes and the post-receive job
// also drop it (forgetRefs).
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';

/** A ref as stored: an object id, or the name of the ref it stands for. */
export type StoredRef = { object: string } | { symref: string };

export interface RefSnapshot {
  /** Every ref under refs/, by full name. */
  refs: Map<string, StoredRef>;
  /** What HEAD holds: a symbolic ref to a branch, or a detached object id. */
  head: StoredRef | undefined;
  /** Peeled objects packed-refs records for annotated tags (only a hint: loose refs may differ). */
  packedPeeled: Map<string, string>;
}

interface Stamp {
  file: string;
  ino: bigint;
  mtimeNs: bigint;
  size: bigint;
}

/** Changes younger than this are not trusted to show in the files' times. */
const RACY_MS = 2000n;
const MAX_SNAPSHOTS = 256;

const snapshots = new Map<string, { snapshot: RefSnapshot; stamps: Stamp[] }>();

/** Drops what is known of `repo`'s refs: the next read goes to the files. */
export function forgetRefs(repo: string): void {
  snapshots.delete(repo);
}

/**
 * A file's identity and times. This and the reads below are synchronous: a stat or a read of
 * a small file the kernel caches costs microseconds, a round trip through the thread pool
 * (four threads, shared with everything else the process does) tens to thousands.
 */
function stampOf(file: string): Stamp {
  try {
    const s = statSync(file, { bigint: true });
    return { file, ino: s.ino, mtimeNs: s.mtimeNs, size: s.isDirectory() ? 0n : s.size };
  } catch {
    return { file, ino: -1n, mtimeNs: -1n, size: -1n };
  }
}

function stillValid(stamps: readonly Stamp[]): boolean {
  return stamps.every((old) => {
    const now = stampOf(old.file);
    return now.ino === old.ino && now.mtimeNs === old.mtimeNs && now.size === old.size;
  });
}

function parseStored(text: string): StoredRef | undefined {
  const line = text.trim();
  if (line.startsWith('ref: ')) return { symref: line.slice(5).trim() };
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(line) ? { object: line } : undefined;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Loose refs under `dir` (a folder of refs/), recorded with the stamp of each folder read. */
function walkLoose(repo: string, dir: string, refs: Map<string, StoredRef>, stamps: Stamp[]): void {
  const full = path.join(repo, dir);
  stamps.push(stampOf(full));
  let entries: Dirent[];
  try {
    entries = readdirSync(full, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const name = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      walkLoose(repo, name, refs, stamps);
      continue;
    }
    if (!entry.isFile() || entry.name.endsWith('.lock')) continue;
    const text = readText(path.join(repo, name));
    const stored = text === undefined ? undefined : parseStored(text);
    if (stored) refs.set(name, stored);
  }
}

function parsePacked(text: string, refs: Map<string, StoredRef>, peeled: Map<string, string>): void {
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('^')) {
      if (last) peeled.set(last, line.slice(1).trim());
      continue;
    }
    const space = line.indexOf(' ');
    const object = line.slice(0, space);
    last = line.slice(space + 1).trim();
    refs.set(last, { object });
  }
}

function readSnapshot(repo: string): { snapshot: RefSnapshot; stamps: Stamp[] } {
  const stamps: Stamp[] = [stampOf(path.join(repo, 'HEAD')), stampOf(path.join(repo, 'packed-refs'))];
  const refs = new Map<string, StoredRef>();
  const packedPeeled = new Map<string, string>();
  const packed = readText(path.join(repo, 'packed-refs'));
  if (packed) parsePacked(packed, refs, packedPeeled);
  const loose = new Map<string, StoredRef>();
  walkLoose(repo, 'refs', loose, stamps);
  for (const [name, stored] of loose) refs.set(name, stored);
  const headText = readText(path.join(repo, 'HEAD'));
  return { snapshot: { refs, head: headText === undefined ? undefined : parseStored(headText), packedPeeled }, stamps };
}

/** The refs of `repo` as its files hold them now. */
export async function refSnapshot(repo: string): Promise<RefSnapshot> {
  const known = snapshots.get(repo);
  if (known && stillValid(known.stamps)) return known.snapshot;
  const started = BigInt(Date.now()) * 1_000_000n;
  const read = readSnapshot(repo);
  // Keep it only when no file changed while it was read, nor lately.
  const newest = read.stamps.reduce((max, s) => (s.mtimeNs > max ? s.mtimeNs : max), 0n);
  if (started - newest > RACY_MS * 1_000_000n && stillValid(read.stamps)) {
    if (snapshots.size >= MAX_SNAPSHOTS) snapshots.delete(snapshots.keys().next().value!);
    snapshots.set(repo, read);
  } else snapshots.delete(repo);
  return read.snapshot;
}

/** Most symbolic refs a chain is followed through, as git does for aliases. */
const MAX_HOPS = 5;

/**
 * Follows `name` through symbolic refs, at most MAX_HOPS of them: the names passed, `name`
 * first, and what the last one holds (undefined when it does not exist; still a symbolic
 * ref when the chain loops or runs too long).
 */
export function followRefs(snapshot: RefSnapshot, name: string): { names: string[]; stored: StoredRef | undefined } {
  const names = [name];
  let stored = name === 'HEAD' ? snapshot.head : snapshot.refs.get(name);
  while (stored && 'symref' in stored && names.length <= MAX_HOPS) {
    names.push(stored.symref);
    stored = snapshot.refs.get(stored.symref);
  }
  return { names, stored };
}

/**
 * The ref holding an object that `name` leads to through symbolic refs, with that object;
 * undefined when the chain ends at a ref that does not exist or runs too long.
 */
export function resolveStored(snapshot: RefSnapshot, name: string): { ref: string; object: string } | undefined {
  const { names, stored } = followRefs(snapshot, name);
  return stored && 'object' in stored ? { ref: names[names.length - 1]!, object: stored.object } : undefined;
}
