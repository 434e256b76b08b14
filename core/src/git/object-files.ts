// Objects read from a repository's files in this process, as libgit2 reads them for Pagure:
// packs (pack-file.ts, with their deltas resolved) and loose objects. It answers only what it
// finds whole and by its full name; everything else (a revision expression, an object it
// cannot find or read, one too large to hold) is left to the pooled cat-file processes, so
// an object that moves while it looks (a repack, a prune, a push) is still read right.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { constants, inflateSync } from 'node:zlib';
import { ByteLru } from './byte-lru.js';
import { applyDelta, deltaSizes } from './delta.js';
import { PackFile, TYPE_NAMES, TYPE_NUMBERS, type EntryHeader } from './pack-file.js';

export interface FoundObject {
  oid: string;
  type: string;
  data: Buffer;
}

/** Repositories whose packs are kept open (two files each per pack); the least recently read closes first. */
const MAX_REPOSITORIES = 64;
/** Bytes of pack indexes held, over all repositories; past it the least recently read let go of theirs. */
const MAX_INDEX_BYTES = 128 * 1024 * 1024;
/** Delta bases kept, in bytes: the objects a history walk or a folder's entries delta against. */
const BASE_CACHE_BYTES = 16 * 1024 * 1024;
/** Longest delta chain followed (git's own default depth is 50). */
const MAX_CHAIN = 4096;

const SHA1 = /^[0-9a-f]{40}$/;

/** Delta bases, by pack and offset. */
const bases = new ByteLru<{ type: number; data: Buffer }>(BASE_CACHE_BYTES, BASE_CACHE_BYTES / 8);
const baseKey = (pack: PackFile, offset: number) => `${pack.id}:${offset}`;

/** The objects directory of one repository: its packs, opened once and rescanned when the pack folder changes. */
class RepositoryObjects {
  private packs: PackFile[] = [];
  /** The pack folder as last read. */
  private seen: { ino: bigint; mtimeNs: bigint } | undefined;

  /** A repository of SHA-256 objects: this reader knows SHA-1 packs only, and reads nothing of it. */
  private readonly sha256: boolean;

  constructor(readonly repo: string) {
    let config = '';
    try {
      config = readFileSync(path.join(repo, 'config'), 'utf8');
    } catch {
      // No repository (yet): nothing is found, and git answers.
    }
    this.sha256 = /^\s*objectformat\s*=\s*sha256\s*$/im.test(config);
  }

  private get objects(): string {
    return path.join(this.repo, 'objects');
  }

  /** Re-reads the pack folder when it changed (a repack, a push, the repository made again under its name). */
  refresh(force = false): void {
    if (this.sha256) return;
    const dir = path.join(this.objects, 'pack');
    const stat = statSync(dir, { bigint: true, throwIfNoEntry: false });
    if (!force && stat?.ino === this.seen?.ino && stat?.mtimeNs === this.seen?.mtimeNs) return;
    // Another folder under the same name (the repository removed and made again): nothing of the old one is kept.
    if (stat?.ino !== this.seen?.ino) this.close();
    this.seen = stat && { ino: stat.ino, mtimeNs: stat.mtimeNs };
    const names = new Set(stat ? readdirSync(dir).filter((n) => n.endsWith('.idx')) : []);
    const kept: PackFile[] = [];
    for (const pack of this.packs) {
      if (names.delete(`${path.basename(pack.name)}.idx`)) kept.push(pack);
      else pack.close();
    }
    for (const name of names) {
      try {
        kept.push(PackFile.open(path.join(dir, name.slice(0, -'.idx'.length))));
      } catch {
        // Still being written, or not a pack this reader knows: cat-file reads its objects.
      }
    }
    this.packs = kept;
  }

  close(): void {
    for (const pack of this.packs) pack.close();
    this.packs = [];
  }

  get indexBytes(): number {
    return this.packs.reduce((sum, pack) => sum + pack.indexBytes, 0);
  }

  /** The pack holding `oid` and where, or undefined. */
  private locate(oid: string): { pack: PackFile; offset: number } | undefined {
    for (const pack of this.packs) {
      const offset = pack.find(oid);
      if (offset !== undefined) return { pack, offset };
    }
    return undefined;
  }

