// A web process killed while receive-pack runs (the test switch stops `pagurus serve` at a
// step, and SIGKILL ends it). Before git moved the ref (pre-receive accepted the push, the
// hook waits for its answer): the push fails, the ref did not move, and the push the ledger
// wrote down is forgotten. After git moved the ref, before the post-receive hook queued the
// push's job: the ref moved with its objects (fsck is clean), and the push ledger the
// pre-receive hook wrote lets the next job-running process find the push and queue its job,
// so its git.receive event and its "Fixes #1" still happen.
import assert from 'node:assert/strict';
import path from 'node:path';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from '@pagurus/core/testing';
import { assertEachEventDeliveredOnce, faultForge, receiveEvents, until, type FaultForge } from './support.js';

describe('faults: a web process killed while receive-pack runs', () => {
  let f: FaultForge;

  before(async function () {
    this.timeout(120_000);
    f = await faultForge({}, { PAGURUS_WORKER_RECONCILE_AFTER_SECONDS: '1' });
    const { t } = f;
    const setup = await f.start(['worker'], /worker is taking jobs/);
    await t.createUser('alice');
    await t.createProject('alice', 'pkg', { readme: true });
    const auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    assert.equal((await t.api('POST', '/api/0/pkg/new_issue', { title: 'Broken', issue_content: 'x' }, auth)).status, 200);
    await t.drainEvents(30_000);
    assert.equal(await f.stop(setup), 0);
  });
  after(() => f?.close());

  const bare = () => path.join(f.t.forge.config.git.reposDir, 'pkg.git');
  const ledger = async () => (await f.t.forge.db.knex('git_pushes').select('id', 'updates')) as Array<{ id: string; updates: string[] }>;

  it('before the ref moved: the push fails, the ref stays, and the push written down is forgotten', async function () {
    this.timeout(180_000);
    const web = await f.start(['serve', '--port', '0'], /is serving (http:\/\/\S+)/, { PAGURUS_FAULT_PAUSE: 'push:accepted' });
    const work = await tempDir('pagurus-fault-work-');
    await gitOk(work, 'clone', '-q', cloneUrl(web.match[1]!, 'pkg', { user: 'alice', secret: 'alice-password1' }), 'pkg');
    const dir = path.join(work, 'pkg');
    const before = await gitOk(bare(), 'rev-parse', 'refs/heads/main');
    const commit = await commitFile(dir, 'never.txt', 'never\n', { message: 'Never lands' });
    const push = gitRun(dir, ['push', 'origin', 'main']);
    await until('the server to stop with the push accepted', async () =>
      web.output().includes('paused at fault point push:accepted') ? true : undefined,
    );
    await f.kill(web);
    assert.notEqual((await push).code, 0, 'the push failed');

    assert.equal(await gitOk(bare(), 'rev-parse', 'refs/heads/main'), before, 'the ref did not move');
    const fsck = await gitRun(bare(), ['fsck', '--strict', '--no-dangling']);
    assert.equal(fsck.code, 0, fsck.stderr);
    assert.equal((await ledger()).length, 1, 'the accepted push is written down');
    const worker = await f.start(['worker'], /worker is taking jobs/);
    await until('the ledger to be empty', async () => ((await ledger()).length === 0 ? true : undefined));
    assert.deepEqual(await receiveEvents(f.t, commit), [], 'never announced');
    await assertEachEventDeliveredOnce(f.t);
    assert.equal(await f.stop(worker), 0);
  });

  it('after the ref moved: keeps the ref and its objects, and the next worker queues the lost job: events and "Fixes #1" happen', async function () {
    this.timeout(180_000);
    const { t } = f;
    const web = await f.start(['serve', '--port', '0'], /is serving (http:\/\/\S+)/, { PAGURUS_FAULT_PAUSE: 'push:refs-moved' });
    const work = await tempDir('pagurus-fault-work-');
    await gitOk(work, 'clone', '-q', cloneUrl(web.match[1]!, 'pkg', { user: 'alice', secret: 'alice-password1' }), 'pkg');
    const dir = path.join(work, 'pkg');
    const commit = await commitFile(dir, 'fix.txt', 'fixed\n', { message: 'Fix the thing\n\nFixes #1' });
    const push = gitRun(dir, ['push', 'origin', 'main']);
    await until('the server to stop after the refs moved', async () =>
      web.output().includes('paused at fault point push:refs-moved') ? true : undefined,
    );
    await f.kill(web);
    await push;

    assert.equal(await gitOk(bare(), 'rev-parse', 'refs/heads/main'), commit, 'the ref moved');
    const fsck = await gitRun(bare(), ['fsck', '--strict', '--no-dangling']);
    assert.equal(fsck.code, 0, `with its objects: ${fsck.stderr}`);
    assert.equal((await ledger()).length, 1, 'the push is in the ledger, its job never queued');
    assert.deepEqual(await receiveEvents(t, commit), []);

    // The next process that runs jobs looks in the ledger at its start.
    await f.start(['worker'], /worker is taking jobs/);
    await until('the git.receive event', async () => (await receiveEvents(t, commit))[0]);
    const issue = await until('issue #1 to be closed by the commit', async () => {
      const body = (await t.api<{ status: string; close_status: string }>('GET', '/api/0/pkg/issue/1')).body;
      return body.status === 'Closed' ? body : undefined;
    });
    assert.equal(issue.close_status, 'Fixed');
    await until('the ledger to be empty', async () => ((await ledger()).length === 0 ? true : undefined));
    await assertEachEventDeliveredOnce(t);
  });

  it('forgets a push none of whose refs moved (accepted by pre-receive, then abandoned)', async () => {
    const { t } = f;
    const main = await gitOk(bare(), 'rev-parse', 'refs/heads/main');
    const project = (await t.forge.services.projectQueries.find({ name: 'pkg', namespace: null, forkOwner: null }))!;
    const alice = (await t.forge.services.users.byName('alice'))!;
    await t.forge.services.pushLedger.record('abandoned-push', project, { userId: alice.id }, [
      `${main} ${'1'.repeat(40)} refs/heads/main`,
    ]);
    await t.forge.db
      .knex('git_pushes')
      .where({ id: 'abandoned-push' })
      .update({ created_at: new Date(Date.now() - 120_000) });
    assert.equal(await t.forge.services.pushLedger.reconcile(60_000, t.forge.log), 0);
    assert.deepEqual(await ledger(), []);
  });
});
