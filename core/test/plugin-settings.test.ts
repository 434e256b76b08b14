// Per-project plugin settings (forge.settings.define), as people and plugins see them: the
// API under all four project paths, the section of the project settings page, the typed
// handle the plugin reads. Who may change them, and that a refusal stores nothing.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, PageClient, type TestForge } from '../src/testing/index.js';
import { fileURLToPath } from 'node:url';

const SURFACE_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/surface', import.meta.url));
const DEFAULTS = { label: '', keywords: '', enabled: false, mode: 'fast' };

interface SettingsAnswer {
  plugin: string;
  settings: Record<string, unknown>;
  status: string;
  message?: string;
}

interface ErrorAnswer {
  error: string;
  error_code: string;
  errors?: Record<string, string[]>;
}

describeModes('plugin settings per project', (mode) => {
  let t: TestForge;
  const auth: Record<string, Record<string, string>> = {};

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [SURFACE_PLUGIN], config: { namespaces: ['rpms'] } });
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
    await t.createProject('alice', 'hello', { readme: true });
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    await t.createProject('alice', 'hidden', { private: true });
    const alice = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
    for (const [name, level] of [
      ['bob', 'commit'],
      ['carol', 'admin'],
    ] as const) {
      for (const project of ['hello', 'pkg']) {
        const record = (await t.forge.services.projectQueries.find({
          name: project,
          namespace: project === 'pkg' ? 'rpms' : null,
          forkOwner: null,
        }))!;
        await t.forge.services.grants.change(alice, record, { kind: 'user', name, level });
      }
    }
    for (const [repo, namespace] of [
      ['hello', undefined],
      ['pkg', 'rpms'],
    ] as const) {
      const fork = await t.api('POST', '/api/0/fork', { repo, ...(namespace ? { namespace } : {}) }, auth.dave);
      assert.equal(fork.status, 200, JSON.stringify(fork.body));
    }
  });
  after(() => t?.close());

  const settingsOf = (path: string, as = 'alice') =>
    t.api<SettingsAnswer & ErrorAnswer>('GET', `/api/0/${path}/plugins/surface`, undefined, auth[as]);
  const stored = async (fullname: string) =>
    (await t.api<Record<string, unknown>>('GET', `/api/0/_surface/settings?project=${fullname}`)).body;
  const postForm = (path: string, fields: Record<string, string>, as: string) =>
    t.fetch(`/api/0/${path}/plugins/surface`, {
      method: 'POST',
      headers: { ...auth[as], 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  it('answers the defaults for a project that never saved any, under all four paths', async () => {
    for (const [path, as] of [
      ['hello', 'alice'],
      ['rpms/pkg', 'alice'],
      ['fork/dave/hello', 'dave'],
      ['fork/dave/rpms/pkg', 'dave'],
    ] as const) {
      const res = await settingsOf(path, as);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body, { plugin: 'surface', settings: DEFAULTS, status: 'ok' }, path);
    }
  });

  it('lets a project admin change them with a JSON body; the plugin reads them typed', async () => {
    const res = await t.api<SettingsAnswer>('POST', '/api/0/hello/plugins/surface', { label: 'Needs review', enabled: true }, auth.carol);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      plugin: 'surface',
      settings: { ...DEFAULTS, label: 'Needs review', enabled: true },
      message: 'Settings updated',
      status: 'ok',
    });
    assert.deepEqual(await stored('hello'), { ...DEFAULTS, label: 'Needs review', enabled: true, labelLength: 12 });
    assert.deepEqual((await settingsOf('hello')).body.settings, { ...DEFAULTS, label: 'Needs review', enabled: true }, 'GET sees it');
    // A change lays over what is stored: the label stays.
    const again = await t.api<SettingsAnswer>('POST', '/api/0/hello/plugins/surface', { mode: 'slow' }, auth.alice);
    assert.deepEqual(again.body.settings, { ...DEFAULTS, label: 'Needs review', enabled: true, mode: 'slow' });
    assert.deepEqual((await settingsOf('rpms/pkg')).body.settings, DEFAULTS, "another project's settings are its own");
  });

  it('takes a form body too, checkboxes as "true"/"false"/"on"', async () => {
    const res = await postForm('rpms/pkg', { keywords: 'bug\ncrash', enabled: 'on' }, 'alice');
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as SettingsAnswer).settings, { ...DEFAULTS, keywords: 'bug\ncrash', enabled: true });
    const off = await postForm('rpms/pkg', { enabled: 'false' }, 'alice');
    assert.deepEqual(((await off.json()) as SettingsAnswer).settings, { ...DEFAULTS, keywords: 'bug\ncrash', enabled: false });
    const fork = await postForm('fork/dave/rpms/pkg', { label: 'fork' }, 'dave');
    assert.equal(fork.status, 200, 'the fork owner administers the fork');
    assert.deepEqual(await stored('forks/dave/rpms/pkg'), { ...DEFAULTS, label: 'fork', labelLength: 4 });
  });

  it('refuses invalid values with 400 EINVALIDREQ and errors per field, storing nothing', async () => {
    const before = await stored('hello');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ label: 'x'.repeat(21) }, 'label'],
      [{ mode: 'sideways' }, 'mode'],
      [{ enabled: 'perhaps' }, 'enabled'],
      [{ colour: 'red' }, 'colour'],
      [{ label: 'ok', mode: 'sideways' }, 'mode'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api<ErrorAnswer>('POST', '/api/0/hello/plugins/surface', body, auth.alice);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error_code, 'EINVALIDREQ');
      assert.equal(res.body.error, 'Invalid or incomplete input submitted');
      assert.ok(res.body.errors?.[field]?.length, `${JSON.stringify(body)} → errors on ${field}: ${JSON.stringify(res.body.errors)}`);
    }
    const form = await postForm('hello', { label: 'y'.repeat(30) }, 'alice');
    assert.equal(form.status, 400);
    assert.deepEqual(((await form.json()) as ErrorAnswer).errors, { label: ['At most 20 characters'] });
    assert.deepEqual(await stored('hello'), before, 'nothing was stored');
  });

  it('lets only project admins read or change them, with a modify_project token', async () => {
    const before = await stored('hello');
    const bob = await t.api<ErrorAnswer>('POST', '/api/0/hello/plugins/surface', { label: 'bob was here' }, auth.bob);
    assert.equal(bob.status, 401, 'commit access is not enough');
    assert.equal(bob.body.error_code, 'EMODIFYPROJECTNOTALLOWED');
    assert.equal((await settingsOf('hello', 'bob')).status, 401, 'nor to read them');
    const anonymous = await t.api<ErrorAnswer>('POST', '/api/0/hello/plugins/surface', { label: 'anon' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error_code, 'EINVALIDTOK');
    const weak = { Authorization: `token ${await t.createToken('alice', ['issue_create'])}` };
    const noAcl = await t.api<ErrorAnswer>('POST', '/api/0/hello/plugins/surface', { label: 'weak' }, weak);
    assert.equal(noAcl.status, 401, 'a token without modify_project');
    assert.equal(noAcl.body.error_code, 'EINVALIDTOK');
    const otherProject = { Authorization: `token ${await t.createToken('alice', ['modify_project'], { project: 'rpms/pkg' })}` };
    assert.equal(
      (await t.api('POST', '/api/0/hello/plugins/surface', { label: 'bound' }, otherProject)).status,
      401,
      "another project's token",
    );
    assert.equal((await t.api('POST', '/api/0/rpms/pkg/plugins/surface', { label: 'bound' }, otherProject)).status, 200, 'its own project');
    assert.deepEqual(await stored('hello'), before, 'nothing was stored by the refused calls');
    assert.equal((await settingsOf('alice/hidden', 'bob')).status, 404, 'a private project stays invisible');
  });

  it('answers 404 ENOPLUGIN for a plugin without settings, and ENOPROJECT for an unknown project', async () => {
    const none = await t.api<ErrorAnswer>('GET', '/api/0/hello/plugins/nope', undefined, auth.alice);
    assert.equal(none.status, 404);
    assert.deepEqual(none.body, { error: 'No such plugin', error_code: 'ENOPLUGIN' });
    const post = await t.api<ErrorAnswer>('POST', '/api/0/hello/plugins/nope', { label: 'x' }, auth.alice);
    assert.equal(post.status, 404);
    assert.equal((await t.api<ErrorAnswer>('GET', '/api/0/nothing/plugins/surface', undefined, auth.alice)).body.error_code, 'ENOPROJECT');
  });

  it("shows a section in the project settings page that saves, with the field's error on a refusal", async () => {
    const page = new PageClient(t);
    await page.logIn('carol');
    const form = await page.getForm('/rpms/pkg/settings');
    assert.equal(form.status, 200);
    assert.match(form.html, /<section id="plugins"[\s\S]*<h3>Surface<\/h3>/);
    assert.match(form.html, /<textarea id="plugin-surface-keywords" name="keywords" rows="4">bug\ncrash<\/textarea>/);
    assert.match(form.html, /<option value="slow">slow<\/option>/);
    const saved = await page.post('/rpms/pkg/settings/plugins/surface', {
      csrf_token: form.token,
      label: 'From the page',
      keywords: 'one',
      mode: 'slow',
    });
    assert.equal(saved.status, 302);
    assert.equal(saved.location, '/rpms/pkg/settings#plugins');
    assert.deepEqual((await settingsOf('rpms/pkg')).body.settings, {
      label: 'From the page',
      keywords: 'one',
      enabled: false,
      mode: 'slow',
    });
    const shown = await page.get('/rpms/pkg/settings');
    assert.match(shown.html, /Settings saved/);
    assert.match(shown.html, /id="plugin-surface-label" name="label" value="From the page"/);
    assert.match(shown.html, /<option value="slow" selected>/);

    const refused = await page.post('/rpms/pkg/settings/plugins/surface', { csrf_token: form.token, label: 'z'.repeat(25), enabled: 'on' });
    assert.equal(refused.status, 400);
    assert.match(refused.html, /<span class="field-error" id="plugin-surface-label-error">At most 20 characters<\/span>/);
    assert.match(refused.html, new RegExp(`value="${'z'.repeat(25)}"`), 'the value sent is shown again');
    assert.equal((await settingsOf('rpms/pkg')).body.settings.label, 'From the page', 'nothing stored');

    const forged = await page.post('/rpms/pkg/settings/plugins/surface', { csrf_token: 'forged', label: 'csrf' });
    assert.equal(forged.status, 400, 'a form without the right token is refused');
    assert.match(forged.html, /did not come from this site/);
    assert.equal((await settingsOf('rpms/pkg')).body.settings.label, 'From the page');
  });

  it('keeps the section and its form from those who are not project admins', async () => {
    const page = new PageClient(t);
    await page.logIn('bob');
    const settingsPage = await page.get('/hello/settings');
    assert.ok([401, 403].includes(settingsPage.status), `status ${settingsPage.status}`);
    assert.doesNotMatch(settingsPage.html, /id="plugins"|plugin-surface-label/);
    const { token } = await page.getForm('/hello');
    const post = await page.post('/hello/settings/plugins/surface', { csrf_token: token, label: 'bob' });
    assert.ok([401, 403].includes(post.status), `status ${post.status}`);
    assert.equal((await settingsOf('hello')).body.settings.label, 'Needs review', 'nothing stored');
  });
});
