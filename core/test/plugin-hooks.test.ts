import assert from 'node:assert/strict';
import { createTestForge, describeModes, pushTo, type TestForge } from '../src/testing/index.js';
import { lifecycle } from './fixtures/plugins/fixture/index.js';
import { DEPENDENT_PLUGIN, FIXTURE_PLUGIN, FIXTURE_THEME } from './support/fixtures.js';
import { eventually } from './support/wait.js';

interface Received {
  id: string;
  topic: string;
  body: { note?: string };
  agent: string | null;
  timestamp: string;
}

describeModes('a plugin tapping every kind of hook', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({
      mode,
      // Listed before what it depends on: the loader must still apply "fixture" first.
      plugins: [DEPENDENT_PLUGIN, { name: FIXTURE_PLUGIN, options: { greeting: 'ahoy' } }],
      theme: FIXTURE_THEME,
    });
  });
  after(() => t?.close());

  const events = async () => (await t.api<{ events: Received[] }>('GET', '/api/0/_fixture/events')).body.events;

  it('adds an API route that sees its validated options, after init ran', async () => {
    const res = await t.api('GET', '/api/0/_fixture/greeting');
    assert.equal(res.status, 200);
    assert.deepEqual({ ...(res.body as object), pid: undefined }, { greeting: 'ahoy', initRan: true, role: 'web', pid: undefined });
  });

  it('ships a migration that ran, so its routes can write its tables', async () => {
    const before = (await t.api<{ notes: string[] }>('GET', '/api/0/_fixture/notes')).body.notes;
    assert.equal((await t.api('POST', '/api/0/_fixture/notes', { note: 'first' })).status, 200);
    assert.deepEqual((await t.api('GET', '/api/0/_fixture/notes')).body, { notes: [...before, 'first'] });
    const applied = await t.forge.db.knex.withSchema(t.forge.db.schema).from('pagurus_migrations_fixture').pluck('name');
    assert.deepEqual(applied, ['0001_fixture_tables', '0002_fixture_latches']);
  });

  it('answers bad input to a plugin route with Pagure error JSON', async () => {
    const res = await t.api('POST', '/api/0/_fixture/notes', {});
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      error: 'Invalid or incomplete input submitted',
      error_code: 'EINVALIDREQ',
      errors: { note: ['This field is required.'] },
    });
  });

  it('delivers an event to listeners once its transaction has committed', async () => {
    await t.api('POST', '/api/0/_fixture/notes', { note: 'committed' });
    const received = await eventually(async () => (await events()).find((e) => e.body.note === 'committed'), 'the event');
    assert.equal(received.topic, 'fixture.note.added');
    assert.equal(received.agent, 'tester');
    assert.match(received.id, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(received.timestamp)));
  });

  it('never delivers an event whose transaction rolled back', async () => {
    const res = await t.api('POST', '/api/0/_fixture/notes', { note: 'rolled back', fail: true });
    assert.equal(res.status, 400);
    await t.api('POST', '/api/0/_fixture/notes', { note: 'after rollback' });
    await eventually(async () => (await events()).some((e) => e.body.note === 'after rollback'), 'the later event');
    assert.ok(!(await events()).some((e) => e.body.note === 'rolled back'), 'no event for the rolled-back write');
    const notes = (await t.api<{ notes: string[] }>('GET', '/api/0/_fixture/notes')).body.notes;
    assert.ok(!notes.includes('rolled back'), 'no partial write either');
  });

  it('keeps a failing listener from failing the request or other events', async () => {
    const res = await t.api('POST', '/api/0/_fixture/notes', { note: 'boom', topic: 'fixture.explode' });
    assert.equal(res.status, 200);
    await t.api('POST', '/api/0/_fixture/notes', { note: 'still delivered' });
    await eventually(async () => (await events()).some((e) => e.body.note === 'still delivered'), 'the next event');
  });

  it('vetoes through a bail hook: the first refusal wins', async () => {
    await t.createUser('vetoed');
    const project = await t.createProject('vetoed', 'bash');
    const update = { oldRev: '0'.repeat(40), newRev: 'a'.repeat(40) };
    const repository = t.forge.services.repository;
    assert.deepEqual(await repository.canPush({ name: 'alice' }, project, { ...update, ref: 'refs/heads/forbidden' }), {
      message: 'fixture refuses pushes to refs/heads/forbidden',
    });
    assert.equal(await repository.canPush({ name: 'alice' }, project, { ...update, ref: 'refs/heads/main' }), undefined);
  });

  it("adds a page rendered with its own template, a helper, and the theme's partial", async () => {
    const res = await t.fetch('/fixture/hello');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<h1 class="fixture-greeting">AHOY from the fixture plugin<\/h1>/);
    assert.match(html, /<footer class="fixture-theme-footer">Fixture theme footer<\/footer>/, 'the theme overrides one partial');
    assert.doesNotMatch(html, /Powered by Pagurus/, "core's footer is replaced");
    assert.match(html, /<title>Fixture - Pagurus<\/title>/, "core's layout is kept");
  });

  it('adds navigation links through a waterfall, in dependency order', async () => {
    const html = await (await t.fetch('/')).text();
    assert.match(html, /<a href="\/fixture\/hello" data-nav="fixture">Fixture page<\/a>/);
    assert.match(html, /data-nav="dependent"[^>]*>Dependent \(after-fixture\)</, 'dependent taps after fixture');
  });

  it('adds panels to the project and issue pages through the view hooks; a panel without its partial shows nothing', async () => {
    await t.createUser('panelist');
    await t.createProject('panelist', 'paneled', { readme: true });
    const html = await (await t.fetch('/paneled')).text();
    assert.match(
      html,
      /<section class="panel" data-panel="fixture-builds" aria-labelledby="panel-fixture-builds">\s*<h2 id="panel-fixture-builds">Builds<\/h2>\s*<p class="fixture-panel">paneled has THREE builds<\/p>/,
    );
    assert.match(html, /data-panel="fixture-missing"[^>]*>\s*<h2 id="panel-fixture-missing">Missing<\/h2>\s*<\/section>/);
    const token = await t.createToken('panelist', 'all');
    const issue = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/paneled/new_issue',
      { title: 'Panel', issue_content: 'x' },
      { Authorization: `token ${token}` },
    );
    assert.equal(issue.status, 200);
    const id = issue.body.issue.id;
    assert.match(
      await (await t.fetch(`/paneled/issue/${id}`)).text(),
      new RegExp(`<h2 id="panel-fixture-issue">About #${id}</h2>\\s*<p class="fixture-panel">paneled has NO builds</p>`),
    );
    const pushed = await pushTo(t, 'paneled', { user: 'panelist', branch: 'feature', files: { 'new.txt': 'new\n' } });
    assert.equal(pushed.code, 0, pushed.stderr);
    const pr = await t.api<{ id: number }>(
      'POST',
      '/api/0/paneled/pull-request/new',
      { title: 'Panel PR', branch_from: 'feature', branch_to: 'main' },
      { Authorization: `token ${token}` },
    );
    assert.equal(pr.status, 200, JSON.stringify(pr.body));
    assert.match(
      await (await t.fetch(`/paneled/pull-request/${pr.body.id}`)).text(),
      new RegExp(`<h2 id="panel-fixture-pr">About PR#${pr.body.id}</h2>\\s*<p class="fixture-panel">paneled has GREEN builds</p>`),
    );
  });

  it('refuses a grant canGrant vetoes, with its message and nothing written; removals are not asked', async () => {
    await t.createUser('granter');
    await t.createUser('refused-dan');
    await t.createUser('welcome-eve');
    await t.createProject('granter', 'granted');
    const auth = { Authorization: `token ${await t.createToken('granter', 'all')}` };
    const grant = (name: string, acl?: string) =>
      t.api('POST', '/api/0/granted/git/modifyacls', { user_type: 'user', name, ...(acl ? { acl } : {}) }, auth);
    const refused = await grant('refused-dan', 'commit');
    assert.deepEqual(
      [refused.status, refused.body],
      [400, { error: 'fixture gives nothing to refused-dan (commit asked)', error_code: 'ENOCODE' }],
    );
    assert.equal((await grant('welcome-eve', 'commit')).status, 200);
    const access = (await t.api<{ access_users: Record<string, string[]> }>('GET', '/api/0/granted')).body.access_users;
    assert.deepEqual(access.commit, ['welcome-eve']);
    assert.equal((await grant('refused-dan', 'ticket')).status, 200, 'what the plugin allows');
    assert.equal((await grant('refused-dan')).status, 200, 'removing is never asked');
    const after = (await t.api<{ access_users: Record<string, string[]> }>('GET', '/api/0/granted')).body.access_users;
    assert.deepEqual([after.ticket, after.commit], [[], ['welcome-eve']]);
  });

  it('runs stopping before the server closes, then close', async () => {
    const other = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN] });
    const from = lifecycle.length;
    await other.close();
    assert.deepEqual(lifecycle.slice(from), ['stopping', 'close']);
  });

  it('registers jobs that run in the worker, serialised per lock key', async () => {
    const a = await t.api<{ taskid: string }>('POST', '/api/0/_fixture/jobs', { key: 'repo-x', sleepMs: 150 });
    const b = await t.api<{ taskid: string; state: string; result: { key: string } }>('POST', '/api/0/_fixture/jobs', {
      key: 'repo-x',
      sleepMs: 0,
      wait: true,
    });
    assert.equal(b.body.state, 'SUCCESS');
    assert.equal(b.body.result.key, 'repo-x');
    await t.forge.jobs.wait(a.body.taskid, 10_000);
    const runs = (await t.api<{ runs: Array<{ task: string; phase: string }> }>('GET', '/api/0/_fixture/job-runs')).body.runs;
    const mine = runs.filter((r) => r.task === a.body.taskid || r.task === b.body.taskid).map((r) => `${r.task}:${r.phase}`);
    assert.deepEqual(mine, [`${a.body.taskid}:start`, `${a.body.taskid}:end`, `${b.body.taskid}:start`, `${b.body.taskid}:end`]);
  });
});