  /** The object's type and size; undefined when it is not found here. */
  info(oid: string): { type: string; size: number } | undefined {
    const at = this.locate(oid);
    if (!at) return this.looseInfo(oid);
    const header = at.pack.header(at.offset);
    if (!header.base) return { type: TYPE_NAMES[header.type]!, size: header.size };
    const type = this.baseType(at.pack, header);
    if (type === undefined) return undefined;
    // The sizes open the delta; a compressed start that holds only zlib's tables gives none of it: then all of it.
    const start = at.pack.inflateStart(header.dataAt, 32);
    return { type, size: deltaSizes(start.length >= 20 ? start : at.pack.inflate(header.dataAt, header.size)).result };
  }

  /** The object's bytes when it is at most `max` bytes; undefined when it is not found here or is larger. */
  read(oid: string, max: number): { type: string; data: Buffer } | undefined {
    const at = this.locate(oid);
    if (!at) return this.looseRead(oid, max);
    const object = this.entry(at.pack, at.offset, max);
    return object && { type: TYPE_NAMES[object.type]!, data: object.data };
  }

  /** The type a delta's chain of bases ends at, from their headers alone. */
  private baseType(pack: PackFile, header: EntryHeader): string | undefined {
    for (let depth = 0; depth < MAX_CHAIN; depth += 1) {
      if (!header.base) return TYPE_NAMES[header.type];
      if ('offset' in header.base) {
        const cached = bases.get(baseKey(pack, header.base.offset));
        if (cached) return TYPE_NAMES[cached.type];
        header = pack.header(header.base.offset);
      } else {
        const at = this.locate(header.base.oid);
        if (!at) return this.looseInfo(header.base.oid)?.type;
        pack = at.pack;
        header = pack.header(at.offset);
      }
    }
    return undefined;
  }

  /** The entry at `offset`, its deltas applied; undefined when it (or a delta on the way) is larger than `max`, or a base is elsewhere. */
  private entry(pack: PackFile, offset: number, max: number): { type: number; data: Buffer } | undefined {
    const chain: Array<{ pack: PackFile; offset: number; header: EntryHeader }> = [];
    let base: { type: number; data: Buffer } | undefined;
    while (!base) {
      const cached = chain.length ? bases.get(baseKey(pack, offset)) : undefined;
      if (cached) {
        base = cached;
        break;
      }
      const header = pack.header(offset);
      if (header.size > max) return undefined;
      if (!header.base) {
        base = { type: header.type, data: pack.inflate(header.dataAt, header.size) };
        if (chain.length) bases.set(baseKey(pack, offset), base, base.data.length);
        break;
      }
      chain.push({ pack, offset, header });
      if (chain.length > MAX_CHAIN) return undefined;
      if ('offset' in header.base) {
        offset = header.base.offset;
      } else {
        const at = this.locate(header.base.oid);
        if (!at) {
          const loose = this.looseRead(header.base.oid, max);
          if (!loose) return undefined;
          base = { type: TYPE_NUMBERS[loose.type]!, data: loose.data };
          break;
        }
        pack = at.pack;
        offset = at.offset;
      }
    }
    for (let i = chain.length - 1; i >= 0; i -= 1) {
      const link = chain[i]!;
      const delta = link.pack.inflate(link.header.dataAt, link.header.size);
      if (deltaSizes(delta).result > max) return undefined;
      base = { type: base.type, data: applyDelta(base.data, delta) };
      // Every object but the one asked for is a base of the one after it.
      if (i > 0) bases.set(baseKey(link.pack, link.offset), base, base.data.length);
    }
    return base;
  }

  private loosePath(oid: string): string {
    return path.join(this.objects, oid.slice(0, 2), oid.slice(2));
  }

  private looseFile(oid: string): Buffer | undefined {
    if (this.sha256) return undefined;
    try {
      return readFileSync(this.loosePath(oid));
    } catch {
      return undefined;
    }
  }

  private looseInfo(oid: string): { type: string; size: number } | undefined {
    const file = this.looseFile(oid);
    return file && looseHeader(file)?.info;
  }

  private looseRead(oid: string, max: number): { type: string; data: Buffer } | undefined {
    const file = this.looseFile(oid);
    if (!file) return undefined;
    const head = looseHeader(file);
    if (!head || head.info.size > max) return undefined;
    const whole = inflateSync(file);
    const data = whole.subarray(head.dataAt);
    return data.length === head.info.size ? { type: head.info.type, data } : undefined;
  }
}

/** The header of a loose object: from its first bytes, or from all of it when they hold only zlib's tables. */
function looseHeader(file: Buffer): ReturnType<typeof parseLooseHeader> {
  return (
    parseLooseHeader(inflateSync(file.subarray(0, 128), { finishFlush: constants.Z_SYNC_FLUSH })) ??
    (file.length > 128 ? parseLooseHeader(inflateSync(file)) : undefined)
  );
}

