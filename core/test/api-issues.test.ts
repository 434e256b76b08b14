// Issues through the API: Pagure's JSON and messages, filters and pagination, private
// issues, metadata changes, comments, the number sequence shared with pull requests, events.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import type { ForgeEvent } from '@pagurus/core';
import { FIXTURE_PLUGIN } from './support/fixtures.js';

interface Issue {
  id: number;
  title: string;
  content: string;
  status: string;
  close_status: string | null;
  private: boolean;
  tags: string[];
  depends: string[];
  blocks: string[];
  assignee: { name: string } | null;
  priority: number | null;
  milestone: string | null;
  closed_by: { name: string } | null;
  closed_at: string | null;
  user: { name: string };
  full_url: string;
  comments: Array<{ comment: string; notification: boolean; user: { name: string } }>;
}
interface List {
  total_issues: number;
  issues: Issue[];
  args: Record<string, unknown>;
  pagination: { page: number; pages: number; next: string | null };
}

describeModes('issues', (mode) => {
  let t: TestForge;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let dave: Record<string, string>;
  let eve: Record<string, string>;
  let projects = 0;
  const all = [
    'issue_create',
    'issue_update',
    'issue_comment',
    'issue_change_status',
    'issue_assign',
    'issue_update_milestone',
    'issue_subscribe',
  ];
  const newIssue = (repo: string, body: Record<string, unknown>, headers = alice) =>
    t.api<{ issue: Issue; message: string; error_code?: string; errors?: unknown }>('POST', `/api/0/${repo}/new_issue`, body, headers);
  const list = (repo: string, q = '', headers: Record<string, string> = {}) =>
    t.api<List>('GET', `/api/0/${repo}/issues${q}`, undefined, headers);

  /** A project of the test's own (so its numbers start at 1), with priorities, milestones, close statuses, and dave on tickets. */
  async function freshProject(): Promise<string> {
    const name = `pkg${++projects}`;
    const project = await t.createProject('alice', name, { namespace: 'rpms' });
    const owner = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
    await t.forge.services.grants.change(owner, project, { kind: 'user', name: 'dave', level: 'ticket' });
    await t.forge.db
      .knex('projects')
      .where({ id: project.id })
      .update({
        priorities: JSON.stringify({ '': '', '1': 'High', '2': 'Normal' }),
        milestones: JSON.stringify([
          { name: 'F41', date: null, active: true },
          { name: 'F42', date: null, active: true },
        ]),
        close_status: JSON.stringify(['Fixed', 'Duplicate']),
      });
    return `rpms/${name}`;
  }

  /** A fresh project with three issues: alice's, tagged and planned; bob's plain one; bob's private one. */
  async function seeded() {
    const repo = await freshProject();
    const first = (
      await newIssue(repo, {
        title: 'Crash on start',
        issue_content: 'It **crashes**',
        tag: 'bug, rawhide',
        priority: 'High',
        milestone: 'F41',
        assignee: 'dave',
      })
    ).body.issue;
    const second = (await newIssue(repo, { title: 'Second', issue_content: 'plain' }, bob)).body.issue;
    const secret = (await newIssue(repo, { title: 'Security hole', issue_content: 'details', private: true }, bob)).body.issue;
    return { repo, first: first.id, second: second.id, secret: secret.id };
  }

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    for (const name of ['alice', 'bob', 'dave', 'eve']) await t.createUser(name);
    alice = { Authorization: `token ${await t.createToken('alice', all)}` };
    bob = { Authorization: `token ${await t.createToken('bob', all)}` };
    dave = { Authorization: `token ${await t.createToken('dave', all)}` };
    eve = { Authorization: `token ${await t.createToken('eve', all)}` };
  });
  after(() => t?.close());

  it("opens an issue with Pagure's JSON, creating its tags", async () => {
    const repo = await freshProject();
    const res = await newIssue(repo, {
      title: 'Crash on start',
      issue_content: 'It **crashes**',
      tag: 'bug, rawhide',
      priority: 'High',
      milestone: 'F41',
      assignee: 'dave',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.message, 'Issue created');
    assert.deepEqual(Object.keys(res.body.issue), [
      'id',
      'title',
      'content',
      'status',
      'close_status',
      'date_created',
      'last_updated',
      'closed_at',
      'user',
      'private',
      'tags',
      'depends',
      'blocks',
      'assignee',
      'priority',
      'milestone',
      'custom_fields',
      'closed_by',
      'related_prs',
      'full_url',
      'comments',
    ]);
    const issue = res.body.issue;
    assert.equal(issue.id, 1, "a project's first ticket is #1");
    assert.equal(issue.status, 'Open');
    assert.deepEqual(issue.tags, ['bug', 'rawhide']);
    assert.equal(issue.priority, 1);
    assert.equal(issue.milestone, 'F41');
    assert.equal(issue.assignee!.name, 'dave');
    assert.equal(issue.full_url, `${t.url}/${repo}/issue/1`);
  });

  it("refuses bad input with Pagure's codes", async () => {
    const repo = await freshProject();
    const missing = await newIssue(repo, { title: '' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, {
      error: 'Invalid or incomplete input submitted',
      error_code: 'EINVALIDREQ',
      errors: { title: ['This field is required.'], issue_content: ['This field is required.'] },
    });
    assert.equal((await newIssue(repo, { title: 'x', issue_content: 'y', priority: 'Urgent' })).body.error_code, 'EINVALIDPRIORITY');
    assert.equal((await newIssue(repo, { title: 'x', issue_content: 'y', milestone: 'F99' })).status, 400);
    const noAcl = await t.api<{ error_code: string }>(
      'POST',
      `/api/0/${repo}/new_issue`,
      { title: 'x', issue_content: 'y' },
      { Authorization: `token ${await t.createToken('bob', ['issue_comment'])}` },
    );
    assert.equal(noAcl.status, 401);
    assert.equal((await t.api<{ error_code: string }>('GET', `/api/0/${repo}/issue/99`)).body.error_code, 'ENOISSUE');
    assert.equal((await t.api<{ error_code: string }>('GET', `/api/0/${repo}/issues?since=2024-13-45`)).body.error_code, 'EDATETIME');
  });

  it('shares its number sequence with pull requests', async () => {
    const repo = await freshProject();
    const first = (await newIssue(repo, { title: 'First', issue_content: 'before a pull request' })).body.issue;
    const project = (await t.forge.services.projectQueries.find({ name: repo.split('/')[1]!, namespace: 'rpms', forkOwner: null }))!;
    const alicesId = (await t.forge.services.users.byName('alice'))!.id;
    const prId = await t.forge.db.knex.transaction(async (trx) => {
      const { nextTicketId } = await import('../src/services/tickets/ticket-numbers.js');
      const id = await nextTicketId(trx, project.id);
      await trx('pull_requests').insert({
        project_id: project.id,
        id,
        uid: 'f'.repeat(32),
        title: 'A PR',
        user_id: alicesId,
        branch: 'main',
        branch_from: 'x',
      });
      return id;
    });
    assert.equal(prId, first.id + 1);
    const next = await newIssue(repo, { title: 'Second', issue_content: 'after a pull request' }, bob);
    assert.equal(next.body.issue.id, first.id + 2, 'the issue and the pull request came first');
  });

  it('keeps private issues to their author, assignee and ticket members, in listings and counts too', async () => {
    const { repo, first, second, secret: secretId } = await seeded();
    const secret = (await t.api<Issue>('GET', `/api/0/${repo}/issue/${secretId}`, undefined, bob)).body;
    assert.equal(secret.private, true);
    assert.equal((await t.api<{ error_code: string }>('GET', `/api/0/${repo}/issue/${secret.id}`)).status, 403);
    assert.equal(
      (await t.api<{ error_code: string }>('GET', `/api/0/${repo}/issue/${secret.id}`, undefined, eve)).body.error_code,
      'EISSUENOTALLOWED',
    );
    assert.equal((await t.api('GET', `/api/0/${repo}/issue/${secret.id}`, undefined, bob)).status, 200, 'its author');
    assert.equal((await t.api('GET', `/api/0/${repo}/issue/${secret.id}`, undefined, dave)).status, 200, 'ticket access');
    assert.deepEqual(
      (await list(repo, '', eve)).body.issues.map((i) => i.id),
      [second, first],
    );
    assert.equal((await list(repo, '', eve)).body.pagination.pages, 1);
    assert.deepEqual(
      (await list(repo, '', dave)).body.issues.map((i) => i.id),
      [secret.id, second, first],
    );
    await t.forge.events.idle();
    const events = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;
    assert.ok(!events.some((e) => JSON.stringify(e.body).includes('Security hole')), 'no event names a private issue');
  });

  it('filters by status, tags (with negation), assignee, author, milestones, priority and order, with pagination', async () => {
    const { repo, first, second, secret } = await seeded();
    const ids = async (q: string) => (await list(repo, q, alice)).body.issues.map((i) => i.id);
    assert.deepEqual(await ids('?tags=bug'), [first]);
    assert.deepEqual(await ids('?tags=!bug'), [secret, second]);
    assert.deepEqual(await ids('?assignee=dave'), [first]);
    assert.deepEqual(await ids('?assignee=!dave'), [secret, second]);
    assert.deepEqual(await ids('?author=bob'), [secret, second]);
    assert.deepEqual(await ids('?milestones=F41'), [first]);
    assert.deepEqual(await ids('?no_stones=1'), [secret, second]);
    assert.deepEqual(await ids('?priority=high'), [first]);
    assert.deepEqual(await ids('?order=asc'), [first, second, secret]);
    const paged = await list(repo, '?per_page=2', alice);
    assert.equal(paged.body.total_issues, 2);
    assert.equal(paged.body.pagination.pages, 2);
    assert.match(paged.body.pagination.next!, /page=2/);
    assert.deepEqual(paged.body.args, {
      assignee: null,
      author: null,
      milestones: [],
      no_stones: null,
      order: null,
      priority: null,
      since: null,
      status: null,
      tags: [],
    });
  });

  it("closes with a close status from the project's list, reopens, and lists by status", async () => {
    const { repo, first } = await seeded();
    const issue = `/api/0/${repo}/issue/${first}`;
    const res = await t.api<{ message: string[] }>('POST', `${issue}/status`, { status: 'Closed', close_status: 'Fixed' }, dave);
    assert.deepEqual(res.body, { message: ['Issue status updated to: Closed (was: Open)', 'Issue close_status updated to: Fixed'] });
    const closed = (await t.api<Issue>('GET', issue)).body;
    assert.equal(closed.status, 'Closed');
    assert.equal(closed.close_status, 'Fixed');
    assert.equal(closed.closed_by!.name, 'dave');
    assert.deepEqual(
      (await list(repo, '?status=Fixed', alice)).body.issues.map((i) => i.id),
      [first],
    );
    assert.deepEqual(
      (await list(repo, '?status=Closed', alice)).body.issues.map((i) => i.id),
      [first],
    );
    assert.equal((await list(repo, '?status=all', alice)).body.issues.length, 3);
    assert.deepEqual((await t.api('POST', `${issue}/status`, { status: 'Closed', close_status: 'Fixed' }, dave)).body, {
      message: 'No changes',
    });
    const bad = await t.api<{ errors: Record<string, string[]> }>(
      'POST',
      `${issue}/status`,
      { status: 'Closed', close_status: 'Wontfix' },
      dave,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      error: 'Invalid or incomplete input submitted',
      error_code: 'EINVALIDREQ',
      errors: { close_status: ['Not a valid choice.'] },
    });
    const noMilestone = await t.api('POST', `${issue}/milestone`, { milestone: 'F99' }, alice);
    assert.deepEqual(noMilestone.body, {
      error: 'Invalid or incomplete input submitted',
      error_code: 'EINVALIDREQ',
      errors: { milestone: ['Not a valid choice.'] },
    });
    const outsider = await t.api<{ error_code: string }>('POST', `${issue}/status`, { status: 'Open' }, eve);
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.error_code, 'EISSUENOTALLOWED');
    await t.api('POST', `${issue}/status`, { status: 'Open' }, dave);
    const reopened = (await t.api<Issue>('GET', issue)).body;
    assert.deepEqual([reopened.status, reopened.close_status, reopened.closed_at], ['Open', null, null]);
  });

  it('assigns, resets, sets milestones, edits, and takes comments', async () => {
    const { repo, first, second } = await seeded();
    const path = `/api/0/${repo}/issue/${second}`;
    assert.deepEqual((await t.api('POST', `${path}/assign`, { assignee: 'dave' }, alice)).body, { message: 'Issue assigned to dave' });
    assert.deepEqual((await t.api('POST', `${path}/assign`, { assignee: 'dave' }, alice)).body, { message: 'Nothing to change' });
    assert.deepEqual((await t.api('POST', `${path}/assign`, { assignee: '' }, alice)).body, { message: 'Assignee reset' });
    assert.equal((await t.api<{ error_code: string }>('POST', `${path}/assign`, { assignee: 'nobody' }, alice)).body.error_code, 'ENOUSER');
    assert.deepEqual((await t.api('POST', `${path}/milestone`, { milestone: 'F42' }, alice)).body, {
      message: 'Issue set to the milestone: F42',
    });
    const edited = await t.api<{ issue: Issue; message: string }>(
      'POST',
      path,
      { title: 'Second, renamed', issue_content: 'new text' },
      bob,
    );
    assert.equal(edited.body.message, 'Issue edited');
    assert.equal(edited.body.issue.title, 'Second, renamed');
    assert.equal((await t.api('POST', path, { title: 'x', issue_content: 'y' }, eve)).status, 403, 'not the author, no ticket access');
    // Pagure adds the commenter and their avatar (libravatar, size 30) to the answer.
    const eveAvatar = `https://seccdn.libravatar.org/avatar/${createHash('sha256').update('eve@example.test').digest('hex')}?s=30&d=retro`;
    const text = `Thanks @dave, see #${first}`;
    assert.deepEqual((await t.api('POST', `${path}/comment`, { comment: text }, eve)).body, {
      message: 'Comment added',
      avatar_url: eveAvatar,
      user: 'eve',
    });
    assert.equal((await t.api('POST', `${path}/comment`, { comment: '' }, eve)).status, 400);
    const issue = (await t.api<Issue>('GET', path)).body;
    const user = issue.comments.filter((c) => !c.notification);
    assert.deepEqual(
      user.map((c) => [c.user.name, c.comment]),
      [['eve', text]],
    );
    assert.ok(issue.comments.some((c) => c.notification && c.comment.includes('Issue assigned to dave')));
    assert.equal((await t.api<Issue>('GET', `${path}?comments=0`)).body.comments.length, 0);
    const commentId = (issue.comments.find((c) => !c.notification) as unknown as { id: number }).id;
    const one = await t.api<{ comment: string; avatar_url: string | null }>('GET', `${path}/comment/${commentId}`);
    assert.equal(one.body.comment, text);
    assert.equal((await t.api<{ error_code: string }>('GET', `${path}/comment/999`)).body.error_code, 'ENOCOMMENT');
    const sub = await t.api<{ message: string; user: string }>('POST', `${path}/subscribe`, { status: true }, eve);
    assert.deepEqual(sub.body, { message: 'You are now watching this issue', avatar_url: eveAvatar, user: 'eve' });
  });

  it("edits comments (their author or a committer, never the forge's notes) and deletes issues (admins only), with events", async () => {
    const repo = await freshProject();
    const issue = (await newIssue(repo, { title: 'Short-lived', issue_content: 'Soon gone' }, bob)).body.issue;
    await t.api('POST', `/api/0/${repo}/issue/${issue.id}/comment`, { comment: 'First try' }, eve);
    await t.api('POST', `/api/0/${repo}/issue/${issue.id}/assign`, { assignee: 'dave' }, alice);
    type Comment = { id: number; comment: string; notification: boolean; edited_on: string | null; editor: { name: string } | null };
    const comments = (await t.api<{ comments: Comment[] }>('GET', `/api/0/${repo}/issue/${issue.id}`)).body.comments;
    const eves = comments.find((c) => !c.notification)!;
    const note = comments.find((c) => c.notification)!;
    const edit = (id: number, comment: string, headers: Record<string, string>) =>
      t.api<{ message: string; comment: Comment; error_code?: string }>(
        'POST',
        `/api/0/${repo}/issue/${issue.id}/comment/${id}`,
        { comment },
        headers,
      );

    const own = await edit(eves.id, 'Second try', eve);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.message, 'Comment updated');
    assert.equal(own.body.comment.comment, 'Second try');
    assert.equal(own.body.comment.editor!.name, 'eve');
    assert.ok(own.body.comment.edited_on);
    const stranger = await edit(eves.id, 'Hijacked', bob);
    assert.equal(stranger.status, 403);
    assert.equal(stranger.body.error_code, 'ENOTHIGHENOUGH');
    assert.equal((await edit(eves.id, 'Tidied by the owner', alice)).body.comment.editor!.name, 'alice');
    assert.equal((await edit(note.id, 'Rewritten history', alice)).status, 403, "the forge's notes stay as written");
    assert.equal((await edit(eves.id, '', eve)).status, 400);
    assert.equal((await edit(9999, 'x', eve)).body.error_code, 'ENOCOMMENT');
    assert.equal(
      (await t.api<{ comment: string }>('GET', `/api/0/${repo}/issue/${issue.id}/comment/${eves.id}`)).body.comment,
      'Tidied by the owner',
    );

    const notAdmin = await t.api<{ error_code: string }>('DELETE', `/api/0/${repo}/issue/${issue.id}`, undefined, bob);
    assert.equal(notAdmin.body.error_code, 'ENOTHIGHENOUGH', 'its author is not an admin of the project');
    assert.equal((await t.api('GET', `/api/0/${repo}/issue/${issue.id}`)).status, 200);
    assert.deepEqual((await t.api('DELETE', `/api/0/${repo}/issue/${issue.id}`, undefined, alice)).body, { message: 'Issue deleted' });
    assert.equal((await t.api<{ error_code: string }>('GET', `/api/0/${repo}/issue/${issue.id}`)).body.error_code, 'ENOISSUE');
    assert.equal((await t.api('DELETE', `/api/0/${repo}/issue/${issue.id}`, undefined, alice)).status, 404);
    // Numbers are never given twice.
    assert.equal((await newIssue(repo, { title: 'After', issue_content: 'Next number' })).body.issue.id, issue.id + 1);

    await t.forge.events.idle();
    const events = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;
    const ofThisProject = (e: ForgeEvent) => (e.body as { project?: { fullname?: string } }).project?.fullname === repo;
    const edited = events.filter((e) => e.topic === 'issue.comment.edited' && ofThisProject(e));
    assert.equal(edited.length, 2);
    assert.deepEqual(Object.keys(edited[0]!.body).sort(), ['agent', 'comment', 'project']);
    const dropped = events.find((e) => e.topic === 'issue.drop' && ofThisProject(e))!;
    assert.deepEqual(Object.keys(dropped.body).sort(), ['agent', 'issue', 'project']);
    assert.equal((dropped.body as { issue: Issue }).issue.id, issue.id);
  });

  it("sends issue events with Pagure's keys", async () => {
    const { repo, second } = await seeded();
    const path = `/api/0/${repo}/issue/${second}`;
    await t.api('POST', path, { title: 'Second, renamed', issue_content: 'new text' }, bob);
    await t.api('POST', `${path}/comment`, { comment: 'A comment' }, eve);
    await t.api('POST', `${path}/assign`, { assignee: 'dave' }, alice);
    await t.api('POST', `${path}/assign`, { assignee: '' }, alice);
    await t.forge.events.idle();
    const events = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events.filter(
      (e) => e.topic.startsWith('issue.') && (e.body as { project?: { fullname?: string } }).project?.fullname === repo,
    );
    const topics = new Set(events.map((e) => e.topic));
    for (const topic of ['issue.new', 'issue.edit', 'issue.comment.added', 'issue.assigned.added', 'issue.assigned.reset'])
      assert.ok(topics.has(topic), topic);
    const edit = events.find((e) => e.topic === 'issue.edit')!;
    assert.deepEqual(Object.keys(edit.body).sort(), ['agent', 'fields', 'issue', 'project']);
  });

  it('answers 404 ETRACKERDISABLED when the tracker is off, and 401 ETRACKERREADONLY for writes to a read-only one', async () => {
    const repo = await freshProject();
    const issue = (await newIssue(repo, { title: 'Read-only soon', issue_content: 'x' })).body.issue;
    const admin = { Authorization: `token ${await t.createToken('alice', ['modify_project'])}` };
    await t.api('POST', `/api/0/${repo}/options/update`, { issue_tracker_read_only: true }, admin);
    assert.equal(
      (await t.api<{ error_code: string }>('POST', `/api/0/${repo}/issue/${issue.id}/comment`, { comment: 'x' }, alice)).body.error_code,
      'ETRACKERREADONLY',
    );
    assert.equal((await list(repo, '', alice)).status, 200);
    await t.api('POST', `/api/0/${repo}/options/update`, { issue_tracker_read_only: false, issue_tracker: false }, admin);
    const off = await list(repo, '', alice);
    assert.equal(off.status, 404);
    assert.equal((off.body as unknown as { error_code: string }).error_code, 'ETRACKERDISABLED');
  });
});

