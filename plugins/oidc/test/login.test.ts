// Logging in with a real OpenID Connect provider on loopback (oidc-provider, its own keys),
// the plugin loaded by name as the host loads it, in both modes: the first login makes the
// account from the claims, later ones bring it up to date and mirror the groups claim on the
// synced groups; a bad state, a wrong nonce, an expired or forged ID token and the provider
// down each end on a page saying so, with nobody logged in; a local account's name is not
// taken; logout ends the session here and sends the browser to the provider's logout.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, freePort, type TestForge } from '@pagurus/core/testing';
import { decodeJwt, importJWK, SignJWT, generateKeyPair } from 'jose';
import { OidcAccounts } from '../src/accounts.js';
import { optionsSchema } from '../src/options.js';
import { FlowBrowser, type Step } from './support/browser.js';
import { CLIENT_ID, CLIENT_SECRET, startTestProvider, type TestProvider } from './support/provider.js';

const oidcPlugin = (issuer: string, extra: Record<string, unknown> = {}) => ({
  name: '@pagurus/plugin-oidc',
  options: {
    issuer,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    scopes: ['openid', 'email', 'profile', 'groups'],
    label: 'Log in with Test Accounts',
    sync_groups: ['packager', 'provenpackager', 'sig-*'],
    create_groups: true,
    ...extra,
  },
});

const last = (steps: Step[]) => steps[steps.length - 1]!;

