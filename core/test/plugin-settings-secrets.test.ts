// Settings fields that hold what must not leak: a `secret` is sealed at rest and never shown
// back (the mask), an empty value keeps it; a `token` is made by the forge, shown to the
// project's admins, regenerated on request, never set by hand.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, PageClient, type TestForge } from '../src/testing/index.js';

const VAULT_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/vault', import.meta.url));
const MASK = '********';

interface Answer {
  settings: { url: string; password: string; callback_token: string };
  errors?: Record<string, string[]>;
  error_code?: string;
}

describeModes('plugin settings: secrets and tokens', (mode) => {
  let t: TestForge;
  const auth: Record<string, Record<string, string>> = {};

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [VAULT_PLUGIN] });
    for (const name of ['alice', 'bob']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
    await t.createProject('alice', 'ci');
  });
  after(() => t?.close());

  const post = (body: Record<string, unknown>, as = 'alice') => t.api<Answer>('POST', '/api/0/ci/plugins/vault', body, auth[as]);
  const plain = async () => (await t.api<Answer['settings']>('GET', '/api/0/_vault/settings?project=ci')).body;
  const stored = async () => {
    const row = (await t.forge.db.knex('plugin_settings').where({ plugin: 'vault' }).first('settings')) as { settings: unknown };
    return typeof row.settings === 'string' ? row.settings : JSON.stringify(row.settings);
  };

  it("makes a token when an admin first looks, shows it to admins, and keeps it; the plugin's reads write nothing", async () => {
    assert.equal((await plain()).callback_token, '', 'no token before an admin looked');
    assert.equal(await t.forge.db.knex('plugin_settings').where({ plugin: 'vault' }).first(), undefined, 'nothing stored by a read');
    const first = await t.api<Answer>('GET', '/api/0/ci/plugins/vault', undefined, auth.alice);
    assert.equal(first.status, 200);
    assert.match(first.body.settings.callback_token, /^[0-9a-f]{64}$/);
    assert.equal(first.body.settings.password, '', 'no secret set');
    assert.equal(
      (await t.api<Answer>('GET', '/api/0/ci/plugins/vault', undefined, auth.alice)).body.settings.callback_token,
      first.body.settings.callback_token,
    );
    assert.equal((await plain()).callback_token, first.body.settings.callback_token, 'the plugin reads the same token');
    assert.equal((await t.api('GET', '/api/0/ci/plugins/vault', undefined, auth.bob)).status, 401, 'not for others');
  });

  it('seals a secret at rest, never shows it back, and keeps it when left empty', async () => {
    const set = await post({ url: 'https://jenkins.example.org', password: 's3cret-pass' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.settings.password, MASK);
    assert.equal((await t.api<Answer>('GET', '/api/0/ci/plugins/vault', undefined, auth.alice)).body.settings.password, MASK);
    assert.equal((await plain()).password, 's3cret-pass', 'the plugin reads the plain value');
    assert.ok(!(await stored()).includes('s3cret-pass'), 'not stored in the clear');
    // Sending the form back (empty, or the mask) keeps it.
    for (const password of ['', MASK]) {
      assert.equal((await post({ url: 'https://ci.example.org', password })).status, 200);
      assert.equal((await plain()).password, 's3cret-pass');
    }
    assert.equal((await plain()).url, 'https://ci.example.org');
    // The schema still judges it, and a refusal stores nothing.
    const long = await post({ password: 'x'.repeat(101) });
    assert.equal(long.status, 400);
    assert.deepEqual(long.body.errors, { password: ['At most 100 characters'] });
    assert.equal((await plain()).password, 's3cret-pass');
    // null clears it.
    assert.equal((await post({ password: null })).body.settings.password, '');
    assert.equal((await plain()).password, '');
  });

  it('regenerates a token on request, and refuses one set by hand', async () => {
    const before = (await plain()).callback_token;
    const again = await post({ regenerate: 'callback_token' });
    assert.equal(again.status, 200);
    assert.match(again.body.settings.callback_token, /^[0-9a-f]{64}$/);
    assert.notEqual(again.body.settings.callback_token, before);
    assert.equal((await plain()).callback_token, again.body.settings.callback_token);
    const byHand = await post({ callback_token: 'mine' });
    assert.equal(byHand.status, 400);
    assert.deepEqual(byHand.body.errors, { callback_token: ['Made by the forge: regenerate it instead'] });
    const notToken = await post({ regenerate: 'url' });
    assert.deepEqual(notToken.body.errors, { regenerate: ['"url" is not a token of this plugin'] });
    assert.equal((await plain()).callback_token, again.body.settings.callback_token, 'nothing changed');
  });

  it('shows the secret as set without writing it into the page, and regenerates from a button', async () => {
    await post({ password: 'page-secret' });
    const page = new PageClient(t);
    await page.logIn('alice');
    assert.match(
      (await page.get('/settings')).html,
      /<nav class="settings-links" aria-label="More settings">\s*<ul><li><a href="\/settings\/vault" data-settings-link="vault">Vault keys of alice<\/a><\/li><\/ul>/,
      "a plugin's link on the user's settings page (userSettingsLinks)",
    );
    const form = await page.getForm('/ci/settings');
    assert.ok(!form.html.includes('page-secret'), 'the secret is not in the page');
    assert.match(
      form.html,
      /<input type="password" id="plugin-vault-password" name="password" value="" autocomplete="new-password" placeholder="set: leave empty to keep it">/,
    );
    const token = (await plain()).callback_token;
    assert.match(form.html, new RegExp(`<input id="plugin-vault-callback_token" value="${token}" readonly`));
    const saved = await page.post('/ci/settings/plugins/vault', {
      csrf_token: form.token,
      url: 'https://page.example.org',
      password: '',
      regenerate: 'callback_token',
    });
    assert.equal(saved.status, 302);
    const now = await plain();
    assert.deepEqual([now.url, now.password], ['https://page.example.org', 'page-secret'], 'saved, the secret kept');
    assert.notEqual(now.callback_token, token, 'a new token');
  });
});
