import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { fixtureJobs } from './support/fixture-jobs.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { eventually } from './support/wait.js';

interface Report {
  ready: boolean;
  status: string;
  successful?: boolean;
}

describeModes('task status, as /api/0/task/<id>/status reports it', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { 'worker.concurrency': 1 } });
  });
  after(() => t?.close());

  const report = (id: string) => t.api<Report>('GET', `/api/0/task/${id}/status`);
  const finished = (id: string) =>
    eventually(async () => {
      const res = await report(id);
      return res.body.ready ? res.body : undefined;
    }, `task ${id} to finish`);

  it('reports a queued task as PENDING and a running one as STARTED, not ready and without "successful", then SUCCESS', async () => {
    // One worker slot, held by a job on a latch: the second job is certainly still queued.
    const jobs = fixtureJobs(t.url);
    const running = await jobs.queue({ key: 'running', latch: 'task-status-running' });
    await jobs.started(running);
    const queued = await jobs.queue({ key: 'queued' });
    for (const [id, status] of [
      [running, 'STARTED'],
      [queued, 'PENDING'],
    ] as const) {
      const res = await report(id);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { ready: false, status }, 'Pagure leaves "successful" out until the task is ready');
    }
    await jobs.release('task-status-running');
    assert.deepEqual(await finished(running), { ready: true, status: 'SUCCESS', successful: true });
    assert.deepEqual(await finished(queued), { ready: true, status: 'SUCCESS', successful: true });
  });

  it('retries a failed attempt and then succeeds', async () => {
    const { body } = await t.api<{ taskid: string }>('POST', '/api/0/_fixture/jobs', { name: 'fixture.fail-once' });
    assert.deepEqual(await finished(body.taskid), { ready: true, status: 'SUCCESS', successful: true });
    assert.equal((await t.forge.jobs.status(body.taskid))?.result?.attempt, 2);
  });

  it('reports a task that failed every attempt as FAILURE, not successful', async () => {
    const { body } = await t.api<{ taskid: string }>('POST', '/api/0/_fixture/jobs', { name: 'fixture.always-fails' });
    assert.deepEqual(await finished(body.taskid), { ready: true, status: 'FAILURE', successful: false });
    const error = (await t.forge.jobs.status(body.taskid))?.error;
    assert.equal(
      error,
      `The task failed; its details are in the forge's log under task ${body.taskid}`,
      'a stable text, not the internals',
    );
    assert.doesNotMatch(error ?? '', /this job always fails/);
  });

  it('ends a task that throws FinalJobError at once, without retrying, with its message for clients', async () => {
    const { body } = await t.api<{ taskid: string }>('POST', '/api/0/_fixture/jobs', { name: 'fixture.final-failure' });
    assert.deepEqual(await finished(body.taskid), { ready: true, status: 'FAILURE', successful: false });
    assert.equal((await t.forge.jobs.status(body.taskid))?.error, 'refused on attempt 1');
  });

  it('answers 404 for an unknown task id and for something that is not a task id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-task', '..%2F..%2Fetc']) {
      const res = await report(id);
      assert.equal(res.status, 404, id);
      assert.deepEqual(res.body, { error: 'Task not found', error_code: 'ENOCODE' });
    }
  });
});
