import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { fixtureJobs } from './support/fixture-jobs.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { eventually } from './support/wait.js';

describeModes('jobs', (mode) => {
  let t: TestForge;
  before(async () => {
    // One worker slot: jobs run one at a time, in the order they were queued.
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { 'worker.concurrency': 1 } });
  });
  after(() => t?.close());

  it('carry ids and plain values, never objects', async () => {
    await assert.rejects(
      t.forge.jobs.enqueue('fixture.record', { key: 'x', project: { id: 1 } } as never),
      /data\.project must be a string, number, boolean, null or a list of them \(jobs carry ids, not objects\)/,
    );
    await assert.rejects(t.forge.jobs.enqueue('fixture.record', new Map() as never), /must be a plain object/);
    await assert.rejects(t.forge.jobs.enqueue('fixture.record', { n: Number.NaN }), /data\.n must be/);
  });

  it('must be defined before they are queued', async () => {
    await assert.rejects(t.forge.jobs.enqueue('nobody.defined-this', {}), /no job named "nobody\.defined-this" is defined/);
  });

  it('cannot be defined once the forge has started', () => {
    assert.throws(() => t.forge.jobs.define({ name: 'late.job', run: async () => undefined }), /defined after start-up/);
  });

  it('queued inside a transaction reach the queue only if it commits', async () => {
    const knex = t.forge.db.knex;
    await assert.rejects(
      knex.transaction(async (trx) => {
        await t.forge.jobs.enqueue('fixture.record', { key: 'rolled-back', sleepMs: 0 }, { trx });
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await knex.transaction(async (trx) => {
      const task = await t.forge.jobs.enqueue('fixture.record', { key: 'committed', sleepMs: 0 }, { trx });
      assert.equal(task, undefined, 'no task id before the commit');
    });
    // A job queued after both, on the same key: once it has run, anything queued before it has run too.
    const jobs = fixtureJobs(t.url);
    const last = await jobs.queue({ key: 'after-both' });
    assert.equal((await jobs.finished(last)).status, 'SUCCESS');
    const runs = await eventually(async () => {
      const all = await jobs.runs();
      return all.some((r) => r.key === 'committed' && r.phase === 'end') ? all : undefined;
    }, 'the committed job to run');
    assert.ok(!runs.some((r) => r.key === 'rolled-back'), 'the rolled-back job never ran');
  });

  it('queued with a key inside a transaction answer their task id, which can be waited for right after the commit', async () => {
    const knex = t.forge.db.knex;
    const task = await knex.transaction((trx) =>
      t.forge.jobs.enqueue('fixture.record', { key: 'keyed-in-trx', sleepMs: 0 }, { trx, key: 'keyed-in-trx' }),
    );
    assert.equal(task?.id, 'fixture.record:keyed-in-trx');
    // The job reaches the queue only after the commit: the wait starts before it is there.
    assert.equal((await t.forge.jobs.wait(task.id, 20_000))?.state, 'SUCCESS');

    let dropped: { id: string } | undefined;
    await assert.rejects(
      knex.transaction(async (trx) => {
        dropped = await t.forge.jobs.enqueue('fixture.record', { key: 'keyed-dropped', sleepMs: 0 }, { trx, key: 'keyed-dropped' });
        throw new Error('roll back');
      }),
      /roll back/,
    );
    // Rolled back: never queued, and a wait for it answers "unknown" at once rather than at its limit.
    const waited = Date.now();
    assert.equal(await t.forge.jobs.wait(dropped!.id, 60_000), undefined);
    assert.ok(Date.now() - waited < 30_000, 'the wait did not run to its limit');
  });

  it('queued with a delay wait that long before their first run', async () => {
    await assert.rejects(t.forge.jobs.enqueue('fixture.record', { key: 'bad-delay' }, { delayMs: -1 }), /delayMs must be a number/);
    const queuedAt = Date.now();
    const task = await t.forge.jobs.enqueue('fixture.record', { key: 'delayed', sleepMs: 0 }, { delayMs: 1500 });
    assert.equal((await t.forge.jobs.status(task!.id))?.state, 'PENDING');
    const done = await t.forge.jobs.wait(task!.id, 20_000);
    assert.equal(done?.state, 'SUCCESS');
    assert.ok(Date.now() - queuedAt >= 1500, `ran after ${Date.now() - queuedAt} ms`);
  });
});