/** "<type> <size>\0" at the start of a loose object. */
function parseLooseHeader(start: Buffer): { info: { type: string; size: number }; dataAt: number } | undefined {
  const nul = start.indexOf(0);
  const match = nul > 0 ? /^(commit|tree|blob|tag) (\d+)$/.exec(start.toString('latin1', 0, nul)) : null;
  return match ? { info: { type: match[1]!, size: Number(match[2]) }, dataAt: nul + 1 } : undefined;
}

/**
 * The process-wide reader of repositories' object files: each repository's packs stay open
 * while it is among the MAX_REPOSITORIES most recently read and their indexes, with those of
 * the repositories read after it, fit in MAX_INDEX_BYTES.
 */
export class ObjectFiles {
  private readonly repositories = new Map<string, RepositoryObjects>();
  enabled = true;

  constructor(private readonly maxIndexBytes = MAX_INDEX_BYTES) {}

  /** Type and size of each name; undefined for those that must be asked of git (not full SHA-1 names, or not found here). */
  infos(repo: string, names: readonly string[]): Array<{ oid: string; type: string; size: number } | undefined> {
    const found = this.attempt(repo, names, (objects, oid) => objects.info(oid));
    return found.map((info, i) => info && { oid: names[i]!, ...info });
  }

  /** The object `oid` when it is at most `max` bytes; undefined when it must be asked of git. */
  read(repo: string, oid: string, max: number): FoundObject | undefined {
    const [found] = this.attempt(repo, [oid], (objects) => objects.read(oid, max));
    return found && { oid, ...found };
  }

  /** Closes the packs of repositories under `root`, or of all. */
  close(root?: string): void {
    for (const [repo, objects] of this.repositories) {
      if (root !== undefined && !repo.startsWith(root)) continue;
      objects.close();
      this.repositories.delete(repo);
    }
  }

  /** Repositories whose packs are open, and the bytes of their indexes held. */
  stats(): { repositories: number; indexBytes: number } {
    let indexBytes = 0;
    for (const objects of this.repositories.values()) indexBytes += objects.indexBytes;
    return { repositories: this.repositories.size, indexBytes };
  }

  /** Lets go of the least recently read repositories (never `current`) while their indexes hold more than the bound. */
  private bound(current: RepositoryObjects): void {
    let total = this.stats().indexBytes;
    for (const [repo, objects] of this.repositories) {
      if (total <= this.maxIndexBytes) return;
      if (objects === current) continue;
      total -= objects.indexBytes;
      objects.close();
      this.repositories.delete(repo);
    }
  }

  /** `look` for each name that is a full SHA-1 name, with one look at the repository's pack folder for them all. */
  private attempt<T>(
    repo: string,
    names: readonly string[],
    look: (objects: RepositoryObjects, oid: string) => T | undefined,
  ): Array<T | undefined> {
    const answers: Array<T | undefined> = names.map(() => undefined);
    if (!this.enabled || !names.some((name) => SHA1.test(name))) return answers;
    let objects = this.repositories.get(repo);
    try {
      if (objects) {
        this.repositories.delete(repo);
      } else {
        objects = new RepositoryObjects(repo);
        if (this.repositories.size >= MAX_REPOSITORIES) {
          const [oldest, least] = this.repositories.entries().next().value!;
          least.close();
          this.repositories.delete(oldest);
        }
      }
      this.repositories.set(repo, objects);
      objects.refresh();
      this.bound(objects);
      let missed = false;
      names.forEach((name, i) => {
        if (!SHA1.test(name)) return;
        answers[i] = look(objects!, name);
        if (answers[i] === undefined) missed = true;
      });
      if (!missed) return answers;
      // Not in the packs known, nor loose: maybe in a pack written since (git rescans too).
      objects.refresh(true);
      this.bound(objects);
      names.forEach((name, i) => {
        if (answers[i] === undefined && SHA1.test(name)) answers[i] = look(objects!, name);
      });
      return answers;
    } catch {
      // A pack cut short, removed mid-read or not as git writes it: git itself answers.
      objects?.close();
      if (objects) this.repositories.delete(repo);
      return names.map(() => undefined);
    }
  }
}

/** The process-wide reader; a forge turns it off with git.read_in_process. */
export const objectFiles = new ObjectFiles();
