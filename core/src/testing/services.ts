// Per-test isolation on shared servers: a fresh PostgreSQL schema and Redis key prefix,
// removed afterwards, so concurrent runs never see each other's data.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import knexFactory from 'knex';
import { coreMigrations, migrate, pgliteKnex } from '../db/index.js';

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

/**
 * A PGlite data directory with core's tables made, once per process: initdb and core's
 * migrations take seconds, and every embedded test forge would repeat them. A forge started
 * from it runs only what is still pending (its plugins' migrations).
 */
export function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const pglite = new PGlite();
    await pglite.waitReady;
    const knex = pgliteKnex(pglite, 'public');
    try {
      await migrate({ knex, kind: 'pglite', schema: 'public', location: 'the test template', close: async () => undefined }, [
        coreMigrations,
      ]);
      return await pglite.dumpDataDir('none');
    } finally {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    }
  })();
  return template;
}
