// forge.services and renderMarkdown, as a plugin uses them: the fixture plugin's routes call
// the facade, and the test checks what users then see through the API.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, drainJobs, type TestForge } from '../src/testing/index.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { tempDir } from './support/git-client.js';
import { pushLinesBranch } from './support/pull-request-fixture.js';
import { queriesOf } from './support/query-count.js';
import { eventually } from './support/wait.js';

interface Comment {
  comment: string;
  user: { name: string };
}

describeModes('forge.services, the domain as plugins see it', (mode) => {
  let t: TestForge;
  let head: string;
  const auth: Record<string, Record<string, string>> = {};
  const flag = { username: 'Fixture CI', status: 'success', comment: 'All green', url: 'https://ci.example.org/1' };

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    for (const name of ['alice', 'bob', 'carol', 'robot']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    await t.createProject('alice', 'hidden', { private: true, readme: true });
    await t.createProject('alice', 'lines', { readme: true });
    const pkg = (await t.forge.services.projectQueries.find({ name: 'pkg', namespace: 'rpms', forkOwner: null }))!;
    const alice = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
    await t.forge.services.grants.change(alice, pkg, { kind: 'user', name: 'bob', level: 'collaborator', branches: ['feature/*'] });
    head = (await t.api<{ default: Record<string, string> }>('GET', '/api/0/rpms/pkg/git/branches?with_commits=1')).body.default.main!;
    await t.api('POST', '/api/0/rpms/pkg/new_issue', { title: 'Open to all', issue_content: 'Hello' }, auth.alice);
    await t.api('POST', '/api/0/rpms/pkg/new_issue', { title: 'Secret', issue_content: 'Shh', private: true }, auth.alice);
  });
  after(() => t?.close());

  const fixture = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, as?: string) =>
    t.api<T>(method, `/api/0/_fixture/services/${path}`, body, as ? auth[as] : {});

  it('finds projects by full name and id, private ones included', async () => {
    const found = (
      await fixture<{ found: { id: number; name: string; namespace: string; private: boolean }; byIdMatches: boolean }>(
        'GET',
        'project?fullname=rpms/pkg',
      )
    ).body;
    assert.deepEqual({ ...found.found, id: typeof found.found.id }, { id: 'number', name: 'pkg', namespace: 'rpms', private: false });
    assert.equal(found.byIdMatches, true);
    assert.equal((await fixture<{ found: { private: boolean } }>('GET', 'project?fullname=alice/hidden')).body.found.private, true);
    assert.equal((await fixture('GET', 'project?fullname=rpms/nope')).body.found, null);
    assert.equal((await fixture('GET', 'project?fullname=a/b/c/d')).body.found, null);
  });

  it('finds users by name and by any of their email addresses, without case', async () => {
    assert.deepEqual((await fixture('GET', 'user?name=bob&email=CAROL@example.test')).body, { byName: 'bob', byEmail: 'carol' });
    assert.deepEqual((await fixture('GET', 'user?name=nobody&email=nobody@example.test')).body, { byName: null, byEmail: null });
  });

  it("answers access questions with core's rules: private projects, levels, collaborator branches", async () => {
    const access = async (query: string) => (await fixture('GET', `access?${query}`)).body;
    assert.deepEqual(await access('project=alice/hidden&viewer=carol'), { canView: false, has: false, siteAdmin: false });
    assert.deepEqual(await access('project=alice/hidden&viewer=alice&level=owner'), { canView: true, has: true, siteAdmin: false });
    assert.deepEqual(await access('project=rpms/pkg'), { canView: true, has: false, siteAdmin: false }, 'anonymous');
    assert.equal((await access('project=rpms/pkg&viewer=bob&level=commit&branch=feature/x')).has, true);
    assert.equal((await access('project=rpms/pkg&viewer=bob&level=commit&branch=main')).has, false);
    assert.equal((await access('project=rpms/pkg&viewer=bob&level=admin')).has, false);
  });

  it("answers a user's groups, and whether they belong to one", async () => {
    const services = t.forge.services;
    const alice = (await services.users.byName('alice'))!;
    for (const name of ['packager', 'provenpackager']) {
      const group = (await services.groups.byName(name)) ?? (await services.groups.create(alice, { name }));
      await services.groups.addMember(alice, group, 'carol');
    }
    assert.deepEqual((await fixture('GET', 'groups?user=carol&group=provenpackager')).body, {
      groups: ['packager', 'provenpackager'],
      isMember: true,
      members: ['alice', 'carol'],
    });
    assert.deepEqual((await fixture('GET', 'groups?user=bob&group=provenpackager')).body, {
      groups: [],
      isMember: false,
      members: ['alice', 'carol'],
    });
    assert.deepEqual((await fixture('GET', 'groups?user=carol&group=nosuchgroup')).body, {
      groups: ['packager', 'provenpackager'],
      isMember: false,
      members: null,
    });
  });

  it("gives a project to another main admin within the plugin's transaction, with project.edit, or not at all", async () => {
    await t.createProject('alice', 'given', { namespace: 'rpms' });
    const access = async () => (await t.api<{ access_users: Record<string, string[]> }>('GET', '/api/0/rpms/given')).body.access_users;
    const notes = async () => (await t.forge.db.knex('fixture_notes').where('note', 'like', 'given to %').pluck('note')) as string[];
    // Rolled back: neither the owner, nor the plugin's row, nor an event.
    const before = Number((await t.forge.db.knex('forge_events').max<{ max: string | number | null }>('id as max').first())?.max ?? 0);
    const failed = await fixture('POST', 'main-admin', { project: 'rpms/given', user: 'bob', fail: true }, 'carol');
    assert.equal(failed.status, 400);
    assert.deepEqual((await access()).owner, ['alice']);
    assert.deepEqual(await notes(), []);
    assert.equal(
      (await t.forge.db.knex('forge_events').where('id', '>', before).where({ topic: 'project.edit' }).count('* as n').first())!.n,
      0,
    );
    // Committed: bob is the main admin, alice keeps nothing, the note and the event are there.
    const given = await fixture('POST', 'main-admin', { project: 'rpms/given', user: 'bob' }, 'carol');
    assert.deepEqual(given.body, { owner: 'bob' });
    assert.deepEqual(await access(), { owner: ['bob'], admin: [], commit: [], collaborator: [], ticket: [] });
    assert.deepEqual(await notes(), ['given to bob']);
    const event = await eventually(async () => {
      const rows = await t.forge.db
        .knex('forge_events')
        .where('id', '>', before)
        .where({ topic: 'project.edit' })
        .select<Array<{ agent: string | null; body: unknown }>>('agent', 'body');
      return rows.length ? rows : undefined;
    }, 'project.edit');
    assert.equal(event.length, 1);
    const [row] = event;
    const body = (typeof row!.body === 'string' ? JSON.parse(row!.body) : row!.body) as {
      fields: string[];
      project: { user: { name: string } };
    };
    assert.deepEqual([row!.agent, body.fields, body.project.user.name], ['carol', ['user'], 'bob']);
  });

  it('lists projects with their grants and watchers in a fixed number of queries, as the API shows each', async () => {
    const services = t.forge.services;
    const alice = await services.access.viewer((await services.users.byName('alice'))!);
    await t.createProject('alice', 'listed', { namespace: 'rpms' });
    const listed = (await services.projectQueries.find({ name: 'listed', namespace: 'rpms', forkOwner: null }))!;
    const group = (await services.groups.byName('packager')) ?? (await services.groups.create(alice.user!, { name: 'packager' }));
    await services.grants.change(alice, listed, { kind: 'user', name: 'carol', level: 'commit', branches: [] });
    await services.grants.change(alice, listed, { kind: 'user', name: 'robot', level: 'ticket', branches: [] });
    await services.grants.change(alice, listed, { kind: 'group', name: group.name, level: 'admin', branches: [] });
    await t.api('POST', '/api/0/rpms/listed/watchers/update', { watcher: 'robot', status: '0' }, auth.robot);
    await t.api('POST', '/api/0/rpms/listed/watchers/update', { watcher: 'bob', status: '2' }, auth.bob);
    await t.api('POST', '/api/0/fork', { repo: 'listed', namespace: 'rpms' }, auth.bob);
    await drainJobs(t, 60_000);
    await t.drainEvents();

    // As many queries for every rpms project as for none.
    const inventory = async (path: string) => {
      type Listed = { projects: Array<Record<string, unknown> & { name: string; namespace: string | null }> };
      let answer: { body: Listed } | undefined;
      const queries = await queriesOf(t, async () => {
        answer = await fixture<Listed>('GET', path);
      });
      return { answer: answer!, queries };
    };
    const { answer: res, queries } = await inventory('inventory?namespaces=rpms');
    assert.equal((await inventory('inventory?namespaces=nosuch')).queries, queries, 'a fixed number of queries');
    const names = res.body.projects.map((p) => `${p.namespace}/${p.name}`);
    assert.ok(names.includes('rpms/listed') && names.includes('rpms/pkg'), names.join(' '));
    assert.ok(!names.some((n) => !n.startsWith('rpms/')), 'only rpms');
    assert.deepEqual(names, [...names].sort(), 'by name');
    const entry = res.body.projects.find((p) => p.name === 'listed')!;
    assert.deepEqual(
      { ...entry, id: typeof entry.id },
      {
        id: 'number',
        name: 'listed',
        namespace: 'rpms',
        owner: 'alice',
        forkOf: null,
        private: false,
        users: { admin: [], commit: ['carol'], collaborator: [], ticket: ['robot'] },
        groups: { admin: ['packager'], commit: [], collaborator: [], ticket: [] },
        watchers: entry.watchers,
      },
    );
    const api = (await t.api<{ watchers: Record<string, string[]> }>('GET', '/api/0/rpms/listed/watchers')).body.watchers;
    assert.deepEqual(entry.watchers, api, 'the same watchers as the API');
    assert.deepEqual(Object.keys(api).sort(), ['@packager', 'alice', 'bob', 'carol']);

    const withForks = (
      await fixture<{ projects: Array<{ name: string; forkOf: string | null }> }>('GET', 'inventory?namespaces=rpms&forks=1')
    ).body.projects;
    assert.deepEqual(
      withForks.filter((p) => p.name === 'listed').map((p) => p.forkOf),
      [null, 'bob'],
    );
    const all = (await fixture<{ projects: Array<{ name: string }> }>('GET', 'inventory?namespaces=-,alice&private=1')).body.projects;
    assert.ok(all.some((p) => p.name === 'hidden') && all.some((p) => p.name === 'lines') && !all.some((p) => p.name === 'pkg'));
    const publicOnly = (await fixture<{ projects: Array<{ name: string }> }>('GET', 'inventory?namespaces=-,alice')).body.projects;
    assert.ok(!publicOnly.some((p) => p.name === 'hidden'), 'private projects only when asked');
  });

  it('gets issues, private ones too, and says who may see them', async () => {
    const issue = async (query: string) => (await fixture('GET', `issue?${query}`)).body;
    assert.deepEqual(await issue('project=rpms/pkg&id=2&viewer=carol'), {
      issue: { id: 2, title: 'Secret', private: true },
      canSee: false,
    });
    assert.equal((await issue('project=rpms/pkg&id=2&viewer=bob')).canSee, true, 'a collaborator has ticket access');
    assert.deepEqual(await issue('project=rpms/pkg&id=2&viewer=alice'), { issue: { id: 2, title: 'Secret', private: true }, canSee: true });
    assert.deepEqual(await issue('project=rpms/pkg&id=1'), { issue: { id: 1, title: 'Open to all', private: false }, canSee: true });
    assert.deepEqual(await issue('project=rpms/pkg&id=99'), { issue: null, canSee: false });
  });

  it('comments on an issue as the viewer: the issue shows it with its author, and issue.comment.added is sent', async () => {
    const res = await fixture('POST', 'comment', { project: 'rpms/pkg', issue: 1, text: 'Seen by a plugin' }, 'bob');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const issue = (await t.api<{ comments: Comment[] }>('GET', '/api/0/rpms/pkg/issue/1')).body;
    assert.deepEqual(
      issue.comments.map((c) => [c.user.name, c.comment]),
      [['bob', 'Seen by a plugin']],
    );
    const events = async () =>
      (await t.api<{ events: Array<{ topic: string; agent: string; body: { issue?: { id: number } } }> }>('GET', '/api/0/_fixture/events'))
        .body.events;
    const event = await eventually(async () => (await events()).find((e) => e.topic === 'issue.comment.added'), 'issue.comment.added');
    assert.equal(event.agent, 'bob');
    assert.equal(event.body.issue?.id, 1);
  });

  it('refuses comments as the API does, with Pagure error JSON and nothing written', async () => {
    const secret = await fixture('POST', 'comment', { project: 'rpms/pkg', issue: 2, text: 'Let me in' }, 'carol');
    assert.deepEqual([secret.status, secret.body.error_code], [403, 'EISSUENOTALLOWED']);
    const missing = await fixture('POST', 'comment', { project: 'rpms/pkg', issue: 99, text: 'Hello?' }, 'bob');
    assert.deepEqual([missing.status, missing.body.error_code], [404, 'ENOISSUE']);
    const hidden = await fixture('POST', 'comment', { project: 'alice/hidden', issue: 1, text: 'Hello?' }, 'carol');
    assert.deepEqual([hidden.status, hidden.body.error_code], [404, 'ENOPROJECT']);
    const anonymous = await fixture('POST', 'comment', { project: 'rpms/pkg', issue: 1, text: 'Who am I' });
    assert.deepEqual([anonymous.status, anonymous.body.error_code], [401, 'EINVALIDTOK']);
    const empty = await fixture('POST', 'comment', { project: 'rpms/pkg', issue: 1, text: '   ' }, 'bob');
    assert.deepEqual(
      [empty.status, empty.body.error_code, empty.body.errors],
      [400, 'EINVALIDREQ', { comment: ['This field is required.'] }],
    );
    const secretIssue = (await t.api<{ comments: Comment[] }>('GET', '/api/0/rpms/pkg/issue/2', undefined, auth.alice)).body;
    assert.deepEqual(secretIssue.comments, []);
  });

  it('flags a commit (a short hash too) as a bot user: GET .../flag shows it', async () => {
    const added = await fixture<{ uid: string; message: string }>('POST', 'flag', {
      project: 'rpms/pkg',
      commit: head.slice(0, 10),
      by: 'robot',
      ...flag,
      uid: 'fixture-1',
    });
    assert.deepEqual(added.body, { uid: 'fixture-1', message: 'Flag added' });
    const again = await fixture('POST', 'flag', {
      project: 'rpms/pkg',
      commit: head,
      by: 'robot',
      ...flag,
      status: 'failure',
      uid: 'fixture-1',
    });
    assert.deepEqual(again.body, { uid: 'fixture-1', message: 'Flag updated' });
    const list = (
      await t.api<{ flags: Array<{ username: string; status: string; user: { name: string } }> }>('GET', `/api/0/rpms/pkg/c/${head}/flag`)
    ).body.flags;
    assert.deepEqual(
      list.map((f) => [f.username, f.status, f.user.name]),
      [['Fixture CI', 'failure', 'robot']],
    );
  });

  it('refuses bad flags with Pagure error JSON', async () => {
    const noCommit = await fixture('POST', 'flag', { project: 'rpms/pkg', commit: 'deadbeef', by: 'robot', ...flag });
    assert.deepEqual([noCommit.status, noCommit.body.error_code], [404, 'ENOCOMMIT']);
    const badStatus = await fixture('POST', 'flag', { project: 'rpms/pkg', commit: head, by: 'robot', ...flag, status: 'great' });
    assert.deepEqual(
      [badStatus.status, badStatus.body.error_code, badStatus.body.errors],
      [400, 'EINVALIDREQ', { status: ['Not a valid choice.'] }],
    );
  });

  it('gets, comments on and flags a pull request', async function () {
    this.timeout(60_000);
    await pushLinesBranch(t.url, await tempDir(), 'lines', { user: 'alice', secret: 'alice-password1' });
    const made = await t.api(
      'POST',
      '/api/0/lines/pull-request/new',
      { title: 'Tidy', branch_to: 'main', branch_from: 'tidy' },
      auth.alice,
    );
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const pr = await eventually(async () => {
      const body = (
        await fixture<{ pullRequest: { id: number; title: string; branch: string; commitStop: string | null } }>(
          'GET',
          'pull-request?project=lines&id=1',
        )
      ).body;
      return body.pullRequest.commitStop ? body.pullRequest : undefined;
    }, 'the pull request with its head commit');
    assert.deepEqual({ ...pr, commitStop: 'x' }, { id: 1, title: 'Tidy', branch: 'main', commitStop: 'x' });
    assert.equal((await fixture('GET', 'pull-request?project=lines&id=7')).body.pullRequest, null);

    assert.equal((await fixture('POST', 'comment', { project: 'lines', pullRequest: 1, text: 'Looks fine' }, 'bob')).status, 200);
    const comments = (await t.api<{ comments: Comment[] }>('GET', '/api/0/lines/pull-request/1')).body.comments;
    assert.deepEqual(
      comments.filter((c) => c.comment === 'Looks fine').map((c) => c.user.name),
      ['bob'],
    );
    const missing = await fixture('POST', 'comment', { project: 'lines', pullRequest: 7, text: 'Hm' }, 'bob');
    assert.deepEqual([missing.status, missing.body.error_code], [404, 'ENOREQ']);

    const flagged = await fixture('POST', 'flag', { project: 'lines', pullRequest: 1, by: 'robot', ...flag, uid: 'pr-check' });
    assert.deepEqual(flagged.body, { uid: 'pr-check', message: 'Flag added' });
    const flags = (
      await t.api<{ flags: Array<{ commit_hash: string; username: string; user: { name: string } }> }>(
        'GET',
        '/api/0/lines/pull-request/1/flag',
      )
    ).body.flags;
    assert.deepEqual(
      flags.map((f) => [f.commit_hash, f.username, f.user.name]),
      [[pr.commitStop, 'Fixture CI', 'robot']],
    );
  });

  it('exports a safe Markdown renderer: scripts and handlers are gone, formatting and mentions stay', async () => {
    const text = 'Hi @alice, **bold**\n\n<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[x](javascript:alert(3))';
    const { html } = (await t.api<{ html: string }>('POST', '/api/0/_fixture/markdown', { text, user: 'alice' })).body;
    assert.doesNotMatch(html, /<script|<img|href="javascript/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'raw HTML shows as text');
    assert.match(html, /<strong>bold<\/strong>/);
    assert.match(html, new RegExp(`<a href="${t.url}/user/alice"[^>]*>@alice</a>`));
  });

  it("renders a project's Markdown with the references the viewer may see", async () => {
    const render = async (viewer: string) =>
      (
        await t.api<{ html: string }>('POST', `/api/0/_fixture/markdown?viewer=${viewer}`, {
          project: 'rpms/pkg',
          text: 'See #1 and #2 <script>x()</script>',
        })
      ).body.html;
    const alices = await render('alice');
    assert.match(alices, /href="[^"]*\/rpms\/pkg\/issue\/1"/);
    assert.match(alices, /href="[^"]*\/rpms\/pkg\/issue\/2"/);
    const carols = await render('carol');
    assert.match(carols, /href="[^"]*\/rpms\/pkg\/issue\/1"/);
    assert.doesNotMatch(carols, /issue\/2/, 'no link to a private issue carol may not see');
    assert.doesNotMatch(alices + carols, /<script/);
  });
});
