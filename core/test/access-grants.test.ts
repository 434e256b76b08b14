// The other side of each access rule: the people the README says may act can act, and the
// change is visible afterwards (over the API and with the stock git client). Each test here
// kills a mutation of a condition that refusal tests alone let survive; the refusals beside
// them check that nothing changed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import type { ForgeEvent } from '@pagurus/core';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';
import { eventually } from './support/wait.js';

interface Issue {
  id: number;
  status: string;
  private: boolean;
  milestone: string | null;
  assignee: { name: string } | null;
  comments: Array<{ comment: string; notification: boolean; user: { name: string } }>;
}

const ISSUE_ACLS = ['issue_create', 'issue_update', 'issue_comment', 'issue_change_status', 'issue_assign', 'issue_update_milestone'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeModes('grants: those the README lets in can act', (mode) => {
  let t: TestForge;
  let work: string;
  let checkout: string;
  const token: Record<string, Record<string, string>> = {};
  const as = (user: string) => ({ user, secret: `${user}-password1` });

  async function remoteRefs(repo: string, url: string = t.url): Promise<Map<string, string>> {
    const out = await gitOk(work, 'ls-remote', cloneUrl(url, repo, as('alice')));
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t').reverse() as [string, string]),
    );
  }
  const grant = async (kind: 'user' | 'group', name: string, acl: string) => {
    const res = await t.api('POST', '/api/0/pkg/git/modifyacls', { user_type: kind, name, acl }, token.alice);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const issue = async (id: number, who?: string) =>
    t.api<Issue & { error_code?: string }>('GET', `/api/0/pkg/issue/${id}`, undefined, who ? token[who] : {});
  const newIssue = async (body: Record<string, unknown>) => {
    const res = await t.api<{ issue: Issue }>('POST', '/api/0/pkg/new_issue', body, token.alice);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.issue;
  };
  const events = async () => (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN] });
    work = await tempDir();
    for (const name of ['alice', 'bob', 'carol', 'dave', 'eve', 'frank']) {
      await t.createUser(name);
      token[name] = {
        Authorization: `token ${await t.createToken(name, [...ISSUE_ACLS, 'modify_project', 'pull_request_create', 'pull_request_merge'])}`,
      };
    }
    await t.createProject('alice', 'pkg', { readme: true });
    const set = await t.api(
      'POST',
      '/api/0/pkg/update/milestones',
      { milestones: ['F41', 'F42'], milestone_dates: ['', ''], active_milestone: ['F41', 'F42'] },
      token.alice,
    );
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // bob and carol each lead a group: its creator is its first member.
    for (const [leader, group] of [
      ['bob', 'packagers'],
      ['carol', 'triagers'],
    ] as const) {
      await t.forge.services.groups.create((await t.forge.services.users.byName(leader))!, { name: group });
    }
    checkout = path.join(work, 'alice');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'pkg', as('alice')), checkout);
  });
  after(() => t?.close());

  describe('access levels', () => {
    it("gives a user the highest of their own and their groups' grants, whichever was made first", async function () {
      this.timeout(120_000);
      // bob: his own ticket grant first, then commit through his group; carol: the other way
      // round, ticket through her group first, then her own commit grant.
      await grant('user', 'bob', 'ticket');
      await grant('group', 'packagers', 'commit');
      await grant('group', 'triagers', 'ticket');
      await grant('user', 'carol', 'commit');
      await grant('user', 'dave', 'ticket');
      const head = await gitOk(checkout, 'rev-parse', 'HEAD');
      for (const user of ['bob', 'carol']) {
        const hascommit = await t.api<{ hascommit: boolean }>('GET', `/api/0/pkg/hascommit?user=${user}&branch=main`);
        assert.equal(hascommit.body.hascommit, true, `${user} has commit`);
        const pushed = await gitRun(checkout, ['push', cloneUrl(t.url, 'pkg', as(user)), `HEAD:refs/heads/${user}-work`]);
        assert.equal(pushed.code, 0, `${user} pushes: ${pushed.stderr}`);
        assert.equal((await remoteRefs('pkg')).get(`refs/heads/${user}-work`), head);
      }
      // Ticket access alone (own or a group's) pushes nothing.
      const refused = await gitRun(checkout, ['push', cloneUrl(t.url, 'pkg', as('dave')), 'HEAD:refs/heads/dave-work']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /403/);
      assert.equal((await remoteRefs('pkg')).has('refs/heads/dave-work'), false);
    });
  });

  describe('the push policy', () => {
    it('lets a committer delete a branch by default, and the branch is gone', async () => {
      const deleted = await gitRun(checkout, ['push', cloneUrl(t.url, 'pkg', as('carol')), ':refs/heads/bob-work']);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal((await remoteRefs('pkg')).has('refs/heads/bob-work'), false);
    });

    it('refuses every branch deletion with git.allow_delete_branch: false, leaving the branch, and still takes pushes', async function () {
      this.timeout(120_000);
      const strict = await createTestForge({ mode, config: { 'git.allow_delete_branch': false } });
      try {
        for (const name of ['alice', 'bob']) await strict.createUser(name);
        const project = await strict.createProject('alice', 'kept', { readme: true });
        const owner = await strict.forge.services.access.viewer((await strict.forge.services.users.byName('alice'))!);
        await strict.forge.services.grants.change(owner, project, { kind: 'user', name: 'bob', level: 'commit' });
        const dir = path.join(work, 'kept');
        await gitOk(work, 'clone', '-q', cloneUrl(strict.url, 'kept', as('bob')), dir);
        const head = await commitFile(dir, 'new.txt', 'new\n');
        await gitOk(dir, 'push', '-q', 'origin', 'HEAD:refs/heads/topic');
        assert.equal((await remoteRefs('kept', strict.url)).get('refs/heads/topic'), head, 'a committer still creates branches');
        for (const user of ['bob', 'alice']) {
          const refused = await gitRun(dir, ['push', cloneUrl(strict.url, 'kept', as(user)), ':refs/heads/topic']);
          assert.notEqual(refused.code, 0, `${user}'s deletion is refused`);
          assert.match(refused.stderr, /remote:\s+refs\/heads\/topic: deleting branches is not allowed on this forge/);
          assert.equal((await remoteRefs('kept', strict.url)).get('refs/heads/topic'), head, 'the branch is still there');
        }
        // The setting is about branches: tags are still deleted.
        await gitOk(dir, 'tag', 'v0');
        await gitOk(dir, 'push', '-q', 'origin', 'v0');
        const untagged = await gitRun(dir, ['push', 'origin', ':refs/tags/v0']);
        assert.equal(untagged.code, 0, untagged.stderr);
        assert.equal((await remoteRefs('kept', strict.url)).has('refs/tags/v0'), false, 'the tag is gone');
      } finally {
        await strict.close();
      }
    });
  });

  describe('private issues and metadata', () => {
    it('shows a private issue to its assignee without project access, who can change its metadata', async () => {
      const secret = await newIssue({ title: 'Private trouble', issue_content: 'details', private: true, assignee: 'eve' });
      const seen = await issue(secret.id, 'eve');
      assert.equal(seen.status, 200, JSON.stringify(seen.body));
      assert.equal(seen.body.private, true);
      const listed = await t.api<{ issues: Issue[] }>('GET', '/api/0/pkg/issues', undefined, token.eve);
      assert.ok(
        listed.body.issues.some((i) => i.id === secret.id),
        "it is in the assignee's listing",
      );

      const closed = await t.api('POST', `/api/0/pkg/issue/${secret.id}/status`, { status: 'Closed' }, token.eve);
      assert.deepEqual(closed.body, { message: ['Issue status updated to: Closed (was: Open)'] });
      const stone = await t.api('POST', `/api/0/pkg/issue/${secret.id}/milestone`, { milestone: 'F42' }, token.eve);
      assert.deepEqual(stone.body, { message: 'Issue set to the milestone: F42' });
      const after = (await issue(secret.id, 'alice')).body;
      assert.equal(after.status, 'Closed');
      assert.equal(after.milestone, 'F42');
      assert.deepEqual(
        after.comments.filter((c) => c.notification).map((c) => c.user.name),
        ['eve', 'eve'],
      );

      // Someone else without access neither sees nor changes it.
      const hidden = await issue(secret.id, 'frank');
      assert.equal(hidden.status, 403);
      assert.equal(hidden.body.error_code, 'EISSUENOTALLOWED');
      assert.ok(
        !(await t.api<{ issues: Issue[] }>('GET', '/api/0/pkg/issues?status=all', undefined, token.frank)).body.issues.some(
          (i) => i.id === secret.id,
        ),
      );
      assert.equal((await t.api('POST', `/api/0/pkg/issue/${secret.id}/status`, { status: 'Open' }, token.frank)).status, 403);
      assert.equal((await issue(secret.id, 'alice')).body.status, 'Closed', 'unchanged by the refusal');
    });

    it('lets the assignee of a public issue, without project access, change its metadata', async () => {
      const open = await newIssue({ title: 'Public trouble', issue_content: 'details', assignee: 'eve' });
      const stone = await t.api('POST', `/api/0/pkg/issue/${open.id}/milestone`, { milestone: 'F41' }, token.eve);
      assert.deepEqual(stone.body, { message: 'Issue set to the milestone: F41' });
      assert.equal((await issue(open.id)).body.milestone, 'F41');
      const refused = await t.api<{ error_code: string }>(
        'POST',
        `/api/0/pkg/issue/${open.id}/milestone`,
        { milestone: 'F42' },
        token.frank,
      );
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error_code, 'EISSUENOTALLOWED');
      assert.equal((await issue(open.id)).body.milestone, 'F41', 'unchanged by the refusal');
    });

    it('refuses an edit of title and content by the assignee who did not write the issue, and writes none of its tags', async () => {
      const open = await newIssue({ title: 'Tagged by nobody', issue_content: 'details', assignee: 'eve' });
      const refused = await t.api<{ error_code: string }>(
        'POST',
        `/api/0/pkg/issue/${open.id}`,
        { title: 'Tagged by nobody', issue_content: 'details', tag: 'from-eve' },
        token.eve,
      );
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error_code, 'EISSUENOTALLOWED');
      const after = await t.api<{ tags: string[] }>('GET', `/api/0/pkg/issue/${open.id}`);
      assert.deepEqual(after.body.tags, [], 'the refused request wrote no tag');
    });

    it('lets any logged-in user change status, assignee and milestone with open_metadata_access_to_all', async () => {
      const open = await newIssue({ title: 'Open to all', issue_content: 'details' });
      const before = await t.api<{ error_code: string }>('POST', `/api/0/pkg/issue/${open.id}/assign`, { assignee: 'frank' }, token.frank);
      assert.equal(before.status, 403, 'not before the project opens its metadata');
      assert.equal((await issue(open.id)).body.assignee, null);
      const set = await t.api('POST', '/api/0/pkg/options/update', { open_metadata_access_to_all: 'true' }, token.alice);
      assert.equal(set.status, 200, JSON.stringify(set.body));

      assert.deepEqual((await t.api('POST', `/api/0/pkg/issue/${open.id}/assign`, { assignee: 'dave' }, token.frank)).body, {
        message: 'Issue assigned to dave',
      });
      assert.deepEqual((await t.api('POST', `/api/0/pkg/issue/${open.id}/milestone`, { milestone: 'F42' }, token.frank)).body, {
        message: 'Issue set to the milestone: F42',
      });
      assert.deepEqual((await t.api('POST', `/api/0/pkg/issue/${open.id}/status`, { status: 'Closed' }, token.frank)).body, {
        message: ['Issue status updated to: Closed (was: Open)'],
      });
      const after = (await issue(open.id)).body;
      assert.equal(after.assignee?.name, 'dave');
      assert.equal(after.milestone, 'F42');
      assert.equal(after.status, 'Closed');
      const off = await t.api('POST', '/api/0/pkg/options/update', { open_metadata_access_to_all: 'false' }, token.alice);
      assert.equal(off.status, 200);
    });

    it("keeps every event of a public project's private issue inside the forge, and lets its public issues' out", async () => {
      const secret = await newIssue({ title: 'Quiet one', issue_content: 'details', private: true });
      const open = await newIssue({ title: 'Loud one', issue_content: 'details' });
      for (const id of [secret.id, open.id]) {
        assert.equal((await t.api('POST', `/api/0/pkg/issue/${id}/comment`, { comment: 'A word' }, token.alice)).status, 200);
        assert.equal((await t.api('POST', `/api/0/pkg/issue/${id}/assign`, { assignee: 'dave' }, token.alice)).status, 200);
        assert.equal((await t.api('POST', `/api/0/pkg/issue/${id}/status`, { status: 'Closed' }, token.alice)).status, 200);
      }
      const about = (all: ForgeEvent[], id: number) =>
        all.filter((e) => (e.body as { issue?: { id?: number } }).issue?.id === id).map((e) => e.topic);
      const loud = await eventually(async () => {
        const topics = about(await events(), open.id);
        return topics.length === 4 ? topics : undefined;
      }, "the public issue's events");
      assert.deepEqual(loud.sort(), ['issue.assigned.added', 'issue.comment.added', 'issue.edit', 'issue.new']);
      await t.forge.events.idle();
      assert.deepEqual(about(await events(), secret.id), []);
      assert.equal((await issue(secret.id)).status, 403, 'and it stays hidden from the anonymous');
    });
  });

  describe('merges', () => {
    it("holds the repository's lock: a merge waits for another write to the repository, then lands", async function () {
      this.timeout(120_000);
      await gitOk(checkout, 'checkout', '-q', '-b', 'to-merge', 'origin/main');
      const head = await commitFile(checkout, 'merged.txt', 'merged\n');
      await gitOk(checkout, 'push', '-q', 'origin', 'to-merge');
      const opened = await t.api<{ id: number }>(
        'POST',
        '/api/0/pkg/pull-request/new',
        { title: 'Merge me', branch_to: 'main', branch_from: 'to-merge' },
        token.alice,
      );
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      const pr = opened.body.id;
      const pull = async () => (await t.api<{ status: string; cached_merge_status: string }>('GET', `/api/0/pkg/pull-request/${pr}`)).body;
      await eventually(async () => ((await pull()).cached_merge_status === 'FFORWARD' ? true : undefined), 'the merge status');
      const main = (await remoteRefs('pkg')).get('refs/heads/main');

      await t.forge.locks.withLock('pkg.git', async () => {
        const queued = await t.api<{ message: string; taskid: string }>(
          'POST',
          `/api/0/pkg/pull-request/${pr}/merge`,
          { wait: false },
          token.alice,
        );
        assert.equal(queued.body.message, 'Merging queued');
        // Long enough for an unlocked merge to land several times over.
        for (let i = 0; i < 30; i++) {
          await sleep(100);
          assert.equal((await pull()).status, 'Open', 'the merge waits for the lock');
        }
        assert.equal((await remoteRefs('pkg')).get('refs/heads/main'), main, 'main has not moved');
      });
      await eventually(async () => ((await pull()).status === 'Merged' ? true : undefined), 'the merge, once the lock is free');
      assert.equal((await remoteRefs('pkg')).get('refs/heads/main'), head);
    });
  });
});

