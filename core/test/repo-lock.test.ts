import assert from 'node:assert/strict';
import { createRepoLocks, openDatabase, type Database } from '../src/db/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` under the lock and records when it starts and ends. */
function recorder() {
  const log: string[] = [];
  const job = (name: string, ms: number) => async () => {
    log.push(`${name}:start`);
    await sleep(ms);
    log.push(`${name}:end`);
  };
  return { log, job };
}

describeModes('repository locks', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode });
  });
  after(() => t?.close());

  it('run work on one key one at a time, in arrival order', async () => {
    const { log, job } = recorder();
    await Promise.all([
      t.forge.locks.withLock('rpms/bash', job('a', 60)),
      t.forge.locks.withLock('rpms/bash', job('b', 10)),
      t.forge.locks.withLock('rpms/bash', job('c', 10)),
    ]);
    assert.deepEqual(log, ['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('let work on different keys run at the same time', async () => {
    const { log, job } = recorder();
    await Promise.all([t.forge.locks.withLock('rpms/bash', job('a', 60)), t.forge.locks.withLock('rpms/zsh', job('b', 10))]);
    assert.deepEqual(log, ['a:start', 'b:start', 'b:end', 'a:end']);
  });

  it('release the lock when the work throws', async () => {
    await assert.rejects(t.forge.locks.withLock('rpms/bash', async () => Promise.reject(new Error('git failed'))), /git failed/);
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
        const { log, job } = recorder();
        await Promise.all([t.forge.locks.withLock('rpms/vim', job('here', 150)), sleep(20).then(() => otherLocks.withLock('rpms/vim', job('there', 10)))]);
        assert.deepEqual(log, ['here:start', 'here:end', 'there:start', 'there:end']);
      } finally {
        await other.close();
      }
    });
  }
});
