// A user's issues and pull requests across projects: /user/<name>/issues and
// /user/<name>/requests/filed|actionable, with Pagure's keys, filters and pagination, and
// nothing the caller may not see.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { cloneUrl, commitFile, gitOk, tempDir } from './support/git-client.js';

interface Issue {
  id: number;
  title: string;
  project: { fullname: string };
  full_url: string;
}
interface UserIssues {
  issues_created: Issue[];
  issues_assigned: Issue[];
  total_issues_created: number;
  total_issues_assigned: number;
  pagination_issues_created: { pages: number } | null;
  pagination_issues_assigned: { pages: number } | null;
  args: Record<string, unknown>;
}
interface UserRequests {
  total_requests: number;
  requests: Array<{ id: number; title: string; project: { fullname: string }; user: { name: string } }>;
  args: Record<string, unknown>;
  pagination: { pages: number };
}

describeModes("a user's issues and pull requests", (mode) => {
  let t: TestForge;
  const auth: Record<string, Record<string, string>> = {};
  const issuesOf = (name: string, q = '', headers: Record<string, string> = {}) =>
    t.api<UserIssues>('GET', `/api/0/user/${name}/issues${q}`, undefined, headers);
  const titles = (issues: Issue[]) => issues.map((i) => `${i.project.fullname}: ${i.title}`);

  before(async () => {
    t = await createTestForge({ mode });
    const acls = ['issue_create', 'issue_assign', 'issue_change_status', 'pull_request_create', 'pull_request_close', 'fork_project'];
    for (const name of ['alice', 'bob', 'carol']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, acls)}` };
    }
    const pkg = await t.createProject('alice', 'pkg', { readme: true });
    const secret = await t.createProject('alice', 'secret', { private: true });
    const alice = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
    await t.forge.services.grants.change(alice, pkg, { kind: 'user', name: 'carol', level: 'ticket' });
    await t.forge.services.grants.change(alice, secret, { kind: 'user', name: 'bob', level: 'ticket' });
    const open = (repo: string, body: Record<string, unknown>, who: string) =>
      t.api<{ issue: Issue }>('POST', `/api/0/${repo}/new_issue`, body, auth[who]);
    await open('pkg', { title: 'Crash on start', issue_content: 'x', assignee: 'carol' }, 'bob');
    await open('pkg', { title: 'Security hole', issue_content: 'x', private: true }, 'bob');
    await open('alice/secret', { title: 'Hidden project issue', issue_content: 'x' }, 'bob');
    await open('pkg', { title: 'A docs typo', issue_content: 'x', assignee: 'bob' }, 'carol');
    const closed = (await open('pkg', { title: 'Old bug', issue_content: 'x' }, 'bob')).body.issue;
    await t.api('POST', `/api/0/pkg/issue/${closed.id}/status`, { status: 'Closed' }, auth.alice);
  });
  after(() => t?.close());

  it('lists the issues a user opened and is assigned, each with its project, hiding what the caller may not see', async () => {
    const res = await issuesOf('bob');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), [
      'pagination_issues_created',
      'pagination_issues_assigned',
      'total_issues_created_pages',
      'total_issues_assigned_pages',
      'total_issues_created',
      'total_issues_assigned',
      'issues_created',
      'issues_assigned',
      'args',
    ]);
    assert.deepEqual(
      titles(res.body.issues_created),
      ['pkg: Crash on start'],
      'open ones, newest first, no private issue, no hidden project',
    );
    assert.deepEqual(titles(res.body.issues_assigned), ['pkg: A docs typo']);
    assert.equal(res.body.total_issues_created, 1);
    assert.equal(res.body.issues_created[0]!.full_url, `${t.url}/pkg/issue/1`);
    assert.deepEqual(res.body.args, {
      milestones: [],
      no_stones: null,
      order: null,
      order_key: null,
      since: null,
      status: null,
      tags: [],
      page: 1,
      assignee: true,
      author: true,
      created: null,
      updated: null,
      closed: null,
    });
    const own = await issuesOf('bob', '', auth.bob);
    assert.deepEqual(titles(own.body.issues_created), ['alice/secret: Hidden project issue', 'pkg: Security hole', 'pkg: Crash on start']);
  });

  it('filters by status, author/assignee, order and dates, and pages', async () => {
    assert.deepEqual(titles((await issuesOf('bob', '?status=Closed')).body.issues_created), ['pkg: Old bug']);
    assert.deepEqual(titles((await issuesOf('bob', '?status=all&order=asc&order_key=title')).body.issues_created), [
      'pkg: Crash on start',
      'pkg: Old bug',
    ]);
    const onlyAssigned = (await issuesOf('bob', '?author=false')).body;
    assert.deepEqual(onlyAssigned.issues_created, []);
    assert.equal(onlyAssigned.pagination_issues_created, null);
    assert.equal(onlyAssigned.args.author, false);
    assert.equal((await issuesOf('bob', '?status=all&per_page=1')).body.pagination_issues_created!.pages, 2);
    assert.equal((await issuesOf('bob', '?created=2000-01-01..2001-01-01')).body.total_issues_created, 0);
    assert.equal((await issuesOf('bob', '?created=2000-01-01..')).body.total_issues_created, 1);
    const badDate = await t.api<{ error_code: string }>('GET', '/api/0/user/bob/issues?updated=2020-13-45');
    assert.equal(badDate.status, 400);
    assert.equal(badDate.body.error_code, 'EDATETIME');
    assert.equal(
      (await t.api<{ error_code: string }>('GET', '/api/0/user/bob/issues?per_page=500')).body.error_code,
      'EINVALIDPERPAGEVALUE',
    );
    const nobody = (await issuesOf('nobody')).body;
    assert.deepEqual(
      [nobody.issues_created, nobody.issues_assigned, nobody.total_issues_created],
      [[], [], 0],
      'an unknown user has none, as in Pagure',
    );
  });

  it('lists the pull requests a user filed, and those awaiting them on projects they commit to', async () => {
    const work = await tempDir();
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'pkg', { user: 'alice', secret: 'alice-password1' }), 'alice');
    await gitOk(path.join(work, 'alice'), 'checkout', '-q', '-b', 'own');
    await commitFile(path.join(work, 'alice'), 'own.txt', 'own\n');
    await gitOk(path.join(work, 'alice'), 'push', '-q', 'origin', 'own');
    await t.api('POST', '/api/0/pkg/pull-request/new', { title: "Alice's change", branch_to: 'main', branch_from: 'own' }, auth.alice);
    assert.equal((await t.api('POST', '/api/0/fork', { repo: 'pkg', wait: true }, auth.bob)).status, 200);
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'forks/bob/pkg', { user: 'bob', secret: 'bob-password1' }), 'bob');
    await gitOk(path.join(work, 'bob'), 'checkout', '-q', '-b', 'fix');
    await commitFile(path.join(work, 'bob'), 'fix.txt', 'fix\n');
    await gitOk(path.join(work, 'bob'), 'push', '-q', 'origin', 'fix');
    const fromFork = await t.api<{ id: number }>(
      'POST',
      '/api/0/pkg/pull-request/new',
      { title: "Bob's fix", branch_to: 'main', branch_from: 'fix', repo_from: 'pkg', repo_from_username: 'bob' },
      auth.bob,
    );
    assert.equal(fromFork.status, 200, JSON.stringify(fromFork.body));

    const requests = (name: string, which: string, q = '') => t.api<UserRequests>('GET', `/api/0/user/${name}/requests/${which}${q}`);
    const filed = (await requests('bob', 'filed')).body;
    assert.deepEqual(
      filed.requests.map((r) => `${r.project.fullname}: ${r.title}`),
      ["pkg: Bob's fix"],
    );
    assert.equal(filed.total_requests, 1);
    assert.deepEqual(filed.args, { username: 'bob', status: 'open', page: 1, created: null, updated: null, closed: null });
    assert.deepEqual(
      (await requests('alice', 'actionable')).body.requests.map((r) => r.title),
      ["Bob's fix"],
      'on her project, filed by someone else',
    );
    assert.deepEqual(
      (await requests('alice', 'filed')).body.requests.map((r) => r.title),
      ["Alice's change"],
    );
    assert.deepEqual((await requests('bob', 'actionable')).body.requests, [], 'bob commits to no project with pull requests');
    await t.api('POST', `/api/0/pkg/pull-request/${fromFork.body.id}/close`, {}, auth.bob);
    assert.deepEqual((await requests('bob', 'filed')).body.requests, []);
    assert.deepEqual(
      (await requests('bob', 'filed', '?status=closed')).body.requests.map((r) => r.title),
      ["Bob's fix"],
    );
    assert.equal((await requests('bob', 'filed', '?status=all')).body.pagination.pages, 1);
    assert.equal((await t.api<{ error_code: string }>('GET', '/api/0/user/bob/requests/filed?closed=12ab')).body.error_code, 'EDATETIME');
  });
});

// Site admins see every issue, private ones too: in a user's listing as on each project.
describeModes("a user's issues, as a site admin sees them", (mode) => {
  let t: TestForge;
  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, config: { admins: ['sam'] } });
    for (const name of ['alice', 'bob', 'sam']) await t.createUser(name);
    await t.createProject('alice', 'pkg');
  });
  after(() => t?.close());

  it("lists another user's private issue to a site admin who holds no grant, and not to others", async () => {
    const token = async (name: string) => ({ Authorization: `token ${await t.createToken(name, ['issue_create'])}` });
    const bob = await token('bob');
    const opened = await t.api<{ issue: Issue }>(
      'POST',
      '/api/0/pkg/new_issue',
      { title: 'Security hole', issue_content: 'x', private: true },
      bob,
    );
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const listed = async (headers: Record<string, string>) =>
      (await t.api<UserIssues>('GET', '/api/0/user/bob/issues', undefined, headers)).body.issues_created.map((i) => i.id);
    assert.deepEqual(await listed(await token('sam')), [opened.body.issue.id]);
    assert.deepEqual(await listed({}), [], 'not to the anonymous');
    // As in Pagure, this listing shows a private issue to its author, its assignee and site admins only.
    assert.deepEqual(await listed(await token('alice')), [], "not even to the project's owner");
  });
});
