// Objects read through the pool, and what is parsed from them kept in a bounded cache: an
// object's name is its content, so a tree or a commit read once never changes. Entries are
// kept per repository (a fork may lack an object its parent has, and a read answers only
// from the repository asked).
import { gitReads } from './read-pool.js';
import { objectFiles } from './object-files.js';
import type { ObjectContents, ObjectInfo } from './cat-file.js';

/** Objects up to this size are read through the pool; larger blobs stream from their own process. */
export const POOLED_OBJECT_BYTES = 1024 * 1024;

/** Bytes of parsed objects the cache holds (estimated from the objects' sizes). */
const CACHE_BYTES = 64 * 1024 * 1024;
/** Objects larger than this are not cached. */
const LARGEST_CACHED = 256 * 1024;

class ObjectCache {
  private readonly entries = new Map<string, { value: unknown; bytes: number }>();
  private bytes = 0;

  get<T>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value as T;
  }

  set(key: string, value: unknown, bytes: number): void {
    if (bytes > LARGEST_CACHED) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= CACHE_BYTES) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}

const cache = new ObjectCache();

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Whether `name` is a full object id (cacheable by name). */
export function isOid(name: string): boolean {
  return OID.test(name);
}

/**
 * A value parsed from an object, from the cache when the object was read before. `kind`
 * names the parser; `name` may be any revision expression, but only full ids are cached.
 */
export async function parsedObject<T>(
  repo: string,
  kind: string,
  name: string,
  parse: (object: ObjectContents) => T,
): Promise<{ oid: string; value: T } | undefined> {
  const key = `${repo}\0${kind}\0${name}`;
  if (isOid(name)) {
    const hit = cache.get<T>(key);
    if (hit !== undefined) return { oid: name, value: hit };
  }
  const object = await readSmallObject(repo, name);
  if (!object) return undefined;
  const value = parse(object);
  cache.set(`${repo}\0${kind}\0${object.oid}`, value, object.data.length + 200);
  return { oid: object.oid, value };
}

/**
 * An object's bytes through the pool (blobs kept in the cache), or undefined when it is
 * missing or larger than POOLED_OBJECT_BYTES: read those as streams.
 */
export async function readSmallObject(repo: string, name: string): Promise<ObjectContents | undefined> {
  const key = `${repo}\0object\0${name}`;
  if (isOid(name)) {
    const hit = cache.get<ObjectContents>(key);
    if (hit) return hit;
  }
  const object =
    (isOid(name) ? objectFiles.read(repo, name, POOLED_OBJECT_BYTES) : undefined) ??
    (await gitReads.use(repo, async (process) => {
      const [info] = await process.info([name]);
      if (!info || 'missing' in info || info.size > POOLED_OBJECT_BYTES) return undefined;
      return process.contents(info.oid);
    }));
  // Blobs are kept as they are (files shown again and again); trees and commits are kept parsed.
  if (object?.type === 'blob') cache.set(`${repo}\0object\0${object.oid}`, object, object.data.length + 100);
  return object;
}

/** Type and size of each name (object ids or revision expressions), in one round trip. */
export async function objectInfos(repo: string, names: readonly string[]): Promise<ObjectInfo[]> {
  if (!names.length) return [];
  const key = (name: string) => `${repo}\0info\0${name}`;
  const cached = names.map((name) => (isOid(name) ? cache.get<ObjectInfo>(key(name)) : undefined));
  const read = objectFiles.infos(
    repo,
    names.filter((_, i) => cached[i] === undefined),
  );
  let nextRead = 0;
  const known = cached.map((hit) => hit ?? read[nextRead++]);
  const unknown = names.filter((_, i) => known[i] === undefined);
  const answers = unknown.length ? await gitReads.use(repo, (process) => process.info(unknown)) : [];
  let next = 0;
  return names.map((name, i) => {
    if (known[i] !== undefined) {
      if (cached[i] === undefined) cache.set(key(name), known[i], 100);
      return known[i];
    }
    const info = answers[next++]!;
    if (!('missing' in info) && isOid(name)) cache.set(key(name), info, 100);
    return info;
  });
}

/** The object `name` resolves to, with its type and size; undefined when it does not. */
export async function objectInfo(repo: string, name: string): Promise<{ oid: string; type: string; size: number } | undefined> {
  const [info] = await objectInfos(repo, [name]);
  return info && !('missing' in info) ? info : undefined;
}
