import assert from 'node:assert/strict';
import { createTestForge, type TestForge } from '../src/testing/index.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';

describe('jobs', () => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ plugins: [FIXTURE_PLUGIN] });
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
    const before = (await t.api<{ runs: unknown[] }>('GET', '/api/0/_fixture/job-runs')).body.runs.length;
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
    let runs: Array<{ key: string }> = [];
    for (let i = 0; i < 100 && !runs.some((r) => r.key === 'committed'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      runs = (await t.api<{ runs: Array<{ key: string }> }>('GET', '/api/0/_fixture/job-runs')).body.runs.slice(before);
    }
    assert.ok(runs.some((r) => r.key === 'committed'), 'the committed job ran');
    assert.ok(!runs.some((r) => r.key === 'rolled-back'), 'the rolled-back job never ran');
  });
});
