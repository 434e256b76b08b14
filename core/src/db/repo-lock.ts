// Serialises writes to one repository across every worker process: an in-process queue
// per key, then (on a PostgreSQL server) a session advisory lock on a dedicated
// connection, which the server releases by itself if the process dies.
import type { Knex } from 'knex';
import type { Database } from './types.js';

export interface RepoLocks {
  /** Runs `work` while holding the lock named `key` (a repository's path, say). */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** One process's queue per key: each caller waits for the one before it. */
function keyedMutex() {
  const tails = new Map<string, Promise<void>>();
  return async function run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = before.then(() => mine);
    tails.set(key, tail);
    await before;
    try {
      return await work();
    } finally {
      done();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

type RawConnection = unknown;
interface PoolClient {
  acquireConnection(): Promise<RawConnection>;
  releaseConnection(connection: RawConnection): Promise<void>;
}

async function withAdvisoryLock<T>(knex: Knex, key: string, work: () => Promise<T>): Promise<T> {
  const client = knex.client as unknown as PoolClient;
  const connection = await client.acquireConnection();
  try {
    await knex.raw('select pg_advisory_lock(hashtextextended(?, 0))', [key]).connection(connection);
    try {
      return await work();
    } finally {
      await knex.raw('select pg_advisory_unlock(hashtextextended(?, 0))', [key]).connection(connection);
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

export function createRepoLocks(db: Database): RepoLocks {
  const local = keyedMutex();
  // PGlite is one process (the embedded lock file sees to it) and has a single
  // connection that a held lock would starve, so the local queue is the whole lock.
  if (db.kind === 'pglite') return { withLock: local };
  return {
    withLock: (key, work) => local(key, () => withAdvisoryLock(db.knex, `pagurus:${db.schema}:${key}`, work)),
  };
}
