import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { eventually } from './support/wait.js';

describeModes('job priorities: a worker takes high before normal before low, FIFO within each', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { 'worker.concurrency': 1 } });
  });
  after(() => t?.close());

  const queue = async (name: string, key: string, sleepMs = 0) =>
    (await t.api<{ taskid: string }>('POST', '/api/0/_fixture/jobs', { name, key, sleepMs })).body.taskid;

  it('runs jobs queued behind a busy worker in priority order', async () => {
    // The only worker slot is busy while the others are queued.
    await queue('fixture.record', 'busy', 600);
    await eventually(async () => ((await t.api<{ runs: Array<{ key: string }> }>('GET', '/api/0/_fixture/job-runs')).body.runs.some((r) => r.key === 'busy') ? true : undefined), 'the busy job to start');
    for (const [name, key] of [
      ['fixture.record-low', 'low-1'],
      ['fixture.record', 'normal-1'],
      ['fixture.record-high', 'high-1'],
      ['fixture.record', 'normal-2'],
      ['fixture.record-low', 'low-2'],
      ['fixture.record-high', 'high-2'],
    ] as const) {
      await queue(name, key);
    }
    const started = await eventually(async () => {
      const runs = (await t.api<{ runs: Array<{ key: string; phase: string }> }>('GET', '/api/0/_fixture/job-runs')).body.runs.filter((r) => r.phase === 'start');
      return runs.length === 7 ? runs.map((r) => r.key) : undefined;
    }, 'every job to start');
    assert.deepEqual(started, ['busy', 'high-1', 'high-2', 'normal-1', 'normal-2', 'low-1', 'low-2']);
  });
});
