// The pages of projects, files, commits, issues, pull requests, people and settings over
// plain HTTP: what each shows, who may use each form, what bad input gets (a 4xx page with
// the problem next to its field, nothing written), and how many queries a page costs.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { gitOk, gitRun, tempDir } from './support/git-client.js';
import { Browser, fieldError, mainOf } from './support/page-client.js';
import { pushContent } from './support/repo-content.js';
import { queriesOf as countQueries } from './support/query-count.js';

describeModes('project, ticket and settings pages', (mode) => {
  let t: TestForge;
  let alice: Browser;
  let bob: Browser;
  let anonymous: Browser;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode });
    for (const name of ['alice', 'bob', 'carol']) await t.createUser(name);
    await t.createProject('alice', 'hello', { readme: true, description: 'Hello world' });
    await t.createProject('alice', 'empty');
    await t.createProject('alice', 'secret', { readme: true, private: true });
    await pushContent(t.url, await tempDir(), 'hello', { user: 'alice', secret: 'alice-password1' });
    alice = new Browser(t);
    await alice.logIn('alice', 'alice-password1');
    bob = new Browser(t);
    await bob.logIn('bob', 'bob-password1');
    anonymous = new Browser(t);
  });
  after(() => t?.close());

  const queriesOf = (work: () => Promise<unknown>) => countQueries(t, work);
  /** A project of alice's of its own for a test that changes it (so no test depends on another's changes): README, content, feature/x. */
  const contentProject = async (name: string) => {
    await t.createProject('alice', name, { readme: true });
    return pushContent(t.url, await tempDir(), name, { user: 'alice', secret: 'alice-password1' });
  };

  /** Every id on a page once: labels, anchors and aria references need them unique. */
  function assertUniqueIds(html: string, page: string): void {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.deepEqual(twice, [], `${page} repeats ids`);
  }

  describe('theme assets', () => {
    it("serves the theme's files under content-hashed names, cached for a year, and revalidates with ETags", async () => {
      const home = await anonymous.get('/');
      const css = home.html.match(/<link rel="stylesheet" href="(\/_static\/pagurus\.[0-9a-f]{10}\.css)">/)?.[1];
      const js = home.html.match(/<script src="(\/_static\/pagurus\.[0-9a-f]{10}\.js)" defer><\/script>/)?.[1];
      assert.ok(css && js, 'the layout links the stylesheet and the script by hashed name');
      const res = await t.fetch(css);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/css; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.match(await res.text(), /prefers-color-scheme: dark/);
      const again = await t.fetch(css, { headers: { 'If-None-Match': res.headers.get('etag')! } });
      assert.equal(again.status, 304);
      assert.equal((await t.fetch('/_static/pagurus.0000000000.css')).status, 404, 'a stale hash is not served');
      assert.equal((await t.fetch('/_static/pagurus.css')).status, 404, 'nor the unhashed name');
    });

    it('sends a Content-Security-Policy that allows no inline script', async () => {
      const res = await t.fetch('/hello');
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.doesNotMatch(await res.text(), /<script>|<script [^>]*>[^<]/, 'no inline script on a page');
    });
  });

  describe('project pages', () => {
    it('shows the overview: README, clone URL, branches, forks, latest commits', async () => {
      const page = await anonymous.get('/hello/');
      assert.equal(page.status, 200, 'a trailing slash is accepted');
      const main = mainOf(page.html);
      assert.match(main, /<p class="project-description">Hello world<\/p>/);
      assert.match(main, new RegExp(`value="${t.url}/hello.git"`));
      assert.match(main, /2 branches/);
      assert.match(main, /Add content/);
      assert.doesNotMatch(main, /data-tab="settings"/, 'no settings tab for the anonymous');
      assert.match(mainOf((await alice.get('/hello')).html), /data-tab="settings"/, 'the owner has one');
    });

    it('tells how to push to an empty repository', async () => {
      const main = mainOf((await alice.get('/empty')).html);
      assert.match(main, /This repository is empty/);
      assert.match(main, new RegExp(`git remote add origin ${t.url}/empty.git`));
      assert.match(mainOf((await alice.get('/empty/commits')).html), /nothing has been pushed yet/);
      assert.match(mainOf((await alice.get('/empty/branches')).html), /No branches yet/);
    });

    it('answers 404 for what is not there, and for private projects to others', async () => {
      for (const path of [
        '/nothing',
        '/hello/tree/nope',
        '/hello/tree/main/f/nope',
        '/hello/commits/nope',
        '/hello/c/0000000',
        '/hello/c/zz',
        '/hello/blame/nope.txt',
        '/hello/history/nope.txt',
        '/hello/issue/1',
        '/hello/issue/abc',
        '/hello/pull-request/9',
        '/alice/secret',
        '/alice/secret/issues',
        '/empty/tree',
        '/fork/bob/hello',
      ]) {
        const page = await bob.get(path);
        assert.equal(page.status, 404, path);
        assert.match(page.html, /<p class="error-message">/, `${path} answers with a page`);
      }
      assert.equal((await alice.get('/alice/secret')).status, 200, 'the owner sees the private project');
    });

    it('lists projects with search and pagination, and forks of a project', async () => {
      assert.match(mainOf((await anonymous.get('/projects?q=hel')).html), /href="\/hello"/);
      assert.doesNotMatch(mainOf((await anonymous.get('/projects')).html), /secret/);
      assert.match(mainOf((await alice.get('/projects')).html), /secret/);
      const far = await anonymous.get('/projects?page=99');
      assert.equal(far.status, 200);
      assert.match(mainOf(far.html), /Nothing on this page\. <a href="\?page=1">Back to the first page<\/a>/);
      assert.equal((await anonymous.get('/projects?page=-3')).status, 200, 'a nonsense page reads as the first');
    });

    it('browses folders and files with few queries and few git processes', async () => {
      const folder = await anonymous.get('/hello/tree/main/f/docs');
      assert.match(folder.html, /href="\/hello\/tree\/main\/f\/docs\/deep">deep<\/a>/);
      assert.match(folder.html, /href="\/hello\/blob\/main\/f\/docs\/guide\.md">guide\.md<\/a>/);
      const file = await anonymous.get('/hello/blob/main/f/bin/run.sh?text=1');
      assert.match(file.html, /<tr id="_2"><td class="num"><a href="#_2">2<\/a><\/td><td class="code"><code>.*echo.*run/);
      const rendered = await anonymous.get('/hello/blob/main/f/docs/guide.md');
      assert.match(mainOf(rendered.html), /<h1>Guide<\/h1>/, 'Markdown files are rendered');
      assert.ok((await queriesOf(() => anonymous.get('/hello/blob/main/f/bin/run.sh'))) <= 8);
    });

    it('shows the history and the blame of a file', async () => {
      const history = mainOf((await anonymous.get('/hello/history/docs/guide.md?identifier=main')).html);
      assert.match(history, /History of docs\/guide\.md/);
      assert.match(history, /Add content/);
      assert.doesNotMatch(history, /Added the README/, 'only the commits that touched the file');
      assert.doesNotMatch(history, /rel="next"/, 'one page');
      const blame = mainOf((await anonymous.get('/hello/blame/docs/guide.md?identifier=main')).html);
      assert.match(
        blame,
        /<tr id="_1" class="blame-first"><td class="blame-info"><a href="\/hello\/c\/[0-9a-f]{40}" title="Add content"><code>[0-9a-f]{7}<\/code><\/a> Test Author<\/td>/,
      );
      assert.equal((await anonymous.get('/hello/blame/docs')).status, 404, 'a folder has no blame');
    });

    it('lists commits per branch with pagination, and shows a commit with its diff', async () => {
      const commits = mainOf((await anonymous.get('/hello/commits/feature/x')).html);
      assert.match(commits, /Commits of feature\/x/);
      assert.match(commits, /Feature/);
      const link = commits.match(/href="(\/hello\/c\/[0-9a-f]{40})">Add content/)?.[1];
      assert.ok(link);
      const commit = mainOf((await anonymous.get(link)).html);
      assert.match(commit, /<h1>Add content<\/h1>/);
      assert.match(commit, /With a body\./);
      assert.match(commit, /docs\/guide\.md<\/a> <span class="status-added">added<\/span>/);
      assert.match(commit, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'diff text is escaped');
      const split = mainOf((await anonymous.get(`${link}?view=split`)).html);
      assert.match(split, /class="diff diff-split"/);
      assert.ok((await queriesOf(() => anonymous.get(link))) <= 8, 'a commit page costs a handful of queries');
    });

    it('prints a link to open a pull request after a push of another branch, not of the default one', async function () {
      // Its own project, cloned and pushed: git work that takes a while on a busy machine.
      this.timeout(120_000);
      await t.createProject('alice', 'pushed', { readme: true });
      const work = await tempDir();
      await gitOk(work, 'clone', '-q', `${t.url.replace('://', '://alice:alice-password1@')}/pushed.git`, 'h');
      const dir = `${work}/h`;
      await gitOk(dir, 'checkout', '-q', '-b', 'topic');
      const pushed = await gitRun(dir, ['push', 'origin', 'topic']);
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.match(
        pushed.stderr,
        new RegExp(`remote: Create a pull request for topic:\\s+remote:\\s+${t.url}/pushed/diff/main\\.\\.topic\\s*\\n`),
      );
      await gitOk(dir, 'commit', '-q', '--allow-empty', '-m', 'On main');
      const main = await gitRun(dir, ['push', 'origin', 'HEAD:main']);
      assert.equal(main.code, 0, main.stderr);
      assert.doesNotMatch(main.stderr, /Create a pull request/);
      await gitOk(dir, 'push', '-q', 'origin', ':topic');
    });

    it('compares two refs, with a pull-request shortcut between branches', async () => {
      const page = mainOf((await alice.get('/hello/c/main..feature/x')).html);
      assert.match(page, /1 commit on feature\/x not on main/);
      assert.match(page, /feature\.txt<\/a> <span class="status-added">added<\/span>/);
      assert.match(page, /href="\/hello\/diff\/main\.\.feature\/x">Open a pull request<\/a>/);
      assert.match(
        mainOf((await alice.get('/hello/c/feature/x..main')).html),
        /main has no commits that feature\/x lacks|on main not on feature\/x/,
      );
      assert.equal((await alice.get('/hello/c/main..nope')).status, 404);
    });

    it('lists branches with ahead counts and tags', async function () {
      // Its own project, cloned and pushed: git work that takes a while on a busy machine.
      this.timeout(120_000);
      const { dir } = await contentProject('branchy');
      await gitOk(dir, 'checkout', '-q', 'main');
      await gitOk(dir, 'commit', '-q', '--allow-empty', '-m', 'On main');
      await gitOk(dir, 'push', '-q', 'origin', 'main');
      const main = mainOf((await alice.get('/branchy/branches')).html);
      assert.match(
        main,
        /<td><a href="\/branchy\/tree\/feature\/x">feature\/x<\/a><\/td>\s*<td>1<\/td>\s*<td>1<\/td>/,
        'one behind (the empty commit pushed above), one ahead',
      );
      assert.match(main, /href="\/branchy\/diff\/main\.\.feature\/x">Open a pull request<\/a>/);
      assert.match(main, /v0\.1/);
    });

    it('creates projects only for the logged-in, with the errors by their fields and nothing made', async () => {
      const redirect = await anonymous.get('/new');
      assert.equal(redirect.status, 302);
      assert.equal(redirect.location, '/login?next=%2Fnew');
      const bad = await bob.submit('/new', { name: 'hello world', description: '', url: 'not a url' });
      assert.equal(bad.status, 400);
      assert.equal(fieldError(bad.html, 'name'), 'Invalid input.');
      assert.equal(fieldError(bad.html, 'description'), 'This field is required.');
      assert.equal(fieldError(bad.html, 'url'), 'Invalid input.');
      assert.match(bad.html, /value="hello world"/, 'what was typed is kept');
      const taken = await bob.submit('/new', { name: 'bobs', description: 'x' });
      assert.equal(taken.status, 302);
      assert.equal(taken.location, '/bobs');
      const again = await bob.submit('/new', { name: 'bobs', description: 'x' });
      assert.equal(again.status, 400);
      assert.match(again.html, /It is not possible to create the repo &quot;bobs&quot;/);
    });

    it("refuses forms without the page's token", async () => {
      const res = await bob.post('/new', { name: 'sneaky', description: 'x' });
      assert.equal(res.status, 400);
      assert.match(res.html, /This form has expired/);
      assert.equal((await anonymous.get('/sneaky')).status, 404);
    });
  });

  describe('issues', () => {
    it('opens, comments, changes and lists issues; others may comment but not change metadata', async () => {
      await t.createProject('alice', 'tracked');
      const empty = await alice.submit('/tracked/new_issue', { title: '  ', issue_content: 'x' });
      assert.equal(empty.status, 400);
      assert.equal(fieldError(empty.html, 'title'), 'This field is required.');
      const made = await alice.submit('/tracked/new_issue', { title: 'Broken', issue_content: 'It *breaks*', tag: 'bug' });
      assert.equal(made.status, 302);
      const path = made.location!;
      assert.match(path, /^\/tracked\/issue\/\d+$/);
      const comment = await bob.submit(`${path}/comment`, { comment: 'Me too @alice' }, path);
      assert.equal(comment.status, 302);
      assert.match(comment.location!, /#comment-\d+$/);
      const refused = await bob.submit(`${path}/update`, { status: 'Closed', assignee: '', tag: '' }, path);
      assert.equal(refused.status, 403);
      assert.match(mainOf(refused.html), /not allowed/i);
      const closed = await alice.submit(
        `${path}/update`,
        { status: 'Closed', assignee: 'bob', tag: 'bug, ui', depending: '', blocking: '', private_shown: '1' },
        path,
      );
      assert.equal(closed.status, 302);
      const view = mainOf((await anonymous.get(path)).html);
      assert.match(view, /<em>breaks<\/em>/);
      assert.match(view, /Me too/);
      assert.match(view, /Closed/);
      assert.match(view, /Issue assigned to bob/);
      const badDeps = await alice.submit(`${path}/update`, { depending: 'one' }, path);
      assert.equal(badDeps.status, 400);
      assert.equal(fieldError(badDeps.html, 'depending'), 'Issue numbers, comma-separated');
      const list = mainOf((await anonymous.get('/tracked/issues?status=Closed&tags=ui&search=brok')).html);
      assert.match(list, /Broken/);
      assert.match(mainOf((await anonymous.get('/tracked/issues?search=nothing-like-it')).html), /No issues match these filters/);
    });

    it('renders an issue list in the same number of queries for 3 issues as for 30', async () => {
      const token = { Authorization: `token ${await t.createToken('alice', 'all')}` };
      await t.createProject('alice', 'many');
      const count = async () => queriesOf(() => anonymous.get('/many/issues'));
      for (let i = 0; i < 3; i++) await t.api('POST', '/api/0/many/new_issue', { title: `Issue ${i}`, issue_content: 'x' }, token);
      const few = await count();
      for (let i = 3; i < 30; i++) await t.api('POST', '/api/0/many/new_issue', { title: `Issue ${i}`, issue_content: 'x' }, token);
      const many = await count();
      assert.equal(many, few);
      assert.ok(many <= 15, `${many} queries`);
    });
  });

  describe('pull requests', () => {
    it('opens one from a branch; only committers merge it', async function () {
      // Its own project, cloned and pushed: git work that takes a while on a busy machine.
      this.timeout(120_000);
      await contentProject('merging');
      const preview = await bob.get('/merging/diff/main..feature/x');
      assert.equal(preview.status, 200);
      const form = await alice.submit(
        '/merging/diff/main..feature/x',
        { title: 'Feature', initial_comment: 'Please' },
        '/merging/diff/main..feature/x',
      );
      assert.equal(form.status, 302);
      const path = form.location!;
      const refused = await bob.submit(`${path}/merge`, {}, path);
      assert.equal(refused.status, 403);
      assert.match(mainOf((await anonymous.get(path)).html), /Open/);
      const merged = await alice.submit(`${path}/merge`, {}, path);
      assert.equal(merged.status, 302);
      assert.match(mainOf((await anonymous.get(path)).html), /status-Merged/);
      const missing = await alice.get('/merging/diff/main..no-such-branch');
      assert.match(mainOf(missing.html), /Branch no-such-branch does not exist/);
    });
  });

  describe('settings', () => {
    it("lets only admins see and change a project's settings", async () => {
      await t.createProject('alice', 'described', { description: 'Hello world' });
      assert.equal((await anonymous.get('/described/settings')).status, 302);
      assert.equal((await bob.get('/described/settings')).status, 401);
      const refused = await bob.submit('/described/settings/details', { description: 'Hijacked', url: '' }, '/bobs/settings');
      assert.equal(refused.status, 401);
      assert.match(mainOf((await anonymous.get('/described')).html), /<p class="project-description">Hello world<\/p>/, 'nothing changed');
      const bad = await alice.submit('/described/settings/details', { description: ' ', url: 'nope' }, '/described/settings');
      assert.equal(bad.status, 400);
      assert.equal(fieldError(bad.html, 'description'), 'This field is required.');
      assert.equal(fieldError(bad.html, 'url'), 'Invalid input.');
      assert.equal(
        (
          await alice.submit(
            '/described/settings/details',
            { description: 'Hello again', url: 'https://described.example' },
            '/described/settings',
          )
        ).status,
        302,
      );
      assert.match(mainOf((await anonymous.get('/described')).html), /Hello again/);
    });

    it('changes the default branch to an existing branch only', async () => {
      const bad = await alice.submit('/hello/settings/default-branch', { branch: 'nope' }, '/hello/settings');
      assert.equal(bad.status, 400);
      assert.equal(fieldError(bad.html, 'branch'), 'Not a branch of this project');
      assert.equal((await alice.submit('/hello/settings/default-branch', { branch: 'feature/x' }, '/hello/settings')).status, 302);
      assert.match(mainOf((await anonymous.get('/hello')).html), /Latest commits on feature\/x/);
      assert.equal((await bob.submit('/hello/settings/default-branch', { branch: 'main' }, '/bobs/settings')).status, 401);
      assert.equal((await alice.submit('/hello/settings/default-branch', { branch: 'main' }, '/hello/settings')).status, 302);
      assert.match(mainOf((await anonymous.get('/hello')).html), /Latest commits on main/);
    });

    it('keeps issue templates: saved, offered on the new-issue page, "default" filled in, deleted', async () => {
      const bad = await alice.submit('/hello/settings/templates/save', { template_name: '../x', template_content: ' ' }, '/hello/settings');
      assert.equal(bad.status, 400);
      assert.equal(fieldError(bad.html, 'template_name'), 'Letters, digits, spaces, dots and dashes, at most 64');
      assert.equal(fieldError(bad.html, 'template_content'), 'This field is required.');
      assert.equal(
        (await bob.submit('/hello/settings/templates/save', { template_name: 'default', template_content: 'x' }, '/bobs/settings')).status,
        401,
      );
      for (const [name, content] of [
        ['default', '## Steps\n\n1. '],
        ['bug report', '## What broke'],
      ]) {
        assert.equal(
          (await alice.submit('/hello/settings/templates/save', { template_name: name!, template_content: content! }, '/hello/settings'))
            .status,
          302,
        );
      }
      const form = await bob.get('/hello/new_issue');
      assert.match(form.html, /<textarea id="issue_content" name="issue_content"[^>]*>## Steps\n\n1. <\/textarea>/);
      assert.match(form.html, /href="\/hello\/new_issue\?template(?:=|&#x3D;)bug%20report">bug report<\/a>/);
      assert.match((await bob.get('/hello/new_issue?template=bug%20report')).html, />## What broke<\/textarea>/);
      assert.equal((await bob.get('/hello/new_issue?template=nope')).status, 404);
      assert.equal((await alice.submit('/hello/settings/templates/drop', { template_name: 'default' }, '/hello/settings')).status, 302);
      assert.match((await bob.get('/hello/new_issue')).html, /<textarea id="issue_content" name="issue_content"[^>]*><\/textarea>/);
    });

    it('makes project tokens from the project settings, bound to the project', async () => {
      const made = await alice.submit(
        '/hello/settings/token/new',
        { token_description: 'ci for hello', acls: ['commit', 'pull_request_flag'] },
        '/hello/settings',
      );
      assert.equal(made.status, 302, made.html);
      assert.equal(made.location, '/hello/settings#tokens');
      const shown = await alice.get('/hello/settings');
      assertUniqueIds(shown.html, 'project settings');
      assert.match(mainOf(shown.html), /ci for hello/);
      assert.match(shown.html, /id="new-token" class="copy token-value" readonly value="[A-Za-z0-9]{64}"/);
    });

    it('changes the full name in the profile', async () => {
      const long = await bob.submit('/settings/profile', { fullname: 'x'.repeat(300) }, '/settings');
      assert.equal(long.status, 400);
      assert.equal(fieldError(long.html, 'fullname'), 'At most 255 characters, on one line');
      assert.equal((await bob.submit('/settings/profile', { fullname: 'Robert Tables' }, '/settings')).status, 302);
      assert.match(mainOf((await anonymous.get('/user/bob')).html), /Robert Tables/);
      assertUniqueIds((await bob.get('/settings')).html, 'user settings');
    });

    it('gives access and takes it back', async () => {
      const given = await alice.submit(
        '/hello/settings/access/add',
        { kind: 'user', name: 'carol', level: 'commit', branches: '' },
        '/hello/settings',
      );
      assert.equal(given.status, 302);
      const carol = new Browser(t);
      await carol.logIn('carol', 'carol-password1');
      assert.equal((await carol.get('/hello/settings')).status, 401, 'commit is not admin');
      const bad = await alice.submit('/hello/settings/access/add', { kind: 'user', name: 'carol', level: 'owner' }, '/hello/settings');
      assert.equal(bad.status, 400);
      assert.equal((await alice.submit('/hello/settings/access/remove', { kind: 'user', name: 'carol' }, '/hello/settings')).status, 302);
      assert.doesNotMatch(mainOf((await alice.get('/hello/settings')).html), /\/user\/carol/);
    });

    it('makes API tokens with the chosen ACLs only, and shows the value once', async () => {
      const none = await bob.submit('/settings/token/new', { description: 'x' }, '/settings');
      assert.equal(none.status, 400);
      const notOffered = await bob.submit('/settings/token/new', { description: 'x', acls: 'internal_access' }, '/settings');
      assert.equal(notOffered.status, 400);
      assert.match(notOffered.html, /Not offered here: internal_access/);
      const past = await bob.submit(
        '/settings/token/new',
        { description: 'x', acls: 'create_project', expires: '2001-01-01' },
        '/settings',
      );
      assert.equal(past.status, 400);
      const made = await bob.submit('/settings/token/new', { description: 'ci', acls: 'create_project' }, '/settings');
      assert.equal(made.status, 302);
      const value = (await bob.get('/settings')).html.match(/id="new-token" class="copy token-value" readonly value="([A-Za-z0-9]+)"/)?.[1];
      assert.ok(value);
      const whoami = await t.fetch('/api/0/-/whoami', { method: 'POST', headers: { Authorization: `token ${value}` } });
      assert.deepEqual(await whoami.json(), { username: 'bob' });
      assert.doesNotMatch((await bob.get('/settings')).html, new RegExp(value));
    });

    it('shows people and groups', async () => {
      const alicePage = mainOf((await anonymous.get('/user/alice')).html);
      assert.match(alicePage, /href="\/hello"/);
      assert.doesNotMatch(alicePage, /secret/, 'private projects stay hidden');
      assert.equal((await anonymous.get('/user/nobody')).status, 404);
      assert.equal((await anonymous.get('/group/nobody')).status, 404);
      assert.match(mainOf((await anonymous.get('/groups')).html), /No groups yet/);
    });
  });
});
