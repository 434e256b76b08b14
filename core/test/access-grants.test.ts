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
    return new Map(out.split('\n').filter(Boolean).map((line) => line.split('\t').reverse() as [string, string]));
  }
  const grant = async (kind: 'user' | 'group', name: string, acl: string) => {
    const res = await t.api('POST', '/api/0/pkg/git/modifyacls', { user_type: kind, name, acl }, token.alice);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const issue = async (id: number, who?: string) => t.api<Issue & { error_code?: string }>('GET', `/api/0/pkg/issue/${id}`, undefined, who ? token[who] : {});
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
      token[name] = { Authorization: `token ${await t.createToken(name, [...ISSUE_ACLS, 'modify_project', 'pull_request_create', 'pull_request_merge'])}` };
    }
    await t.createProject('alice', 'pkg', { readme: true });
    const set = await t.api('POST', '/api/0/pkg/update/milestones', { milestones: ['F41', 'F42'], milestone_dates: ['', ''], active_milestone: ['F41', 'F42'] }, token.alice);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // bob and carol each lead a group: its creator is its first member.
    for (const [leader, group] of [['bob', 'packagers'], ['carol', 'triagers']] as const) {
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
      } finally {
        await strict.close();
      }
    });
  });

  describe('private issues and metadata', () => {
    it("shows a private issue to its assignee without project access, who can change its metadata", async () => {
      const secret = await newIssue({ title: 'Private trouble', issue_content: 'details', private: true, assignee: 'eve' });
      const seen = await issue(secret.id, 'eve');
      assert.equal(seen.status, 200, JSON.stringify(seen.body));
      assert.equal(seen.body.private, true);
      const listed = await t.api<{ issues: Issue[] }>('GET', '/api/0/pkg/issues', undefined, token.eve);
      assert.ok(listed.body.issues.some((i) => i.id === secret.id), "it is in the assignee's listing");

      const closed = await t.api('POST', `/api/0/pkg/issue/${secret.id}/status`, { status: 'Closed' }, token.eve);
      assert.deepEqual(closed.body, { message: ['Issue status updated to: Closed (was: Open)'] });
      const stone = await t.api('POST', `/api/0/pkg/issue/${secret.id}/milestone`, { milestone: 'F42' }, token.eve);
      assert.deepEqual(stone.body, { message: 'Issue set to the milestone: F42' });
      const after = (await issue(secret.id, 'alice')).body;
      assert.equal(after.status, 'Closed');
      assert.equal(after.milestone, 'F42');
      assert.deepEqual(after.comments.filter((c) => c.notification).map((c) => c.user.name), ['eve', 'eve']);

      // Someone else without access neither sees nor changes it.
      const hidden = await issue(secret.id, 'frank');
      assert.equal(hidden.status, 403);
      assert.equal(hidden.body.error_code, 'EISSUENOTALLOWED');
      assert.ok(!(await t.api<{ issues: Issue[] }>('GET', '/api/0/pkg/issues?status=all', undefined, token.frank)).body.issues.some((i) => i.id === secret.id));
      assert.equal((await t.api('POST', `/api/0/pkg/issue/${secret.id}/status`, { status: 'Open' }, token.frank)).status, 403);
      assert.equal((await issue(secret.id, 'alice')).body.status, 'Closed', 'unchanged by the refusal');
    });

    it('lets the assignee of a public issue, without project access, change its metadata', async () => {
      const open = await newIssue({ title: 'Public trouble', issue_content: 'details', assignee: 'eve' });
      const stone = await t.api('POST', `/api/0/pkg/issue/${open.id}/milestone`, { milestone: 'F41' }, token.eve);
      assert.deepEqual(stone.body, { message: 'Issue set to the milestone: F41' });
      assert.equal((await issue(open.id)).body.milestone, 'F41');
      const refused = await t.api<{ error_code: string }>('POST', `/api/0/pkg/issue/${open.id}/milestone`, { milestone: 'F42' }, token.frank);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error_code, 'EISSUENOTALLOWED');
      assert.equal((await issue(open.id)).body.milestone, 'F41', 'unchanged by the refusal');
    });

    it('refuses an edit of title and content by the assignee who did not write the issue, and writes none of its tags', async () => {
      const open = await newIssue({ title: 'Tagged by nobody', issue_content: 'details', assignee: 'eve' });
      const refused = await t.api<{ error_code: string }>('POST', `/api/0/pkg/issue/${open.id}`, { title: 'Tagged by nobody', issue_content: 'details', tag: 'from-eve' }, token.eve);
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

      assert.deepEqual((await t.api('POST', `/api/0/pkg/issue/${open.id}/assign`, { assignee: 'dave' }, token.frank)).body, { message: 'Issue assigned to dave' });
      assert.deepEqual((await t.api('POST', `/api/0/pkg/issue/${open.id}/milestone`, { milestone: 'F42' }, token.frank)).body, { message: 'Issue set to the milestone: F42' });
      assert.deepEqual((await t.api('POST', `/api/0/pkg/issue/${open.id}/status`, { status: 'Closed' }, token.frank)).body, { message: ['Issue status updated to: Closed (was: Open)'] });
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
      const about = (all: ForgeEvent[], id: number) => all.filter((e) => (e.body as { issue?: { id?: number } }).issue?.id === id).map((e) => e.topic);
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
      const opened = await t.api<{ id: number }>('POST', '/api/0/pkg/pull-request/new', { title: 'Merge me', branch_to: 'main', branch_from: 'to-merge' }, token.alice);
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      const pr = opened.body.id;
      const pull = async () => (await t.api<{ status: string; cached_merge_status: string }>('GET', `/api/0/pkg/pull-request/${pr}`)).body;
      await eventually(async () => ((await pull()).cached_merge_status === 'FFORWARD' ? true : undefined), 'the merge status');
      const main = (await remoteRefs('pkg')).get('refs/heads/main');

      await t.forge.locks.withLock('pkg.git', async () => {
        const queued = await t.api<{ message: string; taskid: string }>('POST', `/api/0/pkg/pull-request/${pr}/merge`, { wait: false }, token.alice);
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
