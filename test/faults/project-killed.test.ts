// A web process killed after a new project's transaction committed, before the job that makes
// its repository reached the queue: the project's row and its durable job are written in one
// transaction, so the next process that runs jobs finds the job in the outbox, queues it under
// the task id the client was given, and the repository is made. And a worker killed while
// making a fork's repository: the repository appears whole or not at all, so the job run
// again makes it (before, it found a half-made repository, took it for someone else's and
// dropped the fork).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gitOk, type RunningCli } from '@pagurus/core/testing';
import { assertEachEventDeliveredOnce, faultForge, until, type FaultForge } from './support.js';

describe('faults: a process killed while a project is being made', () => {
  let f: FaultForge;
  let worker: RunningCli;
  before(async function () {
    this.timeout(120_000);
    f = await faultForge({}, { PAGURUS_WORKER_RECONCILE_AFTER_SECONDS: '1', PAGURUS_WORKER_LOCK_SECONDS: '2' });
    await f.t.createUser('alice');
    await f.t.createUser('bob');
  });
  after(() => f?.close());

  it('(the web process, between the commit and the queue) makes the repository once a worker starts, under the task id the client was given', async function () {
    this.timeout(180_000);
    const { t } = f;
    const token = await t.createToken('alice', 'all');
    const web = await f.start(['serve', '--port', '0'], /is serving (http:\/\/\S+)/, { PAGURUS_FAULT_PAUSE: 'jobs:committed' });
    const res = await fetch(`${web.match[1]!}/api/0/new`, {
      method: 'POST',
      headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'pkg', description: 'A package', wait: false }),
    });
    const answer = (await res.json()) as { message: string; taskid: string };
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.match(answer.taskid, /^[0-9a-f-]{36}$/);
    await until('the server to stop before queueing the job', async () =>
      web.output().includes('paused at fault point jobs:committed') ? true : undefined,
    );
    await f.kill(web);

    const repo = path.join(t.forge.config.git.reposDir, 'pkg.git');
    assert.equal(existsSync(repo), false, 'no repository yet');
    assert.equal((await t.api('GET', '/api/0/pkg')).status, 200, 'the project was recorded');
    const outbox = (await t.forge.db.knex('job_outbox').pluck('task_id')) as string[];
    assert.deepEqual(outbox, [answer.taskid], 'its job is in the outbox');
    // Unknown to the queue, but written down: pending.
    assert.deepEqual((await t.api('GET', `/api/0/task/${answer.taskid}/status`)).body, { ready: false, status: 'PENDING' });

    worker = await f.start(['worker'], /worker is taking jobs/);
    const status = await until('the task to succeed', async () => {
      const body = (await t.api<{ status: string }>('GET', `/api/0/task/${answer.taskid}/status`)).body;
      return body.status === 'SUCCESS' ? body : undefined;
    });
    assert.equal(status.status, 'SUCCESS');
    assert.ok(existsSync(path.join(repo, 'HEAD')), 'the repository was made');
    await until('the outbox to be empty', async () =>
      ((await t.forge.db.knex('job_outbox').pluck('task_id')) as string[]).length === 0 ? true : undefined,
    );
    await assertEachEventDeliveredOnce(t);
  });

  it('(a worker, while making a fork) makes the fork when its job runs again, and keeps it', async function () {
    this.timeout(180_000);
    const { t } = f;
    assert.equal(await f.stop(worker), 0);
    const doomed = await f.start(['worker'], /worker is taking jobs/, { PAGURUS_FAULT_PAUSE: 'repository:staged' });
    const forked = await t.api<{ taskid: string }>(
      'POST',
      '/api/0/fork',
      { repo: 'pkg', wait: false },
      { Authorization: `token ${await t.createToken('bob', 'all')}` },
    );
    assert.equal(forked.status, 200, JSON.stringify(forked.body));
    await until('the worker to stop with the fork made but not in place', async () =>
      doomed.output().includes('paused at fault point repository:staged') ? true : undefined,
    );
    await f.kill(doomed);
    const fork = path.join(t.forge.config.git.reposDir, 'forks/bob/pkg.git');
    assert.equal(existsSync(fork), false, 'nothing at the path of the fork');

    await f.start(['worker'], /worker is taking jobs/);
    await until('the fork task to succeed', async () => {
      const body = (await t.api<{ status: string }>('GET', `/api/0/task/${forked.body.taskid}/status`)).body;
      return body.status === 'SUCCESS' ? true : body.status === 'FAILURE' ? Promise.reject(new Error('the fork failed')) : undefined;
    });
    assert.equal((await t.api('GET', '/api/0/fork/bob/pkg')).status, 200, 'the fork is kept');
    const parent = path.join(t.forge.config.git.reposDir, 'pkg.git');
    assert.equal(await gitOk(fork, 'rev-parse', 'HEAD'), await gitOk(parent, 'rev-parse', 'HEAD'));
    await assertEachEventDeliveredOnce(t);
  });
});
