// One pack of a repository, read in place: its index (version 2: a fan-out table by first
// byte, the sorted object names, their checksums and their offsets in the pack) says where
// an object starts, and the pack entry there gives its type, its size and its zlib-compressed
// bytes, or a delta against another entry. The index is read whole when the pack is opened;
// the pack is read in windows of 64 KiB kept in a bounded cache shared by all packs, as git
// maps its packs in windows: a system call costs more than most objects take to inflate.
// Reads are synchronous: what they read is what the kernel keeps cached.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants, inflateSync } from 'node:zlib';
import { inflateSync as inflateRaw } from 'fflate';
import { ByteLru } from './byte-lru.js';

/** Pack entry types (git's numbering). */
export const OBJ_COMMIT = 1;
export const OBJ_TREE = 2;
export const OBJ_BLOB = 3;
export const OBJ_TAG = 4;
export const OBJ_OFS_DELTA = 6;
export const OBJ_REF_DELTA = 7;

export const TYPE_NAMES: Record<number, string> = { [OBJ_COMMIT]: 'commit', [OBJ_TREE]: 'tree', [OBJ_BLOB]: 'blob', [OBJ_TAG]: 'tag' };
export const TYPE_NUMBERS: Record<string, number> = { commit: OBJ_COMMIT, tree: OBJ_TREE, blob: OBJ_BLOB, tag: OBJ_TAG };

const IDX_MAGIC = 0xff744f63;
const HEADER = 8;
const FANOUT = 256 * 4;
const NAME_BYTES = 20;
/** Larger indexes (about 600,000 objects) are not read: cat-file reads those repositories. */
export const LARGEST_INDEX = 16 * 1024 * 1024;
/** Pack bytes are read and kept in windows this large... */
const WINDOW = 64 * 1024;
/** ...and this many bytes of windows are kept, over all packs. */
const WINDOW_CACHE_BYTES = 32 * 1024 * 1024;

/** Entries up to this size are inflated by fflate (inflateEntry). */
const SMALL_ENTRY = 16 * 1024;

/** A pack or its index is not what git writes: read the repository another way. */
export class BadPack extends Error {
  override readonly name = 'BadPack';
}

/** What an entry's header says: a whole object, or a delta against another entry (by offset or by name). */
export type EntryHeader = {
  type: number;
  /** The size of the object, or for a delta the size of the delta. */
  size: number;
  /** Where the compressed bytes start. */
  dataAt: number;
} & ({ base?: undefined } | { base: { offset: number } } | { base: { oid: string } });

/** Windows of pack files, by pack and window. */
const windows = new ByteLru<Buffer>(WINDOW_CACHE_BYTES);

let packs = 0;

export class PackFile {
  /** Tells packs apart in caches (a name may come back after a repack, as another file). */
  readonly id = ++packs;
  private readonly fanout: Uint32Array;
  readonly count: number;
  private readonly packSize: number;
  private readonly idx: Buffer;

  /** Bytes of the index held in memory. */
  get indexBytes(): number {
    return this.idx.length;
  }

  private constructor(
    readonly name: string,
    idxFd: number,
    private readonly packFd: number,
  ) {
    const idxSize = fstatSync(idxFd).size;
    if (idxSize > LARGEST_INDEX) throw new BadPack(`${name}.idx is larger than ${LARGEST_INDEX} bytes`);
    if (idxSize < HEADER + FANOUT) throw new BadPack(`${name}.idx is cut short`);
    this.idx = readFully(idxFd, 0, idxSize, name);
    const head = this.idx;
    if (head.readUInt32BE(0) !== IDX_MAGIC || head.readUInt32BE(4) !== 2) throw new BadPack(`${name}.idx is not a version 2 index`);
    this.fanout = new Uint32Array(256);
    for (let i = 0; i < 256; i += 1) this.fanout[i] = head.readUInt32BE(HEADER + i * 4);
    this.count = this.fanout[255]!;
    // Names, checksums and offsets, then the large offsets, then two checksums.
    if (idxSize < HEADER + FANOUT + this.count * (NAME_BYTES + 8) + 2 * NAME_BYTES) throw new BadPack(`${name}.idx is cut short`);
    const packHead = readFully(packFd, 0, 12, name);
    if (packHead.toString('latin1', 0, 4) !== 'PACK' || packHead.readUInt32BE(8) !== this.count) {
      throw new BadPack(`${name}.pack does not match its index`);
    }
    this.packSize = fstatSync(packFd).size;
  }

