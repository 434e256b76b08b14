// Opens the forge's database: a PostgreSQL server through pg, or the embedded PGlite
// database in <data_dir>/db. Both speak the same SQL and run the same migrations.
import { mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import pg from 'pg';
import { StartupError } from '../errors/index.js';
import { acquireEmbeddedLock } from './embedded-lock.js';
import type { Database } from './types.js';

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; absent means embedded PGlite in `dataDir`/db. */
  url: string | undefined;
  dataDir: string;
  schema: string;
  poolMax: number;
  /** Who holds the embedded database, for the message a second process sees. */
  holder: string;
  /** How long a query waits for a connection (PostgreSQL); default 10 s. */
  waitSeconds?: number;
  /** Where knex's own warnings go (a connection that failed, say); default: nowhere. */
  onWarning?: (message: string) => void;
  /** A PGlite data directory dump to start a fresh embedded database from (tests use it to skip initdb). */
  pgliteTemplate?: Blob | undefined;
}

/** pg returns int8 as strings; PGlite returns numbers. Both modes must agree: numbers. */
const PG_INT8 = 20;
const PG_INT8_ARRAY = 1016;
const PG_INT4_ARRAY = 1007;
const pgTypes = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    const builtin = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
    if (oid === PG_INT8) return (value) => Number(value);
    if (oid === PG_INT8_ARRAY) return builtin(PG_INT4_ARRAY, 'text');
    return builtin(oid, format ?? 'text');
  },
};

interface KnexQueryObject {
  method?: string;
  returning?: unknown;
  response?: { affectedRows?: number };
}

type PgliteClientBase = new (config: Knex.Config) => { processResponse(obj: KnexQueryObject, runner: unknown): unknown };

/**
 * knex-pglite names a delete's command "DEL", which knex does not recognise, so delete()
 * answered the raw result instead of the number of rows, unlike pg. Same answer in both modes.
 */
class PgliteClient extends (ClientPGLite as unknown as PgliteClientBase) {
  override processResponse(obj: KnexQueryObject, runner: unknown): unknown {
    if (obj.method === 'del' && !obj.returning) return obj.response?.affectedRows ?? 0;
    return super.processResponse(obj, runner);
  }
}

/** The URL with its password removed, safe for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function reason(error: unknown): string {
  const err = error as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  const inner = err.errors
    ?.map((e) => e.message)
    .filter(Boolean)
    .join('; ');
  return inner || err.message || err.code || String(error);
}

async function openPostgres(options: OpenDatabaseOptions & { url: string }): Promise<Database> {
  const location = redactUrl(options.url);
  const knex = knexFactory({
    client: 'pg',
    connection: { connectionString: options.url, types: pgTypes, connectionTimeoutMillis: 5000 } as Knex.PgConnectionConfig,
    searchPath: [options.schema],
    pool: { min: 0, max: options.poolMax },
    // Past this a query fails (and a request is answered 503) rather than wait on.
    acquireConnectionTimeout: (options.waitSeconds ?? 10) * 1000,
    // knex prints these itself otherwise, one line per failed connection attempt.
    log: {
      warn: (message: string) => options.onWarning?.(message),
      error: (message: string) => options.onWarning?.(message),
      deprecate: () => undefined,
      debug: () => undefined,
    },
  });
  try {
    await knex.raw('select 1');
  } catch (error) {
    await knex.destroy().catch(() => undefined);
    throw new StartupError(`cannot reach PostgreSQL at ${location} (database.url): ${reason(error)}`);
  }
  return { knex, kind: 'postgres', schema: options.schema, location, close: () => knex.destroy() };
}

/** knex over an open PGlite database, answering as knex over pg does. */
export function pgliteKnex(pglite: PGlite, schema: string): Knex {
  return knexFactory({
    client: PgliteClient as unknown as typeof Knex.Client,
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
    searchPath: [schema],
  });
}

async function openPglite(options: OpenDatabaseOptions): Promise<Database> {
  const dir = path.join(options.dataDir, 'db');
  mkdirSync(options.dataDir, { recursive: true });
  const release = acquireEmbeddedLock(options.dataDir, options.holder);
  let pglite: PGlite;
  try {
    const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
    pglite = new PGlite({
      dataDir: dir,
      ...(fresh && options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : {}),
    });
    await pglite.waitReady;
  } catch (error) {
    release();
    throw new StartupError(`cannot open the embedded database in ${dir}: ${reason(error)}`);
  }
  const knex = pgliteKnex(pglite, options.schema);
  return {
    knex,
    kind: 'pglite',
    schema: options.schema,
    location: dir,
    close: async () => {
      try {
        await knex.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        release();
      }
    },
  };
}

export function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.url ? openPostgres({ ...options, url: options.url }) : openPglite(options);
}
