// Pull requests through the API with real git: opening within a project, reading by uid,
// listing, comments, flags on the head commit, diffstats, patches, closing, tags, linked
// issues and merge gates. Merges are in api-pull-request-merges.test.ts. Each test has a
// project of its own (support/pull-request-project.ts), so it runs alone or in any order.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import type { ForgeEvent } from '@pagurus/core';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { cloneUrl, commitFile, gitOk, tempDir } from './support/git-client.js';
import { credentials, prProject, type PrProject } from './support/pull-request-project.js';

describeModes('pull requests', (mode) => {
  let t: TestForge;
  let work: string;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let carol: Record<string, string>;
  const project = (options: { mainCommits?: number } = {}) => prProject(t, work, 'alice', alice, options);
  /** A fresh project with branch feature (adding feature.txt) and an open pull request from it. */
  async function withFeature(): Promise<{ p: PrProject; id: number; head: string }> {
    const p = await project();
    const head = await p.branch('feature', 'feature.txt', 'new\n');
    const res = await p.open({ title: 'Add a feature', branch_to: 'main', branch_from: 'feature', initial_comment: 'Please' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { p, id: res.body.id, head };
  }

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    work = await tempDir();
    for (const name of ['alice', 'bob', 'carol']) await t.createUser(name);
    const acls = [
      'issue_create',
      'pull_request_create',
      'pull_request_comment',
      'pull_request_close',
      'pull_request_merge',
      'pull_request_flag',
      'pull_request_update',
      'pull_request_assign',
      'fork_project',
    ];
    alice = { Authorization: `token ${await t.createToken('alice', acls)}` };
    bob = { Authorization: `token ${await t.createToken('bob', acls)}` };
    carol = { Authorization: `token ${await t.createToken('carol', ['pull_request_comment'])}` };
  });
  after(() => t?.close());

  it("opens a pull request between two branches, with Pagure's JSON, and refreshes its merge status", async () => {
    const p = await project();
    const head = await p.branch('feature', 'feature.txt', 'new\n');
    const res = await p.open({ title: 'Add a feature', branch_to: 'main', branch_from: 'feature', initial_comment: 'Please' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body), [
      'id',
      'uid',
      'title',
      'branch',
      'project',
      'branch_from',
      'repo_from',
      'remote_git',
      'date_created',
      'updated_on',
      'last_updated',
      'closed_at',
      'user',
      'assignee',
      'status',
      'commit_start',
      'commit_stop',
      'closed_by',
      'initial_comment',
      'cached_merge_status',
      'threshold_reached',
      'tags',
      'full_url',
      'comments',
    ]);
    assert.equal(res.body.id, 1, "a project's first ticket is #1");
    assert.equal(res.body.status, 'Open');
    assert.equal(res.body.commit_start, head);
    assert.equal(res.body.commit_stop, head);
    assert.equal(res.body.repo_from!.fullname, p.repo);
    assert.equal(res.body.full_url, `${t.url}/${p.repo}/pull-request/1`);
    assert.equal(res.body.threshold_reached, null);
    assert.equal((await p.settled(1)).cached_merge_status, 'FFORWARD');
    assert.ok(
      (await p.events()).some((e) => e.topic === 'pull-request.new'),
      'pull-request.new',
    );
  });

  it('finds a pull request by its uid, unless its project is hidden from the caller', async () => {
    const { p, id } = await withFeature();
    const pr = (await p.get(id)).body;
    const byUid = await t.api<typeof pr>('GET', `/api/0/pull-requests/${pr.uid}`);
    assert.equal(byUid.status, 200);
    assert.deepEqual(byUid.body, pr);
    for (const uid of ['0123456789abcdef0123456789abcdef', 'not-a-uid']) {
      assert.deepEqual((await t.api('GET', `/api/0/pull-requests/${uid}`)).body, { error: 'Pull-Request not found', error_code: 'ENOREQ' });
    }
    await t.createProject('alice', 'hidden', { private: true, readme: true });
    const work2 = path.join(work, 'hidden');
    // Private projects live in their owner's namespace, as in Pagure.
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'alice/hidden', credentials('alice')), work2);
    await gitOk(work2, 'checkout', '-q', '-b', 'secret');
    await commitFile(work2, 'secret.txt', 'secret\n');
    await gitOk(work2, 'push', '-q', 'origin', 'secret');
    const secret = await t.api<{ uid: string }>(
      'POST',
      '/api/0/alice/hidden/pull-request/new',
      { title: 'Secret', branch_to: 'main', branch_from: 'secret' },
      alice,
    );
    assert.equal(secret.status, 200, JSON.stringify(secret.body));
    assert.equal((await t.api('GET', `/api/0/pull-requests/${secret.body.uid}`)).status, 404);
    assert.equal((await t.api('GET', `/api/0/pull-requests/${secret.body.uid}`, undefined, alice)).status, 200);
  });

  it('refuses bad input, unknown branches, missing ACLs and disabled pull requests', async () => {
    const p = await project();
    await p.branch('feature', 'feature.txt', 'new\n');
    const missing = await p.open({ branch_to: 'main', branch_from: 'feature' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, {
      error: 'Invalid or incomplete input submitted',
      error_code: 'EINVALIDREQ',
      errors: { title: ['This field is required.'] },
    });
    const nope = await p.open({ title: 'x', branch_to: 'main', branch_from: 'nope' });
    assert.equal(nope.status, 400);
    assert.equal(nope.body.errors, 'Branch nope does not exist');
    const noAcl = await p.open({ title: 'x', branch_to: 'main', branch_from: 'feature' }, carol);
    assert.equal(noAcl.status, 401);
    assert.equal(noAcl.body.error_code, 'EINVALIDTOK');
    const notCommitter = await p.open({ title: 'x', branch_to: 'main', branch_from: 'feature' }, bob);
    assert.equal(notCommitter.status, 401);
    assert.equal(notCommitter.body.error_code, 'ENOTHIGHENOUGH');
    assert.equal((await t.api('GET', `${p.api}/pull-request/99`)).status, 404);
    assert.equal((await t.api<{ error_code: string }>('GET', `${p.api}/pull-request/abc`)).body.error_code, 'ENOREQ');
  });

  it("lists pull requests with Pagure's filters and pagination", async () => {
    const { p } = await withFeature();
    const list = await t.api<{ total_requests: number; args: Record<string, unknown> }>('GET', `${p.api}/pull-requests`);
    assert.equal(list.status, 200);
    assert.equal(list.body.total_requests, 1);
    assert.deepEqual(list.body.args, { status: true, assignee: null, author: null, tags: [], page: 1, per_page: 20 });
    assert.equal((await t.api<{ total_requests: number }>('GET', `${p.api}/pull-requests?status=Merged`)).body.total_requests, 0);
    assert.equal((await t.api<{ total_requests: number }>('GET', `${p.api}/pull-requests?author=alice`)).body.total_requests, 1);
    assert.equal((await t.api<{ total_requests: number }>('GET', `${p.api}/pull-requests?author=bob`)).body.total_requests, 0);
    assert.equal((await t.api<{ total_requests: number }>('GET', `${p.api}/pull-requests?assignee=!bob`)).body.total_requests, 1);
    assert.equal(
      (await t.api<{ error_code: string }>('GET', `${p.api}/pull-requests?per_page=500`)).body.error_code,
      'EINVALIDPERPAGEVALUE',
    );
  });

  it('takes comments, general and inline, and flags on the head commit', async () => {
    const { p, id } = await withFeature();
    const pull = `${p.api}/pull-request/${id}`;
    const carolAvatar = `https://seccdn.libravatar.org/avatar/${createHash('sha256').update('carol@example.test').digest('hex')}?s=30&d=retro`;
    assert.deepEqual((await t.api('POST', `${pull}/comment`, { comment: '+1 looks fine' }, carol)).body, {
      message: 'Comment added',
      avatar_url: carolAvatar,
      user: 'carol',
    });
    const inline = await t.api(
      'POST',
      `${pull}/comment`,
      { comment: 'typo here', commit: (await p.get(id)).body.commit_stop, filename: 'feature.txt', row: '1' },
      carol,
    );
    assert.equal(inline.status, 200);
    const bad = await t.api<{ errors: unknown }>('POST', `${pull}/comment`, { comment: '' }, carol);
    assert.equal(bad.status, 400);
    const pr = (await p.get(id)).body;
    const mine = pr.comments.filter((c) => !c.notification);
    assert.deepEqual(
      mine.map((c) => [c.comment, c.filename, c.line]),
      [
        ['+1 looks fine', null, null],
        ['typo here', 'feature.txt', 1],
      ],
    );

    const flag = await t.api<{ message: string; uid: string; flag: Record<string, unknown>; avatar_url: string; user: string }>(
      'POST',
      `${pull}/flag`,
      { username: 'CI', comment: 'Tests passed', url: 'https://ci.example.org/1', status: 'success', uid: 'ci-1' },
      bob,
    );
    assert.equal(flag.status, 200, JSON.stringify(flag.body));
    assert.equal(flag.body.message, 'Flag added');
    // As Pagure answers: the flag names the head commit; the flagger and their avatar (size 30) come along.
    assert.deepEqual(Object.keys(flag.body).sort(), ['avatar_url', 'flag', 'message', 'uid', 'user']);
    assert.equal(flag.body.flag.commit_hash, pr.commit_stop);
    assert.equal('pull_request_uid' in flag.body.flag, false);
    assert.equal(flag.body.user, 'bob');
    assert.equal(
      flag.body.avatar_url,
      `https://seccdn.libravatar.org/avatar/${createHash('sha256').update('bob@example.test').digest('hex')}?s=30&d=retro`,
    );
    assert.deepEqual(
      (flag.body.flag.user as { name: string; default_email?: string }).default_email,
      undefined,
      "never the flagger's addresses",
    );
    const v1 = await t.api<{ flag: { status: string } }>(
      'POST',
      `${pull}/flag`,
      { username: 'CI', comment: 'Failed', url: 'https://ci.example.org/2', percent: '0', uid: 'ci-2' },
      bob,
    );
    assert.equal(v1.body.flag.status, 'failure', 'without a status, percent 0 means failure');
    const flags = await t.api<{ flags: Array<{ commit_hash: string; comment: string }> }>('GET', `${pull}/flag`);
    assert.deepEqual(
      flags.body.flags.map((f) => f.comment),
      ['Tests passed', 'Failed'],
    );
    assert.deepEqual(
      flags.body.flags.map((f) => f.commit_hash),
      [pr.commit_stop, pr.commit_stop],
    );
    // The same flag, seen as a commit flag.
    const commitFlags = await t.api<{ total_flags: number }>('GET', `${p.api}/c/${pr.commit_stop}/flag`);
    assert.equal(commitFlags.body.total_flags, 2);
    const topics = (await p.events()).map((e) => e.topic);
    for (const topic of ['pull-request.comment.added', 'pull-request.flag.added'])
      assert.ok(topics.includes(topic), `${topic} in ${topics.join(', ')}`);
  });

  it('reports per-file diffstats', async () => {
    const { p, id } = await withFeature();
    const stats = await t.api<Record<string, { lines_added: number; lines_removed: number; status: string; old_path: string }>>(
      'GET',
      `${p.api}/pull-request/${id}/diffstats`,
    );
    assert.equal(stats.status, 200);
    assert.deepEqual(Object.keys(stats.body), ['feature.txt']);
    assert.equal(stats.body['feature.txt']!.lines_added, 1);
    assert.equal(stats.body['feature.txt']!.status, 'A');
    // Pagure names an added file's old path after the file itself.
    assert.equal(stats.body['feature.txt']!.old_path, 'feature.txt');
  });

  it('serves the pull request as .patch and .diff', async () => {
    const { p, id } = await withFeature();
    const patch = await t.fetch(`/${p.repo}/pull-request/${id}.patch`);
    assert.equal(patch.status, 200);
    assert.match(patch.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await patch.text();
    assert.match(text, /^From [0-9a-f]{40} /);
    assert.match(text, /Subject: \[PATCH\] Change feature.txt on feature/);
    assert.match(text, /\+new/);
    const diff = await (await t.fetch(`/${p.repo}/pull-request/${id}.diff`)).text();
    assert.match(diff, /^diff --git a\/feature.txt b\/feature.txt/);
    assert.equal((await t.fetch(`/${p.repo}/pull-request/77.patch`)).status, 404);
  });

  it('closes and reopens, for the author and committers only', async () => {
    const { p, id } = await withFeature();
    const pull = `${p.api}/pull-request/${id}`;
    const outsider = await t.api<{ error_code: string }>('POST', `${pull}/close`, {}, bob);
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.error_code, 'ENOPRCLOSE');
    assert.deepEqual((await t.api('POST', `${pull}/close`, {}, alice)).body, { message: 'Pull-request closed!' });
    const closed = (await p.get(id)).body;
    assert.equal(closed.status, 'Closed');
    assert.equal(closed.closed_by!.name, 'alice');
    assert.deepEqual((await t.api('POST', `${pull}/reopen`, {}, alice)).body, { message: 'Pull-request reopened!' });
    assert.equal((await p.get(id)).body.status, 'Open');
    const topics = (await p.events()).map((e) => e.topic);
    for (const topic of ['pull-request.closed', 'pull-request.reopened'])
      assert.ok(topics.includes(topic), `${topic} in ${topics.join(', ')}`);
  });

  it('replaces tags, edits comments and the description, with their events (Pagurus additions)', async () => {
    const p = await project();
    await p.branch('tagged', 'tagged.txt', 'tagged\n');
    const pr = (await p.open({ title: 'Tagged', branch_to: 'main', branch_from: 'tagged' })).body;
    const update = (body: Record<string, unknown>, headers = alice) =>
      t.api<typeof pr & { error_code?: string }>('POST', `${p.api}/pull-request/${pr.id}`, body, headers);
    assert.deepEqual((await update({ title: 'Tagged', tag: 'ci, needs-review' })).body.tags, ['ci', 'needs-review']);
    assert.deepEqual((await update({ title: 'Tagged', tag: 'needs-review,approved', initial_comment: 'Now described' })).body.tags, [
      'approved',
      'needs-review',
    ]);
    assert.equal((await update({ title: 'Tagged' })).body.tags.length, 2, 'no tag parameter, tags unchanged');
    assert.equal((await update({ title: '', tag: 'dropped' })).status, 400);
    assert.equal((await update({ title: 'Tagged', tag: 'x' }, carol)).status, 401, 'no pull_request_update ACL');
    const stranger = { Authorization: `token ${await t.createToken('carol', ['pull_request_update', 'pull_request_comment'])}` };
    assert.equal((await update({ title: 'Tagged', tag: 'x' }, stranger)).body.error_code, 'ENOPRCLOSE');
    assert.deepEqual((await p.get(pr.id)).body.tags, ['approved', 'needs-review']);

    await t.api('POST', `${p.api}/pull-request/${pr.id}/comment`, { comment: 'Typo here' }, stranger);
    const mine = (await p.get(pr.id)).body.comments.find((c) => c.comment === 'Typo here') as unknown as { id: number };
    const edit = (text: string, headers: Record<string, string>) =>
      t.api<{ message: string; comment: { comment: string; editor: { name: string } }; error_code?: string }>(
        'POST',
        `${p.api}/pull-request/${pr.id}/comment/${mine.id}`,
        { comment: text },
        headers,
      );
    const own = await edit('Typo fixed', stranger);
    assert.equal(own.body.message, 'Comment updated');
    assert.equal(own.body.comment.editor.name, 'carol');
    assert.equal((await edit('Not yours', bob)).body.error_code, 'ENOTHIGHENOUGH');
    assert.equal((await edit('Tidied', alice)).body.comment.comment, 'Tidied');
    assert.equal(
      (await t.api<{ error_code: string }>('POST', `${p.api}/pull-request/${pr.id}/comment/99999`, { comment: 'x' }, alice)).body
        .error_code,
      'ENOCOMMENT',
    );

    const events: ForgeEvent[] = await p.events();
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
    const p = await project();
    const issue = (
      await t.api<{ issue: { id: number } }>('POST', `${p.api}/new_issue`, { title: 'Broken', issue_content: 'Please fix' }, alice)
    ).body.issue;
    const other = (await t.api<{ issue: { id: number } }>('POST', `${p.api}/new_issue`, { title: 'Related', issue_content: 'Also' }, alice))
      .body.issue;
    await gitOk(p.dir, 'checkout', '-q', '-b', 'linked', 'origin/main');
    await commitFile(p.dir, 'linked.txt', 'one\n', { message: `Repair it\n\nFixes #${issue.id}` });
    await commitFile(p.dir, 'linked.txt', 'two\n', { message: `Tidy\n\nRelates to ${t.url}/${p.repo}/issue/${other.id}, see also #9999` });
    await gitOk(p.dir, 'push', '-q', 'origin', 'linked');
    const pr = (await p.open({ title: 'Linked', branch_to: 'main', branch_from: 'linked' })).body;
    await p.settled(pr.id);
    type WithPrs = { related_prs: Array<{ id: number; title: string }> };
    assert.deepEqual((await t.api<WithPrs>('GET', `${p.api}/issue/${issue.id}`)).body.related_prs, [{ id: pr.id, title: 'Linked' }]);
    assert.deepEqual((await t.api<WithPrs>('GET', `${p.api}/issue/${other.id}`)).body.related_prs, [{ id: pr.id, title: 'Linked' }]);
    const listed = (await t.api<{ issues: Array<WithPrs & { id: number }> }>('GET', `${p.api}/issues`)).body.issues.find(
      (i) => i.id === issue.id,
    )!;
    assert.deepEqual(listed.related_prs, [{ id: pr.id, title: 'Linked' }]);
  });

  it('honours only-assignee-can-merge and the minimum score, and assigns', async () => {
    const p = await project();
    await p.branch('gated', 'gated.txt', 'g\n');
    const pr = (await p.open({ title: 'Gated', branch_to: 'main', branch_from: 'gated' })).body;
    const pull = `${p.api}/pull-request/${pr.id}`;
    const admin = { Authorization: `token ${await t.createToken('alice', ['modify_project'])}` };
    await t.api(
      'POST',
      `${p.api}/options/update`,
      { 'Only_assignee_can_merge_pull-request': true, 'Minimum_score_to_merge_pull-request': 1 },
      admin,
    );
    assert.equal((await t.api<{ error_code: string }>('POST', `${pull}/merge`, {}, alice)).body.error_code, 'ENOTASSIGNED');
    assert.equal((await t.api<{ error_code: string }>('POST', `${pull}/assign`, { assignee: 'bob' }, bob)).body.error_code, 'ENOPRCLOSE');
    assert.deepEqual((await t.api('POST', `${pull}/assign`, { assignee: 'bob' }, alice)).body, { message: 'Request assigned' });
    assert.equal((await t.api<{ error_code: string }>('POST', `${pull}/merge`, {}, alice)).body.error_code, 'ENOTASSIGNEE');
    assert.deepEqual((await t.api('POST', `${pull}/assign`, { assignee: 'alice' }, alice)).body, { message: 'Request assigned' });
    assert.equal((await p.get(pr.id)).body.threshold_reached, false);
    assert.equal((await t.api<{ error_code: string }>('POST', `${pull}/merge`, {}, alice)).body.error_code, 'EPRSCORE');
    await t.api('POST', `${pull}/comment`, { comment: ':thumbsup: ship it' }, carol);
    assert.equal((await p.get(pr.id)).body.threshold_reached, true);
    assert.deepEqual((await t.api('POST', `${pull}/merge`, {}, alice)).body, { message: 'Changes merged!' });
  });

  it('answers 404 EPULLREQUESTSDISABLED when the project turned pull requests off', async () => {
    const p = await project();
    const admin = { Authorization: `token ${await t.createToken('alice', ['modify_project'])}` };
    assert.equal((await t.api('POST', `${p.api}/options/update`, { pull_requests: false }, admin)).status, 200);
    const res = await t.api<{ error: string; error_code: string }>('GET', `${p.api}/pull-requests`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error: 'Pull-Request have been deactivated for this project', error_code: 'EPULLREQUESTSDISABLED' });
  });
});