describeModes('issue tags and dependencies (Pagurus additions to POST issue/<id>)', (mode) => {
  let t: TestForge;
  let alice: Record<string, string>;
  let eve: Record<string, string>;

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN] });
    await t.createUser('alice');
    await t.createUser('eve');
    await t.createProject('alice', 'tracker');
    alice = { Authorization: `token ${await t.createToken('alice', ['issue_create', 'issue_update'])}` };
    eve = { Authorization: `token ${await t.createToken('eve', ['issue_create', 'issue_update'])}` };
    for (const title of ['one', 'two', 'three']) await t.api('POST', '/api/0/tracker/new_issue', { title, issue_content: 'x' }, alice);
  });
  after(() => t?.close());

  it('replaces tags and dependencies, shows them both ways, and refuses closing before what it depends on', async () => {
    const res = await t.api<{ issue: Issue }>(
      'POST',
      '/api/0/tracker/issue/3',
      { title: 'three', issue_content: 'x', tag: 'bug,ui', depending: '1', blocking: '2' },
      alice,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([res.body.issue.tags, res.body.issue.depends, res.body.issue.blocks], [['bug', 'ui'], ['1'], ['2']]);
    assert.deepEqual((await t.api<Issue>('GET', '/api/0/tracker/issue/1')).body.blocks, ['3']);
    const refused = await t.api<{ error: string }>(
      'POST',
      '/api/0/tracker/issue/3/status',
      { status: 'Closed' },
      { Authorization: `token ${await t.createToken('alice', ['issue_change_status'])}` },
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'You cannot close a ticket that has ticket depending that are still open.');
    const cleared = await t.api<{ issue: Issue }>(
      'POST',
      '/api/0/tracker/issue/3',
      { title: 'three', issue_content: 'x', tag: 'ui', depending: '' },
      alice,
    );
    assert.deepEqual([cleared.body.issue.tags, cleared.body.issue.depends], [['ui'], []]);
    const bad = await t.api('POST', '/api/0/tracker/issue/3', { title: 'three', issue_content: 'x', depending: '99' }, alice);
    assert.equal(bad.status, 400);
    const empty = await t.api('POST', '/api/0/tracker/issue/3', { title: '', issue_content: 'x', tag: 'nothing' }, alice);
    assert.equal(empty.status, 400);
    assert.deepEqual((await t.api<Issue>('GET', '/api/0/tracker/issue/3')).body.tags, ['ui'], 'a refused edit writes nothing');
    assert.equal((await t.api('POST', '/api/0/tracker/issue/1', { title: 'one', issue_content: 'x', tag: 'x' }, eve)).status, 403);
    await t.forge.events.idle();
    const topics = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events.map((e) => e.topic);
    for (const topic of ['issue.tag.added', 'issue.tag.removed', 'issue.dependency.added', 'issue.dependency.removed'])
      assert.ok(topics.includes(topic), topic);
  });
});

