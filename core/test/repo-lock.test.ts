import assert from 'node:assert/strict';
import { createRepoLocks, openDatabase, type Database } from '../src/db/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { advisoryWaiters } from './support/locks.js';
import { eventually } from './support/wait.js';

/** A promise the test settles by hand: work under a lock waits on one instead of sleeping. */
function latch() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return { released, release };
}

/** Resolves when `check` holds, or fails after a deadline: for waiting on something that must happen. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => ((await check()) ? true : undefined), what, timeoutMs);
}

describeModes('repository locks', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode });
  });
  after(() => t?.close());

  /**
   * A full trip through the lock machinery on another key (in server mode a PostgreSQL round
   * trip): work queued on a lock before it has had every chance to start by the time it returns.
   */
  const roundTrip = () => t.forge.locks.withLock(`round-trip-${Math.random()}`, async () => undefined);

  it('run work on one key one at a time, in arrival order', async () => {
    const log: string[] = [];
    const a = latch();
    const first = t.forge.locks.withLock('rpms/bash', async () => {
      log.push('a:start');
      await a.released;
      log.push('a:end');
    });
    await until(() => log.includes('a:start'), 'a to hold the lock');
    const rest = ['b', 'c'].map((name) =>
      t.forge.locks.withLock('rpms/bash', async () => {
        log.push(`${name}:start`);
        await roundTrip();
        log.push(`${name}:end`);
      }),
    );
    await roundTrip();
    await roundTrip();
    assert.deepEqual(log, ['a:start'], 'b and c wait while a holds the lock');
    a.release();
    await Promise.all([first, ...rest]);
    assert.deepEqual(log, ['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('let work on different keys run at the same time', async () => {
    const log: string[] = [];
    // a holds its lock until b has run to its end: were keys serialised together, b never would.
    const bDone = latch();
    const a = t.forge.locks.withLock('rpms/bash', async () => {
      log.push('a:start');
      await Promise.race([bDone.released, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      log.push('a:end');
    });
    await until(() => log.includes('a:start'), 'a to hold its lock');
    const b = t.forge.locks.withLock('rpms/zsh', async () => {
      log.push('b:start');
      log.push('b:end');
    });
    await b;
    bDone.release();
    await a;
    assert.deepEqual(log, ['a:start', 'b:start', 'b:end', 'a:end']);
  });

  it('release the lock when the work throws', async () => {
    await assert.rejects(
      t.forge.locks.withLock('rpms/bash', async () => Promise.reject(new Error('git failed'))),
      /git failed/,
    );
    assert.equal(await t.forge.locks.withLock('rpms/bash', async () => 'next one runs'), 'next one runs');
  });

  if (mode === 'server') {
    it('serialise holders that use separate connection pools, as separate processes do', async () => {
      const other: Database = await openDatabase({
        url: t.env.PAGURUS_DATABASE_URL,
        dataDir: t.forge.config.dataDir,
        schema: t.env.PAGURUS_DATABASE_SCHEMA!,
        poolMax: 2,
        holder: 'test',
      });
      try {
        const otherLocks = createRepoLocks(other);
        const log: string[] = [];
        const here = latch();
        const first = t.forge.locks.withLock('rpms/vim', async () => {
          log.push('here:start');
          await here.released;
          log.push('here:end');
        });
        await until(() => log.includes('here:start'), 'this pool to hold the lock');
        const second = otherLocks.withLock('rpms/vim', async () => {
          log.push('there:start');
          log.push('there:end');
        });
        // The other pool's request is seen waiting in PostgreSQL, not granted.
        await until(
          async () => (await advisoryWaiters(t.forge.db.knex, `pagurus:${t.env.PAGURUS_DATABASE_SCHEMA}:rpms/vim`)) > 0,
          'the other pool to wait for the lock',
        );
        assert.deepEqual(log, ['here:start']);
        here.release();
        await Promise.all([first, second]);
        assert.deepEqual(log, ['here:start', 'here:end', 'there:start', 'there:end']);
      } finally {
        await other.close();
      }
    });
  }
});