  /** Opens `<base>.idx` (read whole, then closed) and `<base>.pack`; throws when either is missing or not a pack git wrote. */
  static open(base: string): PackFile {
    const idxFd = openSync(`${base}.idx`, 'r');
    let packFd: number | undefined;
    try {
      packFd = openSync(`${base}.pack`, 'r');
      return new PackFile(base, idxFd, packFd);
    } catch (error) {
      if (packFd !== undefined) closeSync(packFd);
      throw error;
    } finally {
      closeSync(idxFd);
    }
  }

  close(): void {
    closeSync(this.packFd);
    windows.deleteWhere((key) => key.startsWith(`${this.id}:`));
  }

  /** Where the object named `oid` (40 hexadecimal digits) starts in the pack; undefined when the pack lacks it. */
  find(oid: string): number | undefined {
    const name = Buffer.from(oid, 'hex');
    const first = name[0]!;
    let lo = first === 0 ? 0 : this.fanout[first - 1]!;
    let hi = this.fanout[first]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = HEADER + FANOUT + mid * NAME_BYTES;
      const order = this.idx.compare(name, 0, NAME_BYTES, at, at + NAME_BYTES);
      if (order === 0) return this.offsetOf(mid);
      // compare() orders the index's name against the one asked for.
      if (order < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  /** The header of the entry at `offset`. */
  header(offset: number): EntryHeader {
    if (offset < 12 || offset >= this.packSize - NAME_BYTES) throw new BadPack(`no entry at ${offset} in ${this.name}.pack`);
    const bytes = this.bytes(offset, Math.min(64, this.packSize - offset));
    let at = 0;
    let byte = bytes[at++]!;
    const type = (byte >> 4) & 7;
    let size = byte & 0x0f;
    let shift = 4;
    while (byte & 0x80) {
      if (at >= bytes.length || shift > 49) throw new BadPack(`a broken entry header at ${offset} in ${this.name}.pack`);
      byte = bytes[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (type === OBJ_OFS_DELTA) {
      byte = bytes[at++]!;
      let back = byte & 0x7f;
      while (byte & 0x80) {
        if (at >= bytes.length || back > 2 ** 45) throw new BadPack(`a broken delta offset at ${offset} in ${this.name}.pack`);
        byte = bytes[at++]!;
        back = (back + 1) * 128 + (byte & 0x7f);
      }
      if (back <= 0 || back > offset) throw new BadPack(`a delta base outside ${this.name}.pack`);
      return { type, size, dataAt: offset + at, base: { offset: offset - back } };
    }
    if (type === OBJ_REF_DELTA) {
      if (at + NAME_BYTES > bytes.length) throw new BadPack(`a cut delta base name at ${offset} in ${this.name}.pack`);
      return { type, size, dataAt: offset + at + NAME_BYTES, base: { oid: bytes.toString('hex', at, at + NAME_BYTES) } };
    }
    if (!TYPE_NAMES[type]) throw new BadPack(`an entry of unknown type ${type} at ${offset} in ${this.name}.pack`);
    return { type, size, dataAt: offset + at };
  }

  /** The `size` bytes compressed at `dataAt`, inflated. */
  inflate(dataAt: number, size: number): Buffer {
    // Compressed, the bytes take at most a little more room than they inflate to: 5 bytes per stored block of up to 16 KiB, plus zlib's header and checksum.
    const most = size + 5 * (Math.floor(size / 16_383) + 1) + 32;
    const compressed = this.bytes(dataAt, Math.min(most, this.packSize - NAME_BYTES - dataAt));
    const data = inflateEntry(compressed, size);
    if (data.length !== size) throw new BadPack(`an entry of ${data.length} bytes where its header says ${size} in ${this.name}.pack`);
    return data;
  }

  /** The first bytes the entry at `dataAt` inflates to (at least `bytes` of them when it has that many). */
  inflateStart(dataAt: number, bytes: number): Buffer {
    const compressed = this.bytes(dataAt, Math.min(bytes + 64, this.packSize - NAME_BYTES - dataAt));
    return inflateSync(compressed, { finishFlush: constants.Z_SYNC_FLUSH, chunkSize: 256 });
  }

  private offsetOf(index: number): number {
    const small = this.idx.readUInt32BE(HEADER + FANOUT + this.count * (NAME_BYTES + 4) + index * 4);
    if (!(small & 0x80000000)) return small;
    // Past 2 GiB: the index of an 8-byte offset in the table after the small ones.
    const large = HEADER + FANOUT + this.count * (NAME_BYTES + 8) + (small & 0x7fffffff) * 8;
    if (large + 8 > this.idx.length) throw new BadPack(`${this.name}.idx is cut short`);
    return this.idx.readUInt32BE(large) * 2 ** 32 + this.idx.readUInt32BE(large + 4);
  }

  /** `length` bytes of the pack from `position`: from the windows kept, or read (a long run is read at once and not kept). */
  private bytes(position: number, length: number): Buffer {
    if (length > WINDOW) return readFully(this.packFd, position, length, this.name);
    const first = Math.floor(position / WINDOW);
    const last = Math.floor((position + length - 1) / WINDOW);
    const parts: Buffer[] = [];
    for (let w = first; w <= last; w += 1) parts.push(this.window(w));
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const from = position - first * WINDOW;
    if (from + length > joined.length) throw new BadPack(`${this.name}.pack ends before byte ${position + length}`);
    return joined.subarray(from, from + length);
  }

  private window(index: number): Buffer {
    const key = `${this.id}:${index}`;
    const hit = windows.get(key);
    if (hit) return hit;
    const start = index * WINDOW;
    const window = readFully(this.packFd, start, Math.min(WINDOW, this.packSize - start), this.name);
    windows.set(key, window, window.length);
    return window;
  }
}

/**
 * A zlib stream whose header says it inflates to `size` bytes (followed by anything). A
 * small one (most deltas and commits) is inflated by fflate, in JavaScript: Node's zlib
 * builds a stream object for every call, several times what inflating a few hundred bytes
 * costs (measured 1-2 µs against 3-10 µs a delta). zlib's header is checked here; an entry
 * fflate cannot read goes to Node's zlib, which reports it.
 */
export function inflateEntry(compressed: Buffer, size: number): Buffer {
  const [cmf = 0, flg = 0] = compressed;
  if (size <= SMALL_ENTRY && (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && !(flg & 0x20) && ((cmf << 8) | flg) % 31 === 0) {
    try {
      // One byte more than the header says: fflate stops silently where its output ends, so a
      // stream longer than its header shows as a byte too many instead of being cut to fit.
      const out = inflateRaw(compressed.subarray(2), { out: Buffer.allocUnsafe(size + 1) });
      if (out.byteLength === size) return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } catch {
      // Not a stream fflate reads: Node's zlib says why.
    }
  }
  return inflateSync(compressed, { chunkSize: Math.max(64, size + 1) });
}

function readFully(fd: number, position: number, length: number, name: string): Buffer {
  const out = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, out, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  if (got < length) throw new BadPack(`${name} ends before byte ${position + length}`);
  return out;
}
