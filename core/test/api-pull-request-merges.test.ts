// Pull-request merges by the workers with real git: fast-forward, merge commit, conflicts,
// plugin vetoes, commits that already landed, pull requests from forks, and the refresh of
// open pull requests when their branches move. Each test has a project of its own
// (support/pull-request-project.ts), so it runs alone or in any order.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { cloneUrl, commitFile, gitOk, tempDir } from './support/git-client.js';
import { credentials, prProject } from './support/pull-request-project.js';
import { eventually } from './support/wait.js';

describeModes('pull request merges', (mode) => {
  let t: TestForge;
  let work: string;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  const project = (options: { mainCommits?: number } = {}) => prProject(t, work, 'alice', alice, options);
  const mainOf = async (url: string) => (await gitOk(work, 'ls-remote', url, 'refs/heads/main')).split('\t')[0];

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    work = await tempDir();
    for (const name of ['alice', 'bob']) await t.createUser(name);
    const acls = [
      'pull_request_create',
      'pull_request_comment',
      'pull_request_close',
      'pull_request_merge',
      'pull_request_update',
      'fork_project',
    ];
    alice = { Authorization: `token ${await t.createToken('alice', acls)}` };
    bob = { Authorization: `token ${await t.createToken('bob', acls)}` };
  });
  after(() => t?.close());

  it('merges a fast-forward with wait, moving the branch and closing the pull request', async () => {
    const p = await project();
    await p.branch('feature', 'feature.txt', 'new\n');
    const { id } = (await p.open({ title: 'Add a feature', branch_to: 'main', branch_from: 'feature' })).body;
    await p.settled(id);
    const res = await t.api('POST', `${p.api}/pull-request/${id}/merge`, {}, alice);
    assert.deepEqual(res.body, { message: 'Changes merged!' });
    const pr = (await p.get(id)).body;
    assert.equal(pr.status, 'Merged');
    assert.equal(pr.closed_by!.name, 'alice');
    assert.equal(await mainOf(p.url), pr.commit_stop);
    const again = await t.api<{ error_code: string }>('POST', `${p.api}/pull-request/${id}/merge`, {}, alice);
    assert.equal(again.status, 409);
    assert.equal(again.body.error_code, 'EPRCONFLICTS');
  });

  it('merges diverged branches with a merge commit, and answers 409 EPRCONFLICTS on conflicts', async () => {
    const p = await project();
    // main gains feature.txt; side and clash start from the commit before it.
    await commitFile(p.dir, 'feature.txt', 'new\n');
    await gitOk(p.dir, 'push', '-q', 'origin', 'main');
    await p.branch('side', 'side.txt', 'side\n', 'origin/main~1');
    await p.branch('clash', 'feature.txt', 'other\n', 'origin/main~1');
    const side = (await p.open({ title: 'Side', branch_to: 'main', branch_from: 'side' })).body;
    const clash = (await p.open({ title: 'Clash', branch_to: 'main', branch_from: 'clash' })).body;
    assert.equal((await p.settled(side.id)).cached_merge_status, 'MERGE');
    assert.equal((await p.settled(clash.id)).cached_merge_status, 'CONFLICTS');
    const conflict = await t.api<{ error_code: string; error: string }>(
      'POST',
      `${p.api}/pull-request/${clash.id}/merge`,
      { wait: true },
      alice,
    );
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error, 'This pull-request conflicts and thus cannot be merged');
    assert.equal((await p.get(clash.id)).body.status, 'Open');
    const queued = await t.api<{ message: string; taskid: string }>(
      'POST',
      `${p.api}/pull-request/${side.id}/merge`,
      { wait: false },
      alice,
    );
    assert.equal(queued.body.message, 'Merging queued');
    await eventually(async () => ((await p.get(side.id)).body.status === 'Merged' ? true : undefined), 'the merge');
    await gitOk(p.dir, 'fetch', '-q', 'origin');
    assert.equal(await gitOk(p.dir, 'log', '-1', '--format=%s', 'origin/main'), `Merge #${side.id} \`Side\``);
  });

  it('holds merges to the push policy: a canPush veto answers 409 and leaves the branch alone', async () => {
    const p = await project();
    // The fixture plugin vetoes every update of refs/heads/forbidden, so the branch is made on disk.
    const bare = t.forge.repositories.pathOf(`${p.repo}.git`);
    await gitOk(bare, 'branch', 'forbidden', 'main');
    const before = await gitOk(bare, 'rev-parse', 'forbidden');
    await p.branch('into-forbidden', 'veto.txt', 'veto\n', 'origin/forbidden');
    const pr = (await p.open({ title: 'Vetoed', branch_to: 'forbidden', branch_from: 'into-forbidden' })).body;
    assert.equal((await p.settled(pr.id)).cached_merge_status, 'FFORWARD');
    const res = await t.api<{ error_code: string; errors: unknown }>('POST', `${p.api}/pull-request/${pr.id}/merge`, {}, alice);
    assert.equal(res.status, 409);
    assert.equal(res.body.error_code, 'EPRCONFLICTS');
    assert.deepEqual(res.body.errors, 'fixture refuses pushes to refs/heads/forbidden');
    assert.equal(await gitOk(bare, 'rev-parse', 'forbidden'), before);
    assert.equal((await p.get(pr.id)).body.status, 'Open');
  });

  it('closes as merged a pull request whose commits already landed (as a merge retried after a crash finds it)', async () => {
    const p = await project();
    const head = await p.branch('landed', 'landed.txt', 'landed\n');
    const pr = (await p.open({ title: 'Landed', branch_to: 'main', branch_from: 'landed' })).body;
    await p.settled(pr.id);
    // The branch moves as a merge attempt that died after publishing would have left it.
    await gitOk(p.dir, 'push', '-q', 'origin', `${head}:refs/heads/main`);
    const res = await t.api('POST', `${p.api}/pull-request/${pr.id}/merge`, {}, alice);
    assert.deepEqual(res.body, { message: 'Changes merged!' });
    const after = (await p.get(pr.id)).body;
    assert.equal(after.status, 'Merged');
    assert.equal(after.cached_merge_status, 'NO_CHANGE');
    assert.equal(await mainOf(p.url), head, 'no new commit');
  });

  it('opens a pull request from a fork on its parent, as ogr does', async () => {
    const p = await project();
    const name = p.repo.split('/')[1]!;
    const fork = await t.api('POST', '/api/0/fork', { repo: name, namespace: 'rpms', wait: true }, bob);
    assert.equal(fork.status, 200, JSON.stringify(fork.body));
    const bobs = path.join(work, `bob-${name}`);
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, `forks/bob/${p.repo}`, credentials('bob')), bobs);
    await gitOk(bobs, 'checkout', '-q', '-b', 'fix');
    await commitFile(bobs, 'fix.txt', 'fixed\n');
    await gitOk(bobs, 'push', '-q', 'origin', 'fix');
    const res = await p.open(
      {
        title: 'Fix from a fork',
        branch_to: 'main',
        branch_from: 'fix',
        repo_from: name,
        repo_from_namespace: 'rpms',
        repo_from_username: 'bob',
      },
      bob,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.repo_from!.fullname, `forks/bob/${p.repo}`);
    assert.equal(res.body.project.fullname, p.repo);
    assert.equal((await p.settled(res.body.id)).cached_merge_status, 'FFORWARD');
    assert.deepEqual((await t.api('POST', `${p.api}/pull-request/${res.body.id}/merge`, {}, alice)).body, { message: 'Changes merged!' });
    await gitOk(p.dir, 'fetch', '-q', 'origin');
    assert.equal(await gitOk(p.dir, 'show', 'origin/main:fix.txt'), 'fixed');
  });

  it('refreshes an open pull request when its source branch moves, with pull-request.updated', async () => {
    const p = await project();
    await p.branch('grow', 'grow.txt', 'one\n');
    const pr = (await p.open({ title: 'Grow', branch_to: 'main', branch_from: 'grow' })).body;
    await p.settled(pr.id);
    const next = await commitFile(p.dir, 'grow.txt', 'two\n', { message: 'Grow more' });
    await gitOk(p.dir, 'push', '-q', 'origin', 'grow');
    const updated = await eventually(async () => {
      const now = (await p.get(pr.id)).body;
      return now.commit_stop === next ? now : undefined;
    }, 'the refresh after a push');
    assert.ok(updated.comments.some((c) => c.notification && c.comment.startsWith('**1 new commit added**')));
    const topics = (await p.events()).map((e) => e.topic);
    for (const topic of ['pull-request.new', 'pull-request.updated']) assert.ok(topics.includes(topic), `${topic} in ${topics.join(', ')}`);
  });

  it('recomputes the merge status of every open pull request into a branch when a push moves it', async () => {
    const p = await project();
    await p.branch('calm', 'calm.txt', 'calm\n');
    await p.branch('touchy', 'touchy.txt', 'mine\n');
    const calm = (await p.open({ title: 'Calm', branch_to: 'main', branch_from: 'calm' })).body;
    const touchy = (await p.open({ title: 'Touchy', branch_to: 'main', branch_from: 'touchy' })).body;
    assert.equal((await p.settled(calm.id)).cached_merge_status, 'FFORWARD');
    assert.equal((await p.settled(touchy.id)).cached_merge_status, 'FFORWARD');
    // main moves under both: one can no longer fast-forward, the other now conflicts.
    await gitOk(p.dir, 'checkout', '-q', '-b', 'main-moves', 'origin/main');
    await commitFile(p.dir, 'touchy.txt', 'theirs\n', { message: 'Someone else writes touchy.txt' });
    await gitOk(p.dir, 'push', '-q', 'origin', 'main-moves:main');
    const statuses = await eventually(async () => {
      const now = [(await p.get(calm.id)).body.cached_merge_status, (await p.get(touchy.id)).body.cached_merge_status];
      return now[0] !== 'FFORWARD' && now[1] !== 'FFORWARD' ? now : undefined;
    }, 'the refresh of the pull requests into main');
    assert.deepEqual(statuses, ['MERGE', 'CONFLICTS']);
  });

  it('rebases the source branch onto the target for its committers', async () => {
    const p = await project({ mainCommits: 2 });
    await p.branch('stale', 'stale.txt', 's\n', 'origin/main~2');
    const pr = (await p.open({ title: 'Stale', branch_to: 'main', branch_from: 'stale' })).body;
    assert.equal((await p.settled(pr.id)).cached_merge_status, 'MERGE');
    const rebaser = { Authorization: `token ${await t.createToken('alice', ['pull_request_rebase'])}` };
    const outsider = { Authorization: `token ${await t.createToken('bob', ['pull_request_rebase'])}` };
    assert.equal(
      (await t.api<{ error_code: string }>('POST', `${p.api}/pull-request/${pr.id}/rebase`, {}, outsider)).body.error_code,
      'EREBASENOTALLOWED',
    );
    assert.deepEqual((await t.api('POST', `${p.api}/pull-request/${pr.id}/rebase`, {}, rebaser)).body, { message: 'Pull-request rebased' });
    const rebased = await eventually(async () => {
      const now = (await p.get(pr.id)).body;
      return now.cached_merge_status === 'FFORWARD' ? now : undefined;
    }, 'the refresh after the rebase');
    await gitOk(p.dir, 'fetch', '-q', 'origin');
    assert.equal(await gitOk(p.dir, 'rev-parse', `${rebased.commit_stop}~1`), await gitOk(p.dir, 'rev-parse', 'origin/main'));
    assert.ok(rebased.comments.some((c) => c.notification && c.comment.startsWith('rebased onto ')));
  });
});
