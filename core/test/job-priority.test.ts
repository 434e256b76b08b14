import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { fixtureJobs } from './support/fixture-jobs.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';

describeModes('job priorities: a worker takes high before normal before low, FIFO within each', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { 'worker.concurrency': 1 } });
  });
  after(() => t?.close());

  it('runs jobs queued behind a busy worker in priority order', async () => {
    // The only worker slot is held by a job on a latch until every other job is queued.
    const jobs = fixtureJobs(t.url);
    const busy = await jobs.queue({ key: 'busy', latch: 'job-priority-busy' });
    await jobs.started(busy);
    const queued: string[] = [];
    for (const [name, key] of [
      ['fixture.record-low', 'low-1'],
      ['fixture.record', 'normal-1'],
      ['fixture.record-high', 'high-1'],
      ['fixture.record', 'normal-2'],
      ['fixture.record-low', 'low-2'],
      ['fixture.record-high', 'high-2'],
    ] as const) {
      queued.push(await jobs.queue({ name, key }));
    }
    await jobs.release('job-priority-busy');
    for (const id of [busy, ...queued]) assert.equal((await jobs.finished(id)).status, 'SUCCESS');
    const started = (await jobs.runs()).filter((r) => r.phase === 'start').map((r) => r.key);
    assert.deepEqual(started, ['busy', 'high-1', 'high-2', 'normal-1', 'normal-2', 'low-1', 'low-2']);
  });
});
