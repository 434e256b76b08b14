// What a person sees after using a form: a confirmation once on the next page, a new token's
// value after a redirect (a reload cannot create another), a refused assignee kept in its
// field with the reason beside it, values over their length limits refused beside their
// fields, every registration mistake at once, an empty tracker told apart from filters that
// hide everything, and the namespaces one may create a project in.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { formFields } from './support/form-fields.js';
import { Browser, fieldError, inputValue, mainOf } from './support/page-client.js';

const flashOf = (html: string) => html.match(/<p class="flash" role="status">([^<]*)<\/p>/)?.[1];

describeModes('feedback after forms', (mode) => {
  let t: TestForge;
  let alice: Browser;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, config: { namespaces: ['rpms', 'modules'] } });
    const owner = await t.createUser('alice');
    await t.createUser('bob');
    await t.createUser('occupied');
    await t.forge.services.groups.create(owner, { name: 'infra' });
    await t.createProject('alice', 'hello', { readme: true });
    await t.createProject('alice', 'quiet');
    alice = new Browser(t);
    await alice.logIn('alice', 'alice-password1');
  });
  after(() => t?.close());

  it('says what a form did once, on the page it redirects to', async () => {
    const saved = await alice.submit('/settings/profile', { fullname: 'Alice L.' }, '/settings');
    assert.equal(saved.status, 302);
    assert.equal(saved.location, '/settings#profile');
    const next = await alice.get('/settings');
    assert.equal(flashOf(next.html), 'Settings saved');
    assert.equal(flashOf((await alice.get('/settings')).html), undefined, 'shown once');

    const opened = await alice.submit('/hello/new_issue', { title: 'Greeting', issue_content: 'Say hi' });
    assert.equal(opened.status, 302);
    assert.equal(flashOf((await alice.get(opened.location!)).html), 'Issue created');
    const issuePage = opened.location!.replace(/[?#].*$/, '');
    assert.match(issuePage, /^\/hello\/issue\/\d+$/);
    const commented = await alice.submit(`${issuePage}/comment`, { comment: 'On it' }, issuePage);
    assert.equal(flashOf((await alice.get(commented.location!)).html), 'Comment added');
    const updated = await alice.submit(`${issuePage}/update`, { status: 'Closed' }, issuePage);
    assert.equal(flashOf((await alice.get(updated.location!)).html), 'Issue updated');
    const details = await alice.submit('/hello/settings/details', { description: 'Hello there', url: '' }, '/hello/settings');
    assert.equal(flashOf((await alice.get(details.location!)).html), 'Details saved');
  });

  it('creates a token, then redirects: the value is shown once, and a reload posts nothing', async () => {
    const form = await alice.getForm('/settings');
    const fields = { ...formFields(form.html, '/settings/token/new'), description: 'for fedpkg', acls: 'pull_request_create' };
    const made = await alice.post('/settings/token/new', fields);
    assert.equal(made.status, 302);
    assert.equal(made.location, '/settings#tokens');
    const page = await alice.get('/settings');
    assert.equal(flashOf(page.html), 'Token created');
    const value = page.html.match(/<input id="new-token" class="copy token-value" readonly value="([A-Za-z0-9]+)"/)?.[1];
    assert.ok(value, 'the new token is shown');
    const whoami = await t.fetch('/api/0/-/whoami', { method: 'POST', headers: { Authorization: `token ${value}` } });
    assert.deepEqual(await whoami.json(), { username: 'alice' });
    const again = await alice.get('/settings');
    assert.doesNotMatch(again.html, /id="new-token"/, 'never shown again');
    assert.doesNotMatch(again.html, new RegExp(value));

    const project = await alice.post('/hello/settings/token/new', {
      ...formFields((await alice.get('/hello/settings')).html, '/hello/settings/token/new'),
      acls: 'issue_create',
    });
    assert.equal(project.status, 302);
    assert.equal(project.location, '/hello/settings#tokens');
    const projectPage = await alice.get('/hello/settings');
    assert.equal(flashOf(projectPage.html), 'Token created');
    assert.match(projectPage.html, /<input id="new-token" class="copy token-value" readonly value="[A-Za-z0-9]{64}"/);
  });

  it('keeps an unknown assignee in its field, with the reason beside it', async () => {
    const opened = await alice.submit('/hello/new_issue', { title: 'Unassigned', issue_content: 'Nobody yet' });
    const issuePage = opened.location!.replace(/[?#].*$/, '');
    const issue = await alice.get(issuePage);
    const fields = { ...formFields(issue.html, `${issuePage}/update`), assignee: 'nobody-by-that-name' };
    const refused = await alice.post(`${issuePage}/update`, fields);
    assert.equal(refused.status, 404);
    assert.equal(inputValue(refused.html, 'assignee'), 'nobody-by-that-name');
    assert.ok(fieldError(refused.html, 'assignee'), 'the reason is beside the field');
    assert.equal(flashOf(refused.html), undefined);
  });

  it('shows a value over its length limit refused beside its field, keeping what was typed', async () => {
    const long = 'x'.repeat(300);
    const title = await alice.submit('/hello/new_issue', { title: long, issue_content: 'x' });
    assert.equal(title.status, 400);
    assert.equal(fieldError(title.html, 'title'), 'Field cannot be longer than 255 characters.');
    assert.equal(inputValue(title.html, 'title'), long);
    const tracker = await alice.submit(
      '/hello/settings/tracker',
      { close_statuses: `Fixed, ${long}`, priorities: '', milestones: '' },
      '/hello/settings',
    );
    assert.equal(tracker.status, 400);
    assert.ok(fieldError(tracker.html, 'close_statuses'), 'the close statuses field says what is wrong');
    assert.deepEqual(
      (
        await t.forge.services.tracker.meta(
          (await t.forge.services.projectQueries.find({ name: 'hello', namespace: null, forkOwner: null }))!,
        )
      ).closeStatus,
      [],
    );
    const tag = await alice.submit(
      '/hello/settings/tags/add',
      { tag: 'ok', tag_description: long, tag_color: '#000000' },
      '/hello/settings',
    );
    assert.equal(tag.status, 400);
    assert.equal(fieldError(tag.html, 'tag_description'), 'Field cannot be longer than 255 characters.');
  });

  it('saves the tracker form whole or not at all: a refused milestone keeps the close statuses and priorities from changing', async () => {
    const project = (await t.forge.services.projectQueries.find({ name: 'hello', namespace: null, forkOwner: null }))!;
    const before = await t.forge.services.tracker.meta(project);
    const refused = await alice.submit(
      '/hello/settings/tracker',
      { close_statuses: 'Fixed, Duplicate', priorities: '1 High', milestones: 'v1\nv1' },
      '/hello/settings',
    );
    assert.equal(refused.status, 400);
    assert.ok(fieldError(refused.html, 'milestones'), 'the milestones field says what is wrong');
    const after = await t.forge.services.tracker.meta(project);
    assert.deepEqual(
      [after.closeStatus, after.priorities, after.milestones],
      [before.closeStatus, before.priorities, before.milestones],
      'nothing was stored',
    );
  });

  it("registration shows every field's problem at once, and the user name rules before any", async () => {
    const form = await new Browser(t).getForm('/user/new');
    assert.match(form.html, /<span class="hint" id="username-hint">Letters, digits, “\.”, “_” and “-”, starting with a letter or digit/);
    const all = await new Browser(t).submit('/user/new', {
      username: 'bad name',
      fullname: '',
      email: 'nowhere',
      password: 'short',
      confirm: 'other',
    });
    assert.equal(all.status, 400);
    assert.match(fieldError(all.html, 'username') ?? '', /^Use letters, digits, /);
    assert.equal(fieldError(all.html, 'email'), 'Give a valid email address');
    assert.equal(fieldError(all.html, 'password'), 'Use at least 8 characters');
    assert.equal(fieldError(all.html, 'confirm'), 'The two passwords differ');
    const taken = await new Browser(t).submit('/user/new', {
      username: 'occupied',
      email: 'occupied@example.test',
      password: 'long-enough',
      confirm: 'long-enough2',
    });
    assert.equal(fieldError(taken.html, 'username'), 'This user name is taken', 'a taken name shows beside differing passwords');
    assert.equal(fieldError(taken.html, 'email'), 'This email address is already used');
    assert.equal(fieldError(taken.html, 'confirm'), 'The two passwords differ');
    const both = await new Browser(t).submit('/user/new', { username: 'occupied', email: 'bad', password: 'short', confirm: 'short' });
    assert.equal(both.status, 400);
    assert.equal(fieldError(both.html, 'username'), 'This user name is taken');
    assert.equal(fieldError(both.html, 'email'), 'Give a valid email address');
    assert.equal(fieldError(both.html, 'password'), 'Use at least 8 characters');
    assert.equal(await t.forge.services.users.byName('bad name'), undefined);
  });

  it('tells an empty tracker from filters that hide every issue', async () => {
    assert.match(mainOf((await alice.get('/quiet/issues')).html), /No issues yet/);
    assert.equal((await alice.submit('/hello/new_issue', { title: 'Listed', issue_content: 'Hidden by the filter' })).status, 302);
    const filtered = mainOf((await alice.get('/hello/issues?search=nothing-like-it')).html);
    assert.match(filtered, /No issues match these filters/);
    assert.doesNotMatch(filtered, /No issues yet/);
  });

  it('offers the namespaces one may create a project in, and makes rpms/hello', async () => {
    const form = await alice.getForm('/new');
    const options = [
      ...(form.html.match(/<select id="namespace" name="namespace">([\s\S]*?)<\/select>/)?.[1] ?? '').matchAll(/<option value="([^"]*)"/g),
    ].map((m) => m[1]);
    assert.deepEqual(options, ['', 'rpms', 'modules', 'infra']);
    const made = await alice.post('/new', { name: 'hello', description: 'A package', namespace: 'rpms', csrf_token: form.token });
    assert.equal(made.status, 302, made.html);
    assert.equal(made.location, '/rpms/hello');
    assert.equal(flashOf((await alice.get('/rpms/hello')).html), 'Project created');
    const refused = await alice.post('/new', { name: 'other', description: 'x', namespace: 'elsewhere', csrf_token: form.token });
    assert.equal(refused.status, 400);
    assert.equal(fieldError(refused.html, 'namespace'), 'Not a valid choice.');
  });
});
