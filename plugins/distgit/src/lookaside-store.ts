// The lookaside cache's files on disk, laid out as dist-git lays them out:
// <dir>/<namespace>/<name>/<filename>/<hashtype>/<hash>/<filename>. A file is written to a
// temporary name in <dir>/.incoming while its sum is computed, then renamed into place: a
// crash never leaves part of a file at its final path, and a path always holds the bytes its
// hash names.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';

/** The sums an upload may carry, strongest first, with the length of their hex digest. */
export const UPLOAD_HASHES = { sha512: 128, md5: 32 } as const;
export type UploadHash = keyof typeof UPLOAD_HASHES;
/** The sums a download path may name (older uploads were stored under these too). */
export const DOWNLOAD_HASHES: Readonly<Record<string, number>> = { sha512: 128, sha256: 64, sha1: 40, md5: 32 };

export interface LookasideFile {
  namespace: string;
  name: string;
  filename: string;
  hashType: string;
  hash: string;
}

/** A path segment a client may name: no separators, no dot files, no control characters. */
export function safeSegment(value: string): boolean {
  return value.length > 0 && value.length <= 255 && !value.startsWith('.') && !/[/\\\0-\x1f\x7f]/.test(value);
}

export function validHash(type: string, hash: string): boolean {
  const length = DOWNLOAD_HASHES[type];
  return length !== undefined && hash.length === length && /^[0-9a-f]+$/.test(hash);
}

export class LookasideStore {
  constructor(readonly dir: string) {}

  pathOf(file: LookasideFile): string {
    return path.join(this.dir, file.namespace, file.name, file.filename, file.hashType, file.hash, file.filename);
  }

  has(file: LookasideFile): boolean {
    return existsSync(this.pathOf(file));
  }

  async size(file: LookasideFile): Promise<number | undefined> {
    try {
      const info = await stat(this.pathOf(file));
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes `input` under `file` if its sum is `file.hash` and `complete()` says all of it came;
   * answers the size written, or the sum it had instead. Nothing of it is kept in memory.
   */
  async store(
    file: LookasideFile,
    input: Readable,
    complete: () => boolean,
  ): Promise<{ size: number } | { mismatch: string } | { incomplete: true }> {
    const incoming = path.join(this.dir, '.incoming');
    await mkdir(incoming, { recursive: true });
    const temporary = path.join(incoming, `${file.hash.slice(0, 16)}-${randomBytes(8).toString('hex')}`);
    const hash = createHash(file.hashType);
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(input, measure, createWriteStream(temporary, { flags: 'wx', mode: 0o644 }));
      if (!complete()) {
        await rm(temporary, { force: true });
        return { incomplete: true };
      }
      const received = hash.digest('hex');
      if (received !== file.hash) {
        await rm(temporary, { force: true });
        return { mismatch: received };
      }
      // On disk before it is renamed into place.
      const handle = await open(temporary, 'r');
      await handle.sync();
      await handle.close();
      const target = this.pathOf(file);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(temporary, target);
      return { size };
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
