// A worker killed in the middle of a merge, at each of its dangerous steps (the merge commit
// written but the branch not moved; the branch moved but its push not yet announced; the
// branch moved and announced but the pull request not yet marked merged): the processes are spawned as the CLI starts them, the test switch stops the
// worker at the step, and SIGKILL ends it there. Another worker takes the job up again: the
// pull request ends merged exactly once, the branch holds each commit once (one merge commit),
// the move is announced once (its git.receive event: "Fixes #N", activity), and `git fsck` is
// clean.
import assert from 'node:assert/strict';
import path from 'node:path';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir, type RunningCli, type TestForge } from '@pagurus/core/testing';
import { assertEachEventDeliveredOnce, faultForge, receiveEvents, until, type FaultForge } from './support.js';

for (const point of ['merge:commit-written', 'branch:moved', 'merge:ref-moved'] as const) {
  describe(`faults: a worker killed mid-merge (at ${point})`, () => {
    let f: FaultForge;
    let t: TestForge;
    let work: string;
    let auth: Record<string, string>;
    const workers: RunningCli[] = [];
    const worker = async (env: Record<string, string> = {}) => {
      const started = await f.start(['worker', '--concurrency', '1'], /worker is taking jobs/, env);
      workers.push(started);
      return started;
    };

    before(async function () {
      this.timeout(120_000);
      // The web side only: the spawned workers run the jobs.
      f = await faultForge({}, { PAGURUS_WORKER_LOCK_SECONDS: '2', PAGURUS_WORKER_RECONCILE_AFTER_SECONDS: '1' });
      t = f.t;
      // A plain worker for the setup (making the project, the pushes' jobs), stopped before the fault.
      const setup = await worker();
      await t.createUser('alice');
      await t.createProject('alice', 'pkg', { readme: true });
      auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
      work = await tempDir('pagurus-fault-work-');
      const url = cloneUrl(t.url, 'pkg', { user: 'alice', secret: 'alice-password1' });
      await gitOk(work, 'clone', '-q', url, 'pkg');
      const dir = path.join(work, 'pkg');
      // A feature branch, and main moving on meanwhile: the merge writes a merge commit.
      await gitOk(dir, 'checkout', '-q', '-b', 'feature');
      await commitFile(dir, 'feature.txt', 'feature\n', { message: 'The feature' });
      await gitOk(dir, 'push', '-q', 'origin', 'feature');
      await gitOk(dir, 'checkout', '-q', 'main');
      await commitFile(dir, 'main.txt', 'main\n', { message: 'Main moves on' });
      await gitOk(dir, 'push', '-q', 'origin', 'main');
      const opened = await t.api(
        'POST',
        '/api/0/pkg/pull-request/new',
        { title: 'Feature', branch_to: 'main', branch_from: 'feature' },
        auth,
      );
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      await t.drainEvents(30_000);
      assert.equal(await f.stop(setup), 0);
      workers.splice(workers.indexOf(setup), 1);
    });
    after(() => f?.close());

    const bare = () => path.join(t.forge.config.git.reposDir, 'pkg.git');
    const mainHead = () => gitOk(bare(), 'rev-parse', 'refs/heads/main');
    const pr = async () => (await t.api<{ status: string }>('GET', '/api/0/pkg/pull-request/1', undefined, auth)).body;

    it('is taken up again by another worker: merged exactly once, each commit once, fsck clean', async function () {
      this.timeout(180_000);
      const before = await mainHead();
      const doomed = await worker({ PAGURUS_FAULT_PAUSE: point });
      const queued = await t.api<{ message: string; taskid?: string }>('POST', '/api/0/pkg/pull-request/1/merge', { wait: false }, auth);
      assert.equal(queued.status, 200, JSON.stringify(queued.body));
      await until(`the worker to stop at ${point}`, async () =>
        doomed.output().includes(`paused at fault point ${point}`) ? true : undefined,
      );
      await f.kill(doomed);
      workers.splice(workers.indexOf(doomed), 1);
      // Where it died: the branch not moved yet, or moved with the pull request still open.
      if (point === 'merge:commit-written') assert.equal(await mainHead(), before, 'the branch did not move');
      else assert.notEqual(await mainHead(), before, 'the branch moved');
      assert.equal((await pr()).status, 'Open');

      await worker();
      await until('the pull request to be merged', async () => ((await pr()).status === 'Merged' ? true : undefined));
      let last: unknown;
      await until('the task to succeed', async () => {
        const status = await t.api<{ status: string }>('GET', `/api/0/task/${queued.body.taskid}/status`);
        last = status.body;
        return status.body.status === 'SUCCESS' ? true : undefined;
      }).catch((error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(last)}\n${workers.map((w) => w.output().slice(-3000)).join('\n---\n')}`);
      });

      const log = (await gitOk(bare(), 'log', '--format=%s', 'main')).split('\n');
      assert.equal(log.filter((s) => s === 'The feature').length, 1, 'the feature commit once');
      assert.equal(log.filter((s) => s === 'Main moves on').length, 1);
      assert.equal(
        (await gitOk(bare(), 'log', '--merges', '--format=%H', 'main')).split('\n').filter(Boolean).length,
        1,
        'one merge commit',
      );
      const fsck = await gitRun(bare(), ['fsck', '--strict', '--no-dangling']);
      assert.equal(fsck.code, 0, fsck.stderr);
      const closed = (await t.forge.db.knex('forge_events').where({ topic: 'pull-request.closed' }).count('* as count')) as [
        { count: string | number },
      ];
      assert.equal(Number(closed[0].count), 1, 'one pull-request.closed event');
      const notes = (await t.api<{ comments: Array<{ comment: string }> }>('GET', '/api/0/pkg/pull-request/1', undefined, auth)).body
        .comments;
      assert.equal(notes.filter((c) => /has been merged/.test(c.comment)).length, 1, 'one "merged" note');
      // The branch's move is announced as a push once, even when the worker died before announcing it.
      const head = await mainHead();
      await until('the merge to be announced', async () => (await receiveEvents(t, head))[0]);
      // The killed worker was feeding the durable subscriber too: the next one goes on from its cursor.
      await assertEachEventDeliveredOnce(t);
      assert.equal((await receiveEvents(t, head)).length, 1, 'one git.receive for the merge');
    });
  });
}
