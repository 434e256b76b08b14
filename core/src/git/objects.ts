// Objects read through the pool, and what is parsed from them kept in a bounded cache: an
// object's name is its content, so a tree or a commit read once never changes. Entries are
// kept per repository (a fork may lack an object its parent has, and a read answers only
// from the repository asked).
import { gitReads } from './read-pool.js';
import { objectFiles } from './object-files.js';
import { ByteLru } from './byte-lru.js';
import type { ObjectContents, ObjectInfo } from './cat-file.js';

/** Objects up to this size are read through the pool; larger blobs stream from their own process. */
export const POOLED_OBJECT_BYTES = 1024 * 1024;

/** Bytes of parsed objects the cache holds (estimated from the objects' sizes). */
const CACHE_BYTES = 64 * 1024 * 1024;
/** Objects larger than this are not cached. */
const LARGEST_CACHED = 256 * 1024;

const cache = new ByteLru<unknown>(CACHE_BYTES, LARGEST_CACHED);

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
  const answers = names.map((name) => (isOid(name) ? cache.get<ObjectInfo>(key(name)) : undefined));
  const keep = (i: number, info: ObjectInfo | undefined) => {
    answers[i] = info;
    // A found object's answer never changes; a missing one may appear later.
    if (info && !('missing' in info) && isOid(names[i]!)) cache.set(key(names[i]!), info, 100);
  };
  const unanswered = () => names.flatMap((_, i) => (answers[i] === undefined ? [i] : []));
  // What the cache lacks is read from the files here, and what they lack is asked of the pool, each in one batch.
  const notCached = unanswered();
  const inFiles = objectFiles.infos(
    repo,
    notCached.map((i) => names[i]!),
  );
  notCached.forEach((i, j) => keep(i, inFiles[j]));
  const notInFiles = unanswered();
  if (notInFiles.length) {
    const fromPool = await gitReads.use(repo, (process) => process.info(notInFiles.map((i) => names[i]!)));
    notInFiles.forEach((i, j) => keep(i, fromPool[j]));
  }
  return answers as ObjectInfo[];
}

/** The object `name` resolves to, with its type and size; undefined when it does not. */
export async function objectInfo(repo: string, name: string): Promise<{ oid: string; type: string; size: number } | undefined> {
  const [info] = await objectInfos(repo, [name]);
  return info && !('missing' in info) ? info : undefined;
}
