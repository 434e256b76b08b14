// forge.auth, as a login plugin uses it (the doorman fixture): its button on the login page,
// the session core opens for whom it proved, its panel on /settings, its say at logout; and
// with the forge's own passwords off (login.local), the plugin as the only way in while API
// tokens keep working. Also the facades a provider's claims need: accounts made and updated,
// groups made and their members synced.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { LoginMethods } from '../src/plugin-auth.js';
import { cloneUrl, createTestForge, describeModes, gitRun, PageClient, tempDir, type TestForge } from '../src/testing/index.js';

const DOORMAN = fileURLToPath(new URL('./fixtures/plugins/doorman', import.meta.url));

describeModes('forge.auth: ways to log in that plugins bring', (mode) => {
  describe('beside passwords', () => {
    let t: TestForge;
    before(async function () {
      this.timeout(120_000);
      t = await createTestForge({ mode, plugins: [DOORMAN] });
      await t.createUser('alice');
    });
    after(() => t?.close());

    it("shows the plugin's button beside the password form, carrying the page to come back to", async () => {
      const page = await new PageClient(t).get('/login?next=%2Fsettings');
      assert.equal(page.status, 200);
      assert.match(
        page.html,
        /<a class="button" href="\/doorman\/login\?next(?:=|&#x3D;)%2Fsettings" data-login-method="doorman">Log in with the doorman<\/a>/,
      );
      assert.match(page.html, /name="password"/, 'passwords still work here');
      await new PageClient(t).logIn('alice');
    });

    it('opens a session for whom the plugin proved, makes their account, and shows its panel on /settings', async () => {
      const browser = new PageClient(t);
      const back = await browser.get('/doorman/login?as=guest1&next=%2Fsettings');
      assert.equal(back.status, 302);
      assert.equal(back.location, '/settings');
      assert.equal(await browser.viewer(), 'guest1');
      const settings = await browser.get('/settings');
      assert.match(settings.html, /<h2 id="panel-doorman-source">Where your account comes from<\/h2>/);
      assert.match(settings.html, /Your account comes from the doorman \(guest1\)\./);
      const user = (await t.forge.services.users.byName('guest1'))!;
      assert.equal(user.fullname, 'guest1 at the door');
      assert.equal((await t.forge.services.users.emails([user.id])).get(user.id)?.defaultEmail, 'guest1@doorman.test');
      // A next that leaves the forge goes home instead.
      assert.equal((await new PageClient(t).get('/doorman/login?as=guest1&next=https%3A%2F%2Fevil.test%2F')).location, '/');
    });

    it("logs out here and goes where the plugin says (its provider's logout page)", async () => {
      const browser = new PageClient(t);
      await browser.get('/doorman/login?as=guest2');
      const out = await browser.submit('/logout', {});
      assert.equal(out.status, 302);
      assert.equal(out.location, '/doorman/bye');
      assert.equal(await browser.viewer(), undefined, 'the session ended');
      const alice = new PageClient(t);
      await alice.logIn('alice');
      assert.equal((await alice.submit('/logout', {})).location, '/', 'the plugin leaves other logouts alone');
    });

    it("goes on to another site's logout from a page of its own (a form may lead to this forge only)", async () => {
      const browser = new PageClient(t);
      await browser.get('/doorman/login?as=traveller1');
      const out = await browser.submit('/logout', {});
      assert.equal(out.status, 200);
      assert.equal(out.location, null);
      assert.match(
        out.html,
        /<meta http-equiv="refresh" content="0; url=https:\/\/door\.example\.test\/bye\?from(=|&#x3D;)forge&amp;x(=|&#x3D;)1">/,
      );
      assert.match(
        out.html,
        /<a class="button" href="https:\/\/door\.example\.test\/bye\?from(=|&#x3D;)forge&amp;x(=|&#x3D;)1">Continue to door\.example\.test<\/a>/,
      );
      assert.equal(await browser.viewer(), undefined, 'the session here ended');
    });

    it('updates an account from what the provider says now, and syncs its groups, the creator too', async () => {
      const browser = new PageClient(t);
      await browser.get('/doorman/login?as=guest3&groups=doorman-a,doorman-b');
      const groups = t.forge.apiFor('doorman').services.groups;
      assert.deepEqual(await groups.members('doorman-a'), ['guest3']);
      await new PageClient(t).get('/doorman/login?as=guest4&groups=doorman-a');
      assert.deepEqual(await groups.members('doorman-a'), ['guest3', 'guest4']);
      // guest3 made doorman-a and doorman-b (their creator), and leaves both.
      await browser.get('/doorman/login?as=guest3&groups=doorman-c&fullname=Guest%20Three&email=three%40doorman.test');
      assert.deepEqual(await groups.members('doorman-a'), ['guest4']);
      assert.deepEqual(await groups.members('doorman-b'), []);
      assert.deepEqual(await groups.namesOf((await t.forge.services.users.byName('guest3'))!), ['doorman-c']);
      const user = (await t.forge.services.users.byName('guest3'))!;
      assert.equal(user.fullname, 'Guest Three');
      const emails = (await t.forge.services.users.emails([user.id])).get(user.id)!;
      assert.deepEqual(
        { default: emails.defaultEmail, all: [...emails.emails].sort() },
        {
          default: 'three@doorman.test',
          all: ['guest3@doorman.test', 'three@doorman.test'],
        },
      );
      assert.deepEqual(await groups.members('doorman-c'), ['guest3']);
    });

    it('refuses an account or address another holds, and names kept for deploy keys', async () => {
      const users = t.forge.apiFor('doorman').services.users;
      await assert.rejects(users.create({ name: 'alice', email: 'other@doorman.test' }), /taken/);
      await assert.rejects(users.create({ name: 'someone', email: 'alice@example.test' }), /already used/);
      const guest = (await users.byName('guest1'))!;
      await assert.rejects(users.update(guest, { email: 'alice@example.test' }), /already used/);
      await assert.rejects(users.create({ name: 'deploykey_x_1', email: 'dk@doorman.test' }), (error: Error) =>
        /deploykey_/.test(JSON.stringify(error)),
      );
    });
  });

  describe('as the only way in (login.local off)', () => {
    let t: TestForge;
    before(async function () {
      this.timeout(120_000);
      t = await createTestForge({ mode, plugins: [DOORMAN], config: { 'login.local': false } });
      await t.createUser('alice');
      await t.createProject('alice', 'pkg', { readme: true, private: true });
    });
    after(() => t?.close());

    it('sends /login straight to the plugin, and takes no password anywhere', async () => {
      const browser = new PageClient(t);
      const login = await browser.get('/login?next=%2Fpkg');
      assert.equal(login.status, 302);
      assert.equal(login.location, '/doorman/login?next=%2Fpkg');
      // A password posted anyway (with a good form token, from the logout page's form).
      const password = await browser.submit('/login', { username: 'alice', password: 'alice-password1', next: '/' }, '/logout');
      assert.equal(password.status, 401);
      assert.match(password.html, /This forge does not log in with passwords: use the login page, or an API token/);
      assert.equal(await browser.viewer(), undefined);
      for (const path of ['/password/lost', '/password/change', '/password/reset/abc']) {
        const page = await new PageClient(t).get(path);
        assert.equal(page.status, 404, path);
        assert.match(page.html, /does not use passwords of its own/, path);
      }
      assert.match((await new PageClient(t).get('/user/new')).html, /Registration is closed/);
    });

    it('refuses a password over git and the API, and takes an API token', async () => {
      const work = await tempDir();
      const byPassword = await gitRun(work, ['ls-remote', cloneUrl(t.url, 'alice/pkg', { user: 'alice', secret: 'alice-password1' })]);
      assert.notEqual(byPassword.code, 0);
      const token = await t.createToken('alice', ['commit']);
      const byToken = await gitRun(work, ['ls-remote', cloneUrl(t.url, 'alice/pkg', { user: 'alice', secret: token })]);
      assert.equal(byToken.code, 0, byToken.stderr);
      const api = await t.api<{ username: string }>('POST', '/api/0/-/whoami', undefined, { Authorization: `token ${token}` });
      assert.deepEqual({ status: api.status, username: api.body.username }, { status: 200, username: 'alice' });
    });

    it('logs in through the plugin, and /settings offers no password to change', async () => {
      const browser = new PageClient(t);
      await browser.get('/doorman/login?as=guest');
      const settings = await browser.get('/settings');
      assert.equal(settings.status, 200);
      assert.doesNotMatch(settings.html, /Change your password/);
      assert.match(settings.html, /Your account comes from the doorman/);
    });
  });
});

describe('forge.auth: login methods', () => {
  it('takes each id once, in a safe form, with a path on this forge', () => {
    const methods = new LoginMethods();
    methods.define({ id: 'oidc', label: 'Log in', path: '/oidc/login' });
    assert.throws(() => methods.define({ id: 'oidc', label: 'Again', path: '/x' }), /defined twice/);
    assert.throws(() => methods.define({ id: 'Bad Id', label: 'x', path: '/x' }), /lower-case/);
    assert.throws(() => methods.define({ id: 'far', label: 'x', path: 'https://evil.test/' }), /a path on this forge/);
    assert.throws(() => methods.define({ id: 'far2', label: 'x', path: '//evil.test/' }), /a path on this forge/);
    assert.deepEqual(
      methods.all().map((m) => m.id),
      ['oidc'],
    );
  });
});