describeModes('oidc plugin: logging in with an OpenID Connect provider', (mode) => {
  let t: TestForge;
  let op: TestProvider;

  before(async function () {
    this.timeout(120_000);
    op = await startTestProvider();
    t = await createTestForge({ mode, listen: true, plugins: [oidcPlugin(op.issuer)], config: { 'login.local': false } });
    op.registerClient(t.url);
    await t.createUser('alice');
    await t.createProject('alice', 'pkg', { readme: true });
    op.accounts.set('sub-bob', {
      preferred_username: 'bob',
      name: 'Bob Builder',
      email: 'bob@accounts.test',
      groups: ['packager', 'sig-python', 'elsewhere'],
    });
    op.accounts.set('sub-alice', { preferred_username: 'alice', name: 'Not Alice', email: 'impostor@accounts.test', groups: [] });
  });
  after(async () => {
    await t?.close();
    await op?.close();
  });
  beforeEach(() => {
    op.tamper = undefined;
    op.up();
  });

  /** A whole login in a fresh browser as `subject`, from the forge's /login to the page after. */
  async function logIn(subject: string, next = '/settings', browser = new FlowBrowser()) {
    op.nextLogin = subject;
    const steps = await browser.go(`${t.url}/login?next=${encodeURIComponent(next)}`);
    return { browser, steps, end: last(steps) };
  }
  const viewer = async (browser: FlowBrowser) => /class="viewer">([^<]*)</.exec((await browser.step(`${t.url}/`)).body)?.[1];

  it('makes the account at the first login from the claims, with its synced groups, and logs it in', async function () {
    this.timeout(30_000);
    const { browser, steps, end } = await logIn('sub-bob');
    assert.ok(steps[0]!.location?.startsWith(`${t.url}/oidc/login?next=`), '/login goes straight to the only way in');
    const toProvider = new URL(steps[1]!.location!);
    assert.equal(toProvider.origin, op.issuer);
    assert.equal(toProvider.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(toProvider.searchParams.get('state') && toProvider.searchParams.get('nonce'), 'state and nonce sent');
    assert.equal(end.url, `${t.url}/settings`);
    assert.equal(end.status, 200);
    assert.match(end.body, /Your account comes from <strong>Test Accounts<\/strong>/);
    assert.match(end.body, /your id there: <code>sub-bob<\/code>/);
    assert.equal(await viewer(browser), 'bob');
    const bob = (await t.forge.services.users.byName('bob'))!;
    assert.equal(bob.fullname, 'Bob Builder');
    assert.equal((await t.forge.services.users.emails([bob.id])).get(bob.id)?.defaultEmail, 'bob@accounts.test');
    // Synced groups the claim names are made and joined; "elsewhere" matches no pattern and is left alone.
    assert.deepEqual(await t.forge.services.groups.namesOf(bob), ['packager', 'sig-python']);
    assert.equal(await t.forge.services.groups.byName('elsewhere'), undefined);
  });

  it('brings the account and its synced groups up to date at the next login, leaving local groups alone', async function () {
    this.timeout(30_000);
    const { services } = t.forge;
    const admin = (await services.users.byName('alice'))!;
    const local = await services.groups.create(admin, { name: 'local-team' });
    await services.groups.addMember(admin, local, 'bob');
    op.accounts.set('sub-bob', {
      preferred_username: 'bob',
      name: 'Robert Builder',
      email: 'robert@accounts.test',
      groups: ['provenpackager', 'sig-python'],
    });
    const { browser, end } = await logIn('sub-bob');
    assert.equal(end.status, 200);
    assert.equal(await viewer(browser), 'bob');
    const bob = (await services.users.byName('bob'))!;
    assert.equal(bob.fullname, 'Robert Builder');
    assert.equal((await services.users.emails([bob.id])).get(bob.id)?.defaultEmail, 'robert@accounts.test');
    assert.deepEqual(
      await services.groups.namesOf(bob),
      ['local-team', 'provenpackager', 'sig-python'],
      'packager left, provenpackager joined',
    );
    // Bob made "packager" at his first login: the provider takes him out of it all the same.
    assert.deepEqual(
      (await services.groups.members([(await services.groups.byName('packager'))!.id])).get((await services.groups.byName('packager'))!.id),
      [],
    );
  });

  it('skips a synced group the forge lacks unless the admin lets it be made, and changes nothing without a groups claim', async () => {
    const api = t.forge.apiFor('oidc');
    const options = optionsSchema.parse({ issuer: op.issuer, client_id: CLIENT_ID, sync_groups: ['sig-*'], create_groups: false });
    const accounts = new OidcAccounts(api, options);
    const bob = (await api.services.users.byName('bob'))!;
    const answer = (claims: Record<string, unknown>) => ({ issuer: op.issuer, subject: 'sub-bob', claims, idToken: 'x' });
    assert.deepEqual(await accounts.syncGroups(bob, answer({ groups: ['sig-python', 'sig-new'] })), { added: [], removed: [] });
    assert.equal(await api.services.groups.members('sig-new'), undefined, 'not made');
    assert.deepEqual(await accounts.syncGroups(bob, answer({})), { added: [], removed: [] }, 'no claim: no change');
    assert.ok((await api.services.groups.namesOf(bob)).includes('sig-python'));
    assert.deepEqual(
      await accounts.syncGroups(bob, answer({ groups: [] })),
      { added: [], removed: ['sig-python'] },
      'an empty claim empties',
    );
  });

  it('never takes over a local account of the same name', async function () {
    this.timeout(30_000);
    const { browser, end } = await logIn('sub-alice');
    assert.equal(end.status, 409);
    assert.match(end.body, /The user name alice belongs to an account of this forge that does not come from this login provider/);
    assert.equal(await viewer(browser), undefined);
    const alice = (await t.forge.services.users.byName('alice'))!;
    assert.equal((await t.forge.services.users.emails([alice.id])).get(alice.id)?.defaultEmail, 'alice@example.test', 'untouched');
  });

  /** A login stopped at the forge's callback: the URL the provider sent the browser to. */
  async function toCallback(subject: string) {
    op.nextLogin = subject;
    const browser = new FlowBrowser();
    const steps = await browser.go(`${t.url}/oidc/login?next=/`, (step) => step.location?.startsWith(`${t.url}/oidc/callback`) ?? false);
    return { browser, callback: last(steps).location! };
  }

  it('refuses an answer whose state is not the login it started', async function () {
    this.timeout(30_000);
    const { browser, callback } = await toCallback('sub-bob');
    const url = new URL(callback);
    url.searchParams.set('state', 'someone-elses-state');
    const end = await browser.step(url.href);
    assert.equal(end.status, 400);
    assert.match(end.body, /could not be verified/);
    assert.equal(await viewer(browser), undefined);
    // Without the login's cookie (another browser, or a replay), it did not start here.
    const replay = await new FlowBrowser().step(callback);
    assert.equal(replay.status, 400);
    assert.match(replay.body, /did not start on this forge/);
  });

  /** An ID token as the provider would sign it, with `change` made to its claims (signed with `key`, the provider's by default). */
  const resign =
    (change: (claims: Record<string, unknown>) => void, key = op.signingKey) =>
    async (idToken: string) => {
      const claims = decodeJwt(idToken) as Record<string, unknown>;
      change(claims);
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(await importJWK(key, 'RS256'));
    };

  for (const [what, tamper] of [
    ['a wrong nonce', () => resign((c) => (c.nonce = 'not-the-one-sent'))],
    [
      'an expired ID token',
      () => resign((c) => ((c.exp = Math.floor(Date.now() / 1000) - 3600), (c.iat = Math.floor(Date.now() / 1000) - 7200))),
    ],
    [
      'a forged ID token (signed with another key)',
      async () => {
        const { privateKey } = await generateKeyPair('RS256', { extractable: true });
        const { exportJWK } = await import('jose');
        return resign(() => undefined, { ...(await exportJWK(privateKey)), kid: 'test-key' });
      },
    ],
  ] as const) {
    it(`refuses ${what}, and logs nobody in`, async function () {
      this.timeout(30_000);
      op.tamper = await tamper();
      const { browser, end } = await logIn('sub-bob', '/');
      assert.equal(end.status, 400);
      assert.match(end.body, /The login provider&#x27;s answer could not be verified/);
      assert.equal(await viewer(browser), undefined);
    });
  }

  it('says the provider is down, when it goes down during a login, and works again once it is back', async function () {
    this.timeout(30_000);
    const { browser, callback } = await toCallback('sub-bob');
    op.down();
    const end = await browser.step(callback);
    assert.equal(end.status, 503);
    assert.match(end.body, /The login provider cannot be reached just now/);
    assert.equal(await viewer(browser), undefined);
    op.up();
    const again = await logIn('sub-bob', '/');
    assert.equal(again.end.status, 200);
    assert.equal(await viewer(again.browser), 'bob');
  });

  it('logs out here and at the provider, and keeps API tokens working', async function () {
    this.timeout(30_000);
    const { browser } = await logIn('sub-bob', '/');
    const out = await browser.submit(`${t.url}/logout`, {}, `${t.url}/logout`);
    assert.equal(out.status, 200, 'a page of the forge goes on to the provider');
    const link = /<a class="button" href="([^"]+)">Continue to 127\.0\.0\.1:\d+<\/a>/.exec(out.body)?.[1];
    assert.ok(link, out.body);
    const end = new URL(link.replace(/&amp;/g, '&').replace(/&#x3D;/g, '='));
    assert.equal(`${end.origin}${end.pathname}`, `${op.issuer}/session/end`);
    assert.ok(end.searchParams.get('id_token_hint'), "with the session's ID token as hint");
    assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${t.url}/`);
    assert.equal(await viewer(browser), undefined, 'the session here ended');
    const token = await t.createToken('bob', ['commit']);
    const whoami = await t.api<{ username: string }>('POST', '/api/0/-/whoami', undefined, { Authorization: `token ${token}` });
    assert.equal(whoami.body.username, 'bob');
  });

  it('answers 503 with a page when the provider cannot be reached for the first login', async function () {
    this.timeout(60_000);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const other = await createTestForge({ mode, listen: true, plugins: [oidcPlugin(dead)], config: { 'login.local': false } });
    try {
      const page = await new FlowBrowser().step(`${other.url}/oidc/login?next=/`);
      assert.equal(page.status, 503);
      assert.match(page.body, /The login provider cannot be reached just now/);
    } finally {
      await other.close();
    }
  });
});