describeModes('issue custom fields', (mode) => {
  let t: TestForge;
  let alice: Record<string, string>;

  before(async () => {
    t = await createTestForge({ mode });
    await t.createUser('alice');
    await t.createUser('eve');
    await t.createProject('alice', 'fields');
    alice = { Authorization: `token ${await t.createToken('alice', ['issue_create', 'issue_update_custom_fields', 'modify_project'])}` };
    const keys = await t.api<{ custom_keys: string[][] }>(
      'POST',
      '/api/0/fields/update/custom_keys',
      {
        custom_keys: ['bugzilla', 'severity', 'blocker'],
        custom_keys_type: ['link', 'list', 'boolean'],
        custom_keys_data: ['', 'low, high', ''],
        custom_keys_notify: [],
      },
      alice,
    );
    assert.deepEqual(keys.body.custom_keys, [
      ['blocker', 'boolean'],
      ['bugzilla', 'link'],
      ['severity', 'list'],
    ]);
    await t.api('POST', '/api/0/fields/new_issue', { title: 'one', issue_content: 'x' }, alice);
  });
  after(() => t?.close());

  it("sets fields by type, with Pagure's messages and codes, and shows them on the issue", async () => {
    assert.deepEqual((await t.api('POST', '/api/0/fields/issue/1/custom/severity', { value: 'high' }, alice)).body, {
      message: 'Custom field severity adjusted to high',
    });
    assert.deepEqual((await t.api('POST', '/api/0/fields/issue/1/custom/severity', { value: 'low' }, alice)).body, {
      message: 'Custom field severity adjusted to low (was: high)',
    });
    assert.deepEqual((await t.api('POST', '/api/0/fields/issue/1/custom/severity', { value: 'low' }, alice)).body, {
      message: 'No changes',
    });
    assert.equal(
      (await t.api<{ error_code: string }>('POST', '/api/0/fields/issue/1/custom/nope', { value: 'x' }, alice)).body.error_code,
      'EINVALIDISSUEFIELD',
    );
    assert.equal(
      (await t.api<{ error_code: string }>('POST', '/api/0/fields/issue/1/custom/bugzilla', { value: 'not a link' }, alice)).body
        .error_code,
      'EINVALIDISSUEFIELD_LINK',
    );
    assert.equal((await t.api('POST', '/api/0/fields/issue/1/custom/severity', { value: 'urgent' }, alice)).status, 400);
    const many = await t.api<{ messages: Array<Record<string, string>> }>(
      'POST',
      '/api/0/fields/issue/1/custom',
      { bugzilla: 'https://bugzilla.example.org/1', blocker: 'true' },
      alice,
    );
    assert.deepEqual(many.body.messages, [
      { bugzilla: 'Custom field bugzilla adjusted to https://bugzilla.example.org/1' },
      { blocker: 'Custom field blocker adjusted to true' },
    ]);
    const issue = (await t.api<{ custom_fields: Array<{ name: string; value: string; key_type: string }> }>('GET', '/api/0/fields/issue/1'))
      .body;
    assert.deepEqual(
      issue.custom_fields.map((f) => [f.name, f.key_type, f.value]),
      [
        ['blocker', 'boolean', 'true'],
        ['bugzilla', 'link', 'https://bugzilla.example.org/1'],
        ['severity', 'list', 'low'],
      ],
    );
    const eve = { Authorization: `token ${await t.createToken('eve', ['issue_update_custom_fields'])}` };
    assert.equal((await t.api('POST', '/api/0/fields/issue/1/custom/severity', { value: 'high' }, eve)).status, 403);
    assert.deepEqual(
      (await t.api('GET', '/api/0/fields')).body && (await t.api<{ custom_keys: string[][] }>('GET', '/api/0/fields')).body.custom_keys,
      [
        ['blocker', 'boolean'],
        ['bugzilla', 'link'],
        ['severity', 'list'],
      ],
    );
  });
});