// The collaborator branch rule in AccessService.decide() and the canAccess hook's input, seen
// by users: each test kills a mutant of access-service.ts that survived the first Stryker run
// (docs/mutation-testing.md).
describeModes('the collaborator branch rule and the canAccess hook', (mode) => {
  let t: TestForge;
  let work: string;
  let checkout: string;
  const token: Record<string, Record<string, string>> = {};
  const as = (user: string) => ({ user, secret: `${user}-password1` });
  const push = (user: string, branch: string) => gitRun(checkout, ['push', cloneUrl(t.url, 'pkg', as(user)), `HEAD:refs/heads/${branch}`]);
  const onRemote = async (branch: string) =>
    (await gitOk(work, 'ls-remote', cloneUrl(t.url, 'pkg', as('alice')), `refs/heads/${branch}`)).trim() !== '';
  const hascommit = async (user: string, branch: string) =>
    (await t.api<{ hascommit: boolean }>('GET', `/api/0/pkg/hascommit?user=${user}&branch=${branch}`)).body.hascommit;
  /** What the plugin facade's access.has() answers (through the fixture plugin's route). */
  const has = async (viewer: string, level: string, branch?: string) => {
    const res = await t.api<{ has: boolean }>(
      'GET',
      `/api/0/_fixture/services/access?project=pkg&viewer=${viewer}&level=${level}${branch ? `&branch=${branch}` : ''}`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.has;
  };

  before(async function () {
    this.timeout(120_000);
    // sam is a site admin; the fixture plugin's canAccess tap gives pat commit everywhere.
    t = await createTestForge({
      mode,
      config: { admins: ['sam'] },
      plugins: [{ name: FIXTURE_PLUGIN, options: { provenPackager: 'pat' } }],
    });
    work = await tempDir();
    for (const name of ['alice', 'colin', 'carl', 'sam', 'pat', 'nobody']) {
      await t.createUser(name);
      token[name] = { Authorization: `token ${await t.createToken(name, [...ISSUE_ACLS, 'pull_request_create', 'pull_request_update'])}` };
    }
    const project = await t.createProject('alice', 'pkg', { readme: true });
    const { services } = t.forge;
    const owner = await services.access.viewer((await services.users.byName('alice'))!);
    await services.groups.create((await services.users.byName('carl'))!, { name: 'packagers' });
    // Pagure's modifyacls refuses "collaborator", so the service gives it.
    await services.grants.change(owner, project, { kind: 'user', name: 'colin', level: 'collaborator', branches: ['epel*'] });
    await services.grants.change(owner, project, { kind: 'user', name: 'sam', level: 'collaborator', branches: ['epel*'] });
    await services.grants.change(owner, project, { kind: 'group', name: 'packagers', level: 'collaborator', branches: ['epel*'] });
    await services.grants.change(owner, project, { kind: 'user', name: 'carl', level: 'commit' });
    checkout = path.join(work, 'pkg');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'pkg', as('alice')), checkout);
  });
  after(() => t?.close());

  it('lets a collaborator push only to branches matching its patterns, and edit issue metadata as ticket access allows', async function () {
    this.timeout(60_000);
    const inside = await push('colin', 'epel10');
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(await onRemote('epel10'), true);
    const outside = await push('colin', 'devel');
    assert.notEqual(outside.code, 0);
    assert.match(outside.stderr, /colin may not push to the branch devel of pkg/);
    assert.equal(await onRemote('devel'), false);
    assert.deepEqual([await hascommit('colin', 'epel9'), await hascommit('colin', 'main')], [true, false]);

    const made = await t.api<{ issue: Issue }>('POST', '/api/0/pkg/new_issue', { title: 'Needs triage', issue_content: 'x' }, token.alice);
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const closed = await t.api('POST', `/api/0/pkg/issue/${made.body.issue.id}/status`, { status: 'Closed' }, token.colin);
    assert.deepEqual(closed.body, { message: ['Issue status updated to: Closed (was: Open)'] });
    assert.equal((await t.api<Issue>('GET', `/api/0/pkg/issue/${made.body.issue.id}`)).body.status, 'Closed');
  });

  it('does not limit a committer by the collaborator patterns of their group', async function () {
    this.timeout(60_000);
    assert.equal(await hascommit('carl', 'main'), true);
    const pushed = await push('carl', 'carl-work');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(await onRemote('carl-work'), true);
  });

  it('does not limit a site admin by a collaborator grant they also hold', async function () {
    this.timeout(60_000);
    const pushed = await push('sam', 'sam-work');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(await onRemote('sam-work'), true);
  });

  it("answers a collaborator's commit checks that name no branch with a refusal (403), not an error", async function () {
    this.timeout(60_000);
    await gitOk(checkout, 'checkout', '-q', '-b', 'feature', 'origin/main');
    await commitFile(checkout, 'feature.txt', 'feature\n');
    await gitOk(checkout, 'push', '-q', 'origin', 'feature');
    const opened = await t.api<{ id: number }>(
      'POST',
      '/api/0/pkg/pull-request/new',
      { title: 'A feature', branch_to: 'main', branch_from: 'feature' },
      token.alice,
    );
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    // Editing someone else's pull request needs commit access, on no particular branch.
    const edit = await t.api<{ error_code: string }>(
      'POST',
      `/api/0/pkg/pull-request/${opened.body.id}`,
      { title: 'Renamed', initial_comment: '' },
      token.colin,
    );
    assert.equal(edit.status, 403, JSON.stringify(edit.body));
    assert.equal(edit.body.error_code, 'ENOPRCLOSE');
    assert.equal((await t.api<{ title: string }>('GET', `/api/0/pkg/pull-request/${opened.body.id}`)).body.title, 'A feature');
    assert.equal(await has('colin', 'commit'), false);
    assert.equal(await has('carl', 'commit'), true);
  });

  it("gives a collaborator's patterns commit only: a plugin asking for admin on a matching branch is refused", async () => {
    assert.equal(await has('colin', 'commit', 'epel9'), true);
    assert.equal(await has('colin', 'ticket', 'epel9'), true);
    assert.equal(await has('colin', 'admin', 'epel9'), false);
    assert.equal(await has('colin', 'admin'), false);
  });

  it('lets a canAccess tap grant commit to the user it names, on a project where core gives them nothing', async function () {
    this.timeout(60_000);
    assert.equal(await hascommit('pat', 'main'), true);
    const pushed = await push('pat', 'pat-work');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(await onRemote('pat-work'), true);
    // The tap names pat only: anybody else without a grant is refused.
    assert.equal(await hascommit('nobody', 'main'), false);
    const refused = await push('nobody', 'nobody-work');
    assert.notEqual(refused.code, 0);
    assert.equal(await onRemote('nobody-work'), false);
  });
});
