// Per-test isolation on shared servers: a fresh PostgreSQL schema and Redis key prefix,
// removed afterwards, so concurrent runs never see each other's data.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import knexFactory from 'knex';

export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const knex = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    await knex.raw('drop schema if exists ?? cascade', [schema]);
  } finally {
    await knex.destroy();
  }
}

export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

let template: Promise<Blob> | undefined;

/** A freshly initialised PGlite data directory, made once per process: initdb takes seconds. */
export function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const db = new PGlite();
    await db.waitReady;
    const dump = await db.dumpDataDir('none');
    await db.close();
    return dump;
  })();
  return template;
}
