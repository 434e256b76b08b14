// The whole contribution flow with the real git client, as packagers and CI systems drive
// it: a project and an issue, a fork, a branch pushed to the fork, a pull request on the
// parent, CI flags, merges (fast-forward, merge commit, a conflict), and "Fixes #1".
// A scenario by design: its steps run in order, each building on what the ones before made
// (ids, pushes, merges), so they stay dependent and are not meant to run alone.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, drainJobs, type TestForge } from '@pagurus/core/testing';
import { cloneUrl, commitFile, gitOk, tempDir } from './support/git-client.js';
import { eventually } from './support/wait.js';

describeModes('the contribution workflow, end to end', (mode) => {
  let t: TestForge;
  let work: string;
  const as = (user: string) => ({ user, secret: `${user}-password1` });
  const token = async (user: string, acls: string[]) => ({ Authorization: `token ${await t.createToken(user, acls)}` });

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    work = await tempDir();
    for (const name of ['maintainer', 'contributor', 'ci']) await t.createUser(name);
  });
  after(() => t?.close());

  it('goes from an issue to a merged fix that closes it', async () => {
    const maintainer = await token('maintainer', [
      'create_project',
      'issue_create',
      'issue_comment',
      'pull_request_merge',
      'pull_request_comment',
    ]);
    const contributor = await token('contributor', ['fork_project', 'pull_request_create', 'issue_comment']);
    const ci = await token('ci', ['pull_request_flag', 'commit_flag']);

    // A project with a README, and an issue with a comment.
    assert.equal(
      (
        await t.api(
          'POST',
          '/api/0/new',
          { name: 'tool', namespace: 'rpms', description: 'A tool', create_readme: true, wait: true },
          maintainer,
        )
      ).status,
      200,
    );
    const issue = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/rpms/tool/new_issue',
      { title: 'Typo in the README', issue_content: 'It says "teh".' },
      maintainer,
    );
    assert.equal(issue.body.issue.id, 1);
    assert.equal((await t.api('POST', '/api/0/rpms/tool/issue/1/comment', { comment: 'I will fix it' }, contributor)).status, 200);

    // The contributor forks, pushes a branch to the fork, and opens a pull request on the parent.
    assert.equal((await t.api('POST', '/api/0/fork', { repo: 'tool', namespace: 'rpms', wait: true }, contributor)).status, 200);
    const fork = path.join(work, 'fork');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'forks/contributor/rpms/tool', as('contributor')), fork);
    await gitOk(fork, 'checkout', '-q', '-b', 'typo');
    const fix = await commitFile(fork, 'README.md', '# tool\n\nThe tool.\n', { message: 'Fix the typo\n\nFixes #1' });
    await gitOk(fork, 'push', '-q', 'origin', 'typo');
    const pr = await t.api<{ id: number; commit_stop: string; repo_from: { fullname: string } }>(
      'POST',
      '/api/0/rpms/tool/pull-request/new',
      {
        title: 'Fix the typo',
        branch_to: 'main',
        branch_from: 'typo',
        repo_from: 'tool',
        repo_from_namespace: 'rpms',
        repo_from_username: 'contributor',
      },
      contributor,
    );
    assert.equal(pr.status, 200, JSON.stringify(pr.body));
    assert.equal(pr.body.id, 2, 'issues and pull requests share the numbers');
    assert.equal(pr.body.commit_stop, fix);

    // CI reports on the pull request and on the commit.
    const prFlag = await t.api<{ message: string }>(
      'POST',
      '/api/0/rpms/tool/pull-request/2/flag',
      { username: 'Zuul', status: 'success', comment: 'Build passed', url: 'https://ci.example.org/b/1', uid: 'zuul-check' },
      ci,
    );
    assert.equal(prFlag.body.message, 'Flag added');
    // The fix reaches the parent's repository (refs/pull/2/head) through the pull request's
    // refresh job: a commit no ref of the project reaches cannot be flagged, so wait for it.
    await drainJobs(t);
    const commitFlag = await t.api<{ message: string }>(
      'POST',
      `/api/0/rpms/tool/c/${fix}/flag`,
      { username: 'Fedora CI', status: 'pending', comment: 'Queued', url: 'https://ci.example.org/b/2' },
      ci,
    );
    assert.equal(commitFlag.body.message, 'Flag added');
    const flags = await t.api<{ flags: Array<{ username: string }> }>('GET', '/api/0/rpms/tool/pull-request/2/flag');
    assert.deepEqual(flags.body.flags.map((f) => f.username).sort(), ['Fedora CI', 'Zuul']);

    // The maintainer merges: a fast-forward, which lands "Fixes #1" on main.
    await eventually(
      async () =>
        (await t.api<{ cached_merge_status: string }>('GET', '/api/0/rpms/tool/pull-request/2')).body.cached_merge_status === 'FFORWARD'
          ? true
          : undefined,
      'the merge status',
    );
    assert.deepEqual((await t.api('POST', '/api/0/rpms/tool/pull-request/2/merge', {}, maintainer)).body, { message: 'Changes merged!' });
    const closed = await eventually(async () => {
      const now = (
        await t.api<{ status: string; close_status: string; comments: Array<{ comment: string }> }>('GET', '/api/0/rpms/tool/issue/1')
      ).body;
      return now.status === 'Closed' ? now : undefined;
    }, 'the issue to be closed by the pushed commit');
    assert.equal(closed.close_status, 'Fixed');
    assert.ok(closed.comments.some((c) => c.comment.includes(`Commit [${fix.slice(0, 8)}]`) && c.comment.endsWith('fixes this issue')));

    // Two more branches from the old main: one merges with a merge commit, one conflicts.
    const main = path.join(work, 'main');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'rpms/tool', as('maintainer')), main);
    await gitOk(main, 'checkout', '-q', '-b', 'docs', `${fix}~1`);
    await commitFile(main, 'DOCS.md', 'docs\n');
    await gitOk(main, 'checkout', '-q', '-b', 'clash', `${fix}~1`);
    await commitFile(main, 'README.md', '# tool\n\nSomething else.\n');
    await gitOk(main, 'push', '-q', 'origin', 'docs', 'clash');
    const creator = await token('maintainer', ['pull_request_create']);
    const docs = (
      await t.api<{ id: number }>(
        'POST',
        '/api/0/rpms/tool/pull-request/new',
        { title: 'Docs', branch_to: 'main', branch_from: 'docs' },
        creator,
      )
    ).body;
    const clash = (
      await t.api<{ id: number }>(
        'POST',
        '/api/0/rpms/tool/pull-request/new',
        { title: 'Clash', branch_to: 'main', branch_from: 'clash' },
        creator,
      )
    ).body;
    assert.deepEqual((await t.api('POST', `/api/0/rpms/tool/pull-request/${docs.id}/merge`, {}, maintainer)).body, {
      message: 'Changes merged!',
    });
    const conflict = await t.api<{ error_code: string }>('POST', `/api/0/rpms/tool/pull-request/${clash.id}/merge`, {}, maintainer);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error_code, 'EPRCONFLICTS');

    await gitOk(main, 'fetch', '-q', 'origin');
    assert.equal(await gitOk(main, 'log', '-1', '--format=%s', 'origin/main'), `Merge #${docs.id} \`Docs\``);
    assert.equal(await gitOk(main, 'show', 'origin/main:README.md'), '# tool\n\nThe tool.');
    assert.equal(await gitOk(main, 'show', 'origin/main:DOCS.md'), 'docs');
    const list = await t.api<{ requests: Array<{ id: number; status: string }> }>('GET', '/api/0/rpms/tool/pull-requests?status=all');
    assert.deepEqual(
      list.body.requests.map((r) => [r.id, r.status]),
      [
        [clash.id, 'Open'],
        [docs.id, 'Merged'],
        [2, 'Merged'],
      ],
    );
  });
});
