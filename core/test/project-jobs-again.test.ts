// The create and fork jobs run again (a worker died after doing the work, before the queue
// heard it was done; or the job outbox queued it again): the run finds the repository it made
// and goes on, so the project stays, with one README commit; before, it took its own
// repository for someone else's and deleted the project.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, gitOk, type TestForge } from '../src/testing/index.js';

describeModes('project jobs run again', (mode) => {
  let t: TestForge;
  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode });
    await t.createUser('alice');
    await t.createUser('bob');
  });
  after(() => t?.close());

  const runAgain = async (name: string, data: Record<string, string | number | boolean>) => {
    const task = await t.forge.jobs.enqueue(name, data);
    return t.forge.jobs.wait(task!.id, 30_000);
  };

  it('keeps a project whose creation runs again, with its README once', async () => {
    const project = await t.createProject('alice', 'pkg', { readme: true });
    const status = await runAgain('core.create-repo', {
      projectId: project.id,
      path: 'pkg',
      readme: true,
      defaultBranch: 'main',
      ignoreExisting: false,
    });
    assert.equal(status?.state, 'SUCCESS', status?.error);
    assert.equal((await t.api('GET', '/api/0/pkg')).status, 200, 'the project is still there');
    const log = await gitOk(path.join(t.forge.config.git.reposDir, 'pkg.git'), 'log', '--format=%s', 'main');
    assert.equal(log, 'Added the README');
  });

  it('keeps a fork whose job runs again', async () => {
    const fork = await t.api<{ message: string }>(
      'POST',
      '/api/0/fork',
      { repo: 'pkg', wait: true },
      { Authorization: `token ${await t.createToken('bob', 'all')}` },
    );
    assert.equal(fork.status, 200, JSON.stringify(fork.body));
    const record = (await t.forge.services.projectQueries.find({ name: 'pkg', namespace: null, forkOwner: 'bob' }))!;
    const status = await runAgain('core.fork-repo', { projectId: record.id, path: 'forks/bob/pkg' });
    assert.equal(status?.state, 'SUCCESS', status?.error);
    assert.equal((await t.api('GET', '/api/0/fork/bob/pkg')).status, 200, 'the fork is still there');
  });
});
