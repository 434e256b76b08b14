// Pull requests through the API with real git: opening within a project and from a fork,
// listing, reading, comments, flags on the head commit, closing, diffstats, and merges by
// the workers (fast-forward, merge commit, conflicts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import type { ForgeEvent } from '@pagurus/core';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { cloneUrl, commitFile, gitOk, tempDir } from './support/git-client.js';
import { eventually } from './support/wait.js';

interface Pr {
  id: number;
  uid: string;
  title: string;
  branch: string;
  branch_from: string;
  status: string;
  commit_start: string | null;
  commit_stop: string | null;
  cached_merge_status: string;
  repo_from: { fullname: string } | null;
  project: { fullname: string };
  comments: Array<{ comment: string; notification: boolean; filename: string | null; line: number | null }>;
  threshold_reached: boolean | null;
  tags: string[];
  full_url: string;
  user: { name: string };
  assignee: { name: string } | null;
  closed_by: { name: string } | null;
}

describeModes('pull requests', (mode) => {
  let t: TestForge;
  let work: string;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let carol: Record<string, string>;
  const clone = (name: string) => path.join(work, name);
  const as = (user: string) => ({ user, secret: `${user}-password1` });

  const open = (body: Record<string, unknown>, headers = alice, repo = 'rpms/pkg') => t.api<Pr & { error_code?: string; errors?: unknown }>('POST', `/api/0/${repo}/pull-request/new`, body, headers);
  const get = (id: number) => t.api<Pr>('GET', `/api/0/rpms/pkg/pull-request/${id}`);
  const settled = (id: number) =>
    eventually(async () => {
      const pr = (await get(id)).body;
      return pr.cached_merge_status !== 'unknown' ? pr : undefined;
    }, `pull request #${id} to be refreshed`);

  async function branch(dir: string, name: string, file: string, content: string, from = 'origin/main'): Promise<string> {
    await gitOk(dir, 'checkout', '-q', '-b', name, from);
    const head = await commitFile(dir, file, content, { message: `Change ${file} on ${name}` });
    await gitOk(dir, 'push', '-q', 'origin', name);
    return head;
  }

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    work = await tempDir();
    for (const name of ['alice', 'bob', 'carol']) await t.createUser(name);
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    const acls = ['issue_create', 'pull_request_create', 'pull_request_comment', 'pull_request_close', 'pull_request_merge', 'pull_request_flag', 'pull_request_update', 'pull_request_assign', 'fork_project'];
    alice = { Authorization: `token ${await t.createToken('alice', acls)}` };
    bob = { Authorization: `token ${await t.createToken('bob', acls)}` };
    carol = { Authorization: `token ${await t.createToken('carol', ['pull_request_comment'])}` };
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'rpms/pkg', as('alice')), clone('alice'));
  });
  after(() => t?.close());

  it('opens a pull request between two branches, with Pagure\'s JSON, and refreshes its merge status', async () => {
    const head = await branch(clone('alice'), 'feature', 'feature.txt', 'new\n');
    const res = await open({ title: 'Add a feature', branch_to: 'main', branch_from: 'feature', initial_comment: 'Please' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body), [
      'id', 'uid', 'title', 'branch', 'project', 'branch_from', 'repo_from', 'remote_git', 'date_created', 'updated_on', 'last_updated', 'closed_at',
      'user', 'assignee', 'status', 'commit_start', 'commit_stop', 'closed_by', 'initial_comment', 'cached_merge_status', 'threshold_reached', 'tags', 'full_url', 'comments',
    ]);
    assert.equal(res.body.id, 1);
    assert.equal(res.body.status, 'Open');
    assert.equal(res.body.commit_start, head);
    assert.equal(res.body.commit_stop, head);
    assert.equal(res.body.repo_from!.fullname, 'rpms/pkg');
    assert.equal(res.body.full_url, `${t.url}/rpms/pkg/pull-request/1`);
    assert.equal(res.body.threshold_reached, null);
    assert.equal((await settled(1)).cached_merge_status, 'FFORWARD');
  });

  it('finds a pull request by its uid, unless its project is hidden from the caller', async () => {
    const pr = (await get(1)).body;
    const byUid = await t.api<Pr>('GET', `/api/0/pull-requests/${pr.uid}`);
    assert.equal(byUid.status, 200);
    assert.deepEqual(byUid.body, pr);
    for (const uid of ['0123456789abcdef0123456789abcdef', 'not-a-uid']) {
      assert.deepEqual((await t.api('GET', `/api/0/pull-requests/${uid}`)).body, { error: 'Pull-Request not found', error_code: 'ENOREQ' });
    }
    await t.createProject('alice', 'hidden', { private: true, readme: true });
    const work2 = path.join(work, 'hidden');
    // Private projects live in their owner's namespace, as in Pagure.
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'alice/hidden', as('alice')), work2);
    await branch(work2, 'secret', 'secret.txt', 'secret\n');
    const secret = await open({ title: 'Secret', branch_to: 'main', branch_from: 'secret' }, alice, 'alice/hidden');
    assert.equal(secret.status, 200, JSON.stringify(secret.body));
    assert.equal((await t.api('GET', `/api/0/pull-requests/${secret.body.uid}`)).status, 404);
    assert.equal((await t.api('GET', `/api/0/pull-requests/${secret.body.uid}`, undefined, alice)).status, 200);
  });

  it('refuses bad input, unknown branches, missing ACLs and disabled pull requests', async () => {
    const missing = await open({ branch_to: 'main', branch_from: 'feature' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { error: 'Invalid or incomplete input submitted', error_code: 'EINVALIDREQ', errors: { title: ['This field is required.'] } });
    const nope = await open({ title: 'x', branch_to: 'main', branch_from: 'nope' });
    assert.equal(nope.status, 400);
    assert.equal(nope.body.errors, 'Branch nope does not exist');
    const noAcl = await open({ title: 'x', branch_to: 'main', branch_from: 'feature' }, carol);
    assert.equal(noAcl.status, 401);
    assert.equal(noAcl.body.error_code, 'EINVALIDTOK');
    const notCommitter = await open({ title: 'x', branch_to: 'main', branch_from: 'feature' }, bob);
    assert.equal(notCommitter.status, 401);
    assert.equal(notCommitter.body.error_code, 'ENOTHIGHENOUGH');
    assert.equal((await t.api('GET', '/api/0/rpms/pkg/pull-request/99')).status, 404);
    assert.equal((await t.api<{ error_code: string }>('GET', '/api/0/rpms/pkg/pull-request/abc')).body.error_code, 'ENOREQ');
  });

  it('lists pull requests with Pagure\'s filters and pagination', async () => {
    const list = await t.api<{ total_requests: number; requests: Pr[]; args: Record<string, unknown>; pagination: { next: string | null } }>('GET', '/api/0/rpms/pkg/pull-requests');
    assert.equal(list.status, 200);
    assert.equal(list.body.total_requests, 1);
    assert.deepEqual(list.body.args, { status: true, assignee: null, author: null, tags: [], page: 1, per_page: 20 });
    assert.equal((await t.api<{ total_requests: number }>('GET', '/api/0/rpms/pkg/pull-requests?status=Merged')).body.total_requests, 0);
    assert.equal((await t.api<{ total_requests: number }>('GET', '/api/0/rpms/pkg/pull-requests?author=alice')).body.total_requests, 1);
    assert.equal((await t.api<{ total_requests: number }>('GET', '/api/0/rpms/pkg/pull-requests?author=bob')).body.total_requests, 0);
    assert.equal((await t.api<{ total_requests: number }>('GET', '/api/0/rpms/pkg/pull-requests?assignee=!bob')).body.total_requests, 1);
    assert.equal((await t.api<{ error_code: string }>('GET', '/api/0/rpms/pkg/pull-requests?per_page=500')).body.error_code, 'EINVALIDPERPAGEVALUE');
  });

  it('takes comments, general and inline, and flags on the head commit', async () => {
    const carolAvatar = `https://seccdn.libravatar.org/avatar/${createHash('sha256').update('carol@example.test').digest('hex')}?s=30&d=retro`;
    assert.deepEqual((await t.api('POST', '/api/0/rpms/pkg/pull-request/1/comment', { comment: '+1 looks fine' }, carol)).body, {
      message: 'Comment added',
      avatar_url: carolAvatar,
      user: 'carol',
    });
    const inline = await t.api('POST', '/api/0/rpms/pkg/pull-request/1/comment', { comment: 'typo here', commit: (await get(1)).body.commit_stop, filename: 'feature.txt', row: '1' }, carol);
    assert.equal(inline.status, 200);
    const bad = await t.api<{ errors: unknown }>('POST', '/api/0/rpms/pkg/pull-request/1/comment', { comment: '' }, carol);
    assert.equal(bad.status, 400);
    const pr = (await get(1)).body;
    const mine = pr.comments.filter((c) => !c.notification);
    assert.deepEqual(mine.map((c) => [c.comment, c.filename, c.line]), [['+1 looks fine', null, null], ['typo here', 'feature.txt', 1]]);

    const flag = await t.api<{ message: string; uid: string; flag: Record<string, unknown>; avatar_url: string; user: string }>(
      'POST', '/api/0/rpms/pkg/pull-request/1/flag', { username: 'CI', comment: 'Tests passed', url: 'https://ci.example.org/1', status: 'success', uid: 'ci-1' }, bob);
    assert.equal(flag.status, 200, JSON.stringify(flag.body));
    assert.equal(flag.body.message, 'Flag added');
    // As Pagure answers: the flag names the head commit; the flagger and their avatar (size 30) come along.
    assert.deepEqual(Object.keys(flag.body).sort(), ['avatar_url', 'flag', 'message', 'uid', 'user']);
    assert.equal(flag.body.flag.commit_hash, pr.commit_stop);
    assert.equal('pull_request_uid' in flag.body.flag, false);
    assert.equal(flag.body.user, 'bob');
    assert.equal(flag.body.avatar_url, `https://seccdn.libravatar.org/avatar/${createHash('sha256').update('bob@example.test').digest('hex')}?s=30&d=retro`);
    assert.deepEqual((flag.body.flag.user as { name: string; default_email?: string }).default_email, undefined, 'never the flagger\'s addresses');
    const v1 = await t.api<{ flag: { status: string } }>('POST', '/api/0/rpms/pkg/pull-request/1/flag', { username: 'CI', comment: 'Failed', url: 'https://ci.example.org/2', percent: '0', uid: 'ci-2' }, bob);
    assert.equal(v1.body.flag.status, 'failure', 'without a status, percent 0 means failure');
    const flags = await t.api<{ flags: Array<{ commit_hash: string; comment: string }> }>('GET', '/api/0/rpms/pkg/pull-request/1/flag');
    assert.deepEqual(flags.body.flags.map((f) => f.comment), ['Tests passed', 'Failed']);
    assert.deepEqual(flags.body.flags.map((f) => f.commit_hash), [pr.commit_stop, pr.commit_stop]);
    // The same flag, seen as a commit flag.
    const commitFlags = await t.api<{ total_flags: number }>('GET', `/api/0/rpms/pkg/c/${pr.commit_stop}/flag`);
    assert.equal(commitFlags.body.total_flags, 2);
  });

  it('reports per-file diffstats', async () => {
    const stats = await t.api<Record<string, { lines_added: number; lines_removed: number; status: string; old_path: string }>>('GET', '/api/0/rpms/pkg/pull-request/1/diffstats');
    assert.equal(stats.status, 200);
    assert.deepEqual(Object.keys(stats.body), ['feature.txt']);
    assert.equal(stats.body['feature.txt']!.lines_added, 1);
    assert.equal(stats.body['feature.txt']!.status, 'A');
    // Pagure names an added file's old path after the file itself.
    assert.equal(stats.body['feature.txt']!.old_path, 'feature.txt');
  });

  it('serves the pull request as .patch and .diff', async () => {
    const patch = await t.fetch('/rpms/pkg/pull-request/1.patch');
    assert.equal(patch.status, 200);
    assert.match(patch.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await patch.text();
    assert.match(text, /^From [0-9a-f]{40} /);
    assert.match(text, /Subject: \[PATCH\] Change feature.txt on feature/);
    assert.match(text, /\+new/);
    const diff = await (await t.fetch('/rpms/pkg/pull-request/1.diff')).text();
    assert.match(diff, /^diff --git a\/feature.txt b\/feature.txt/);
    assert.equal((await t.fetch('/rpms/pkg/pull-request/77.patch')).status, 404);
  });

  it('closes and reopens, for the author and committers only', async () => {
    const outsider = await t.api<{ error_code: string }>('POST', '/api/0/rpms/pkg/pull-request/1/close', {}, bob);
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.error_code, 'ENOPRCLOSE');
    assert.deepEqual((await t.api('POST', '/api/0/rpms/pkg/pull-request/1/close', {}, alice)).body, { message: 'Pull-request closed!' });
    const closed = (await get(1)).body;
    assert.equal(closed.status, 'Closed');
    assert.equal(closed.closed_by!.name, 'alice');
    assert.deepEqual((await t.api('POST', '/api/0/rpms/pkg/pull-request/1/reopen', {}, alice)).body, { message: 'Pull-request reopened!' });
    assert.equal((await get(1)).body.status, 'Open');
  });

  it('merges a fast-forward with wait, moving the branch and closing the pull request', async () => {
    const res = await t.api('POST', '/api/0/rpms/pkg/pull-request/1/merge', {}, alice);
    assert.deepEqual(res.body, { message: 'Changes merged!' });
    const pr = (await get(1)).body;
    assert.equal(pr.status, 'Merged');
    assert.equal(pr.closed_by!.name, 'alice');
    const main = await gitOk(work, 'ls-remote', cloneUrl(t.url, 'rpms/pkg', as('alice')), 'refs/heads/main');
    assert.equal(main.split('\t')[0], pr.commit_stop);
    const again = await t.api<{ error_code: string }>('POST', '/api/0/rpms/pkg/pull-request/1/merge', {}, alice);
    assert.equal(again.status, 409);
    assert.equal(again.body.error_code, 'EPRCONFLICTS');
  });

  it('merges diverged branches with a merge commit, and answers 409 EPRCONFLICTS on conflicts', async () => {
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    await branch(clone('alice'), 'side', 'side.txt', 'side\n', 'origin/main~1');
    await branch(clone('alice'), 'clash', 'feature.txt', 'other\n', 'origin/main~1');
    const side = (await open({ title: 'Side', branch_to: 'main', branch_from: 'side' })).body;
    const clash = (await open({ title: 'Clash', branch_to: 'main', branch_from: 'clash' })).body;
    assert.equal((await settled(side.id)).cached_merge_status, 'MERGE');
    assert.equal((await settled(clash.id)).cached_merge_status, 'CONFLICTS');
    const conflict = await t.api<{ error_code: string; error: string }>('POST', `/api/0/rpms/pkg/pull-request/${clash.id}/merge`, { wait: true }, alice);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error, 'This pull-request conflicts and thus cannot be merged');
    assert.equal((await get(clash.id)).body.status, 'Open');
    const queued = await t.api<{ message: string; taskid: string }>('POST', `/api/0/rpms/pkg/pull-request/${side.id}/merge`, { wait: false }, alice);
    assert.equal(queued.body.message, 'Merging queued');
    await eventually(async () => ((await get(side.id)).body.status === 'Merged' ? true : undefined), 'the merge');
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    assert.equal(await gitOk(clone('alice'), 'log', '-1', '--format=%s', 'origin/main'), `Merge #${side.id} \`Side\``);
  });

  it('holds merges to the push policy: a canPush veto answers 409 and leaves the branch alone', async () => {
    // The fixture plugin vetoes every update of refs/heads/forbidden, so the branch is made on disk.
    const bare = t.forge.repositories.pathOf('rpms/pkg.git');
    await gitOk(bare, 'branch', 'forbidden', 'main');
    const before = await gitOk(bare, 'rev-parse', 'forbidden');
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    await branch(clone('alice'), 'into-forbidden', 'veto.txt', 'veto\n', 'origin/forbidden');
    const pr = (await open({ title: 'Vetoed', branch_to: 'forbidden', branch_from: 'into-forbidden' })).body;
    assert.equal((await settled(pr.id)).cached_merge_status, 'FFORWARD');
    const res = await t.api<{ error_code: string; errors: unknown }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/merge`, {}, alice);
    assert.equal(res.status, 409);
    assert.equal(res.body.error_code, 'EPRCONFLICTS');
    assert.deepEqual(res.body.errors, 'fixture refuses pushes to refs/heads/forbidden');
    assert.equal(await gitOk(bare, 'rev-parse', 'forbidden'), before);
    assert.equal((await get(pr.id)).body.status, 'Open');
  });

  it('closes as merged a pull request whose commits already landed (as a merge retried after a crash finds it)', async () => {
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    const head = await branch(clone('alice'), 'landed', 'landed.txt', 'landed\n');
    const pr = (await open({ title: 'Landed', branch_to: 'main', branch_from: 'landed' })).body;
    await settled(pr.id);
    // The branch moves as a merge attempt that died after publishing would have left it.
    await gitOk(clone('alice'), 'push', '-q', 'origin', `${head}:refs/heads/main`);
    const res = await t.api('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/merge`, {}, alice);
    assert.deepEqual(res.body, { message: 'Changes merged!' });
    const after = (await get(pr.id)).body;
    assert.equal(after.status, 'Merged');
    assert.equal(after.cached_merge_status, 'NO_CHANGE');
    assert.equal((await gitOk(work, 'ls-remote', cloneUrl(t.url, 'rpms/pkg', as('alice')), 'refs/heads/main')).split('\t')[0], head, 'no new commit');
  });

  it('opens a pull request from a fork on its parent, as ogr does', async () => {
    const fork = await t.api('POST', '/api/0/fork', { repo: 'pkg', namespace: 'rpms', wait: true }, bob);
    assert.equal(fork.status, 200, JSON.stringify(fork.body));
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'forks/bob/rpms/pkg', as('bob')), clone('bob'));
    await branch(clone('bob'), 'fix', 'fix.txt', 'fixed\n');
    const res = await open({ title: 'Fix from a fork', branch_to: 'main', branch_from: 'fix', repo_from: 'pkg', repo_from_namespace: 'rpms', repo_from_username: 'bob' }, bob);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.repo_from!.fullname, 'forks/bob/rpms/pkg');
    assert.equal(res.body.project.fullname, 'rpms/pkg');
    assert.equal((await settled(res.body.id)).cached_merge_status, 'FFORWARD');
    assert.deepEqual((await t.api('POST', `/api/0/rpms/pkg/pull-request/${res.body.id}/merge`, {}, alice)).body, { message: 'Changes merged!' });
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    assert.equal(await gitOk(clone('alice'), 'show', 'origin/main:fix.txt'), 'fixed');
  });

  it('refreshes an open pull request when its source branch moves, with pull-request.updated', async () => {
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    await branch(clone('alice'), 'grow', 'grow.txt', 'one\n');
    const pr = (await open({ title: 'Grow', branch_to: 'main', branch_from: 'grow' })).body;
    await settled(pr.id);
    const next = await commitFile(clone('alice'), 'grow.txt', 'two\n', { message: 'Grow more' });
    await gitOk(clone('alice'), 'push', '-q', 'origin', 'grow');
    const updated = await eventually(async () => {
      const now = (await get(pr.id)).body;
      return now.commit_stop === next ? now : undefined;
    }, 'the refresh after a push');
    assert.ok(updated.comments.some((c) => c.notification && c.comment.startsWith('**1 new commit added**')));
    await t.forge.events.idle();
    const events = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events.map((e) => e.topic);
    for (const topic of ['pull-request.new', 'pull-request.comment.added', 'pull-request.flag.added', 'pull-request.closed', 'pull-request.reopened', 'pull-request.updated']) {
      assert.ok(events.includes(topic), `${topic} in ${events.join(', ')}`);
    }
  });

  it('recomputes the merge status of every open pull request into a branch when a push moves it', async () => {
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    await branch(clone('alice'), 'calm', 'calm.txt', 'calm\n');
    await branch(clone('alice'), 'touchy', 'touchy.txt', 'mine\n');
    const calm = (await open({ title: 'Calm', branch_to: 'main', branch_from: 'calm' })).body;
    const touchy = (await open({ title: 'Touchy', branch_to: 'main', branch_from: 'touchy' })).body;
    assert.equal((await settled(calm.id)).cached_merge_status, 'FFORWARD');
    assert.equal((await settled(touchy.id)).cached_merge_status, 'FFORWARD');
    // main moves under both: one can no longer fast-forward, the other now conflicts.
    await gitOk(clone('alice'), 'checkout', '-q', '-b', 'main-moves', 'origin/main');
    await commitFile(clone('alice'), 'touchy.txt', 'theirs\n', { message: 'Someone else writes touchy.txt' });
    await gitOk(clone('alice'), 'push', '-q', 'origin', 'main-moves:main');
    const statuses = await eventually(async () => {
      const now = [(await get(calm.id)).body.cached_merge_status, (await get(touchy.id)).body.cached_merge_status];
      return now[0] !== 'FFORWARD' && now[1] !== 'FFORWARD' ? now : undefined;
    }, 'the refresh of the pull requests into main');
    assert.deepEqual(statuses, ['MERGE', 'CONFLICTS']);
  });

  it('replaces tags, edits comments and the description, with their events (Pagurus additions)', async () => {
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    await branch(clone('alice'), 'tagged', 'tagged.txt', 'tagged\n');
    const pr = (await open({ title: 'Tagged', branch_to: 'main', branch_from: 'tagged' })).body;
    const update = (body: Record<string, unknown>, headers = alice) => t.api<Pr & { error_code?: string }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}`, body, headers);
    assert.deepEqual((await update({ title: 'Tagged', tag: 'ci, needs-review' })).body.tags, ['ci', 'needs-review']);
    assert.deepEqual((await update({ title: 'Tagged', tag: 'needs-review,approved', initial_comment: 'Now described' })).body.tags, ['approved', 'needs-review']);
    assert.equal((await update({ title: 'Tagged' })).body.tags.length, 2, 'no tag parameter, tags unchanged');
    assert.equal((await update({ title: '', tag: 'dropped' })).status, 400);
    assert.equal((await update({ title: 'Tagged', tag: 'x' }, carol)).status, 401, 'no pull_request_update ACL');
    const stranger = { Authorization: `token ${await t.createToken('carol', ['pull_request_update', 'pull_request_comment'])}` };
    assert.equal((await update({ title: 'Tagged', tag: 'x' }, stranger)).body.error_code, 'ENOPRCLOSE');
    assert.deepEqual((await get(pr.id)).body.tags, ['approved', 'needs-review']);

    await t.api('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/comment`, { comment: 'Typo here' }, stranger);
    const mine = (await get(pr.id)).body.comments.find((c) => c.comment === 'Typo here') as unknown as { id: number };
    const edit = (text: string, headers: Record<string, string>) =>
      t.api<{ message: string; comment: { comment: string; editor: { name: string } }; error_code?: string }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/comment/${mine.id}`, { comment: text }, headers);
    const own = await edit('Typo fixed', stranger);
    assert.equal(own.body.message, 'Comment updated');
    assert.equal(own.body.comment.editor.name, 'carol');
    assert.equal((await edit('Not yours', bob)).body.error_code, 'ENOTHIGHENOUGH');
    assert.equal((await edit('Tidied', alice)).body.comment.comment, 'Tidied');
    assert.equal((await t.api<{ error_code: string }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/comment/99999`, { comment: 'x' }, alice)).body.error_code, 'ENOCOMMENT');

    await t.forge.events.idle();
    const events = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;
    const tagged = events.filter((e) => e.topic.startsWith('pull-request.tag.')).map((e) => [e.topic, (e.body as { tags: string[] }).tags]);
    assert.deepEqual(tagged, [
      ['pull-request.tag.added', ['ci', 'needs-review']],
      ['pull-request.tag.added', ['approved']],
      ['pull-request.tag.removed', ['ci']],
    ]);
    const added = events.find((e) => e.topic === 'pull-request.tag.added')!;
    assert.deepEqual(Object.keys(added.body).sort(), ['agent', 'project', 'pull_request', 'pullrequest', 'tags']);
    assert.equal(events.filter((e) => e.topic === 'pull-request.comment.edited').length, 2);
    const described = events.find((e) => e.topic === 'pull-request.initial_comment.edited')!;
    assert.deepEqual(Object.keys(described.body).sort(), ['agent', 'project', 'pullrequest']);
  });

  it('links the issues its commits name to the pull request (related_prs)', async () => {
    const issue = (await t.api<{ issue: { id: number } }>('POST', '/api/0/rpms/pkg/new_issue', { title: 'Broken', issue_content: 'Please fix' }, alice)).body.issue;
    const other = (await t.api<{ issue: { id: number } }>('POST', '/api/0/rpms/pkg/new_issue', { title: 'Related', issue_content: 'Also' }, alice)).body.issue;
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    await gitOk(clone('alice'), 'checkout', '-q', '-b', 'linked', 'origin/main');
    await commitFile(clone('alice'), 'linked.txt', 'one\n', { message: `Repair it\n\nFixes #${issue.id}` });
    await commitFile(clone('alice'), 'linked.txt', 'two\n', { message: `Tidy\n\nRelates to ${t.url}/rpms/pkg/issue/${other.id}, see also #9999` });
    await gitOk(clone('alice'), 'push', '-q', 'origin', 'linked');
    const pr = (await open({ title: 'Linked', branch_to: 'main', branch_from: 'linked' })).body;
    await settled(pr.id);
    type WithPrs = { related_prs: Array<{ id: number; title: string }> };
    assert.deepEqual((await t.api<WithPrs>('GET', `/api/0/rpms/pkg/issue/${issue.id}`)).body.related_prs, [{ id: pr.id, title: 'Linked' }]);
    assert.deepEqual((await t.api<WithPrs>('GET', `/api/0/rpms/pkg/issue/${other.id}`)).body.related_prs, [{ id: pr.id, title: 'Linked' }]);
    const listed = (await t.api<{ issues: Array<WithPrs & { id: number }> }>('GET', '/api/0/rpms/pkg/issues')).body.issues.find((i) => i.id === issue.id)!;
    assert.deepEqual(listed.related_prs, [{ id: pr.id, title: 'Linked' }]);
  });

  it('honours only-assignee-can-merge and the minimum score, and assigns', async () => {
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    await branch(clone('alice'), 'gated', 'gated.txt', 'g\n');
    const pr = (await open({ title: 'Gated', branch_to: 'main', branch_from: 'gated' })).body;
    const admin = { Authorization: `token ${await t.createToken('alice', ['modify_project'])}` };
    await t.api('POST', '/api/0/rpms/pkg/options/update', { 'Only_assignee_can_merge_pull-request': true, 'Minimum_score_to_merge_pull-request': 1 }, admin);
    assert.equal((await t.api<{ error_code: string }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/merge`, {}, alice)).body.error_code, 'ENOTASSIGNED');
    assert.equal((await t.api<{ error_code: string }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/assign`, { assignee: 'bob' }, bob)).body.error_code, 'ENOPRCLOSE');
    assert.deepEqual((await t.api('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/assign`, { assignee: 'bob' }, alice)).body, { message: 'Request assigned' });
    assert.equal((await t.api<{ error_code: string }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/merge`, {}, alice)).body.error_code, 'ENOTASSIGNEE');
    assert.deepEqual((await t.api('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/assign`, { assignee: 'alice' }, alice)).body, { message: 'Request assigned' });
    assert.equal((await get(pr.id)).body.threshold_reached, false);
    assert.equal((await t.api<{ error_code: string }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/merge`, {}, alice)).body.error_code, 'EPRSCORE');
    await t.api('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/comment`, { comment: ':thumbsup: ship it' }, carol);
    assert.equal((await get(pr.id)).body.threshold_reached, true);
    assert.deepEqual((await t.api('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/merge`, {}, alice)).body, { message: 'Changes merged!' });
    await t.api('POST', '/api/0/rpms/pkg/options/update', { 'Only_assignee_can_merge_pull-request': false, 'Minimum_score_to_merge_pull-request': -1 }, admin);
  });

  it('rebases the source branch onto the target for its committers', async () => {
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    await branch(clone('alice'), 'stale', 'stale.txt', 's\n', 'origin/main~2');
    const pr = (await open({ title: 'Stale', branch_to: 'main', branch_from: 'stale' })).body;
    assert.equal((await settled(pr.id)).cached_merge_status, 'MERGE');
    const rebaser = { Authorization: `token ${await t.createToken('alice', ['pull_request_rebase'])}` };
    const outsider = { Authorization: `token ${await t.createToken('carol', ['pull_request_rebase'])}` };
    assert.equal((await t.api<{ error_code: string }>('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/rebase`, {}, outsider)).body.error_code, 'EREBASENOTALLOWED');
    assert.deepEqual((await t.api('POST', `/api/0/rpms/pkg/pull-request/${pr.id}/rebase`, {}, rebaser)).body, { message: 'Pull-request rebased' });
    const rebased = await eventually(async () => {
      const now = (await get(pr.id)).body;
      return now.cached_merge_status === 'FFORWARD' ? now : undefined;
    }, 'the refresh after the rebase');
    await gitOk(clone('alice'), 'fetch', '-q', 'origin');
    assert.equal(await gitOk(clone('alice'), 'rev-parse', `${rebased.commit_stop}~1`), await gitOk(clone('alice'), 'rev-parse', 'origin/main'));
    assert.ok(rebased.comments.some((c) => c.notification && c.comment.startsWith('rebased onto ')));
  });

  it('answers 404 EPULLREQUESTSDISABLED when the project turned pull requests off', async () => {
    const admin = { Authorization: `token ${await t.createToken('alice', ['modify_project'])}` };
    assert.equal((await t.api('POST', '/api/0/rpms/pkg/options/update', { pull_requests: false }, admin)).status, 200);
    const res = await t.api<{ error: string; error_code: string }>('GET', '/api/0/rpms/pkg/pull-requests');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error: 'Pull-Request have been deactivated for this project', error_code: 'EPULLREQUESTSDISABLED' });
    await t.api('POST', '/api/0/rpms/pkg/options/update', { pull_requests: true }, admin);
  });
});
