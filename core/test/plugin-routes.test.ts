// A plugin's project routes (API and pages, under all four project path forms) and its
// mounts outside /api/0 (their own auth, body and error format), through the fixture
// plugin in fixtures/plugins/routes, as a user and an API client see them.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Mounts } from '../src/http/mounts.js';
import type { DomainServices } from '../src/services/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { ROUTES_PLUGIN } from './support/fixtures.js';
import { Browser } from './support/page-client.js';

const NOT_HIGH_ENOUGH = { error: 'You do not have sufficient permissions to perform this action', error_code: 'ENOTHIGHENOUGH' };
const NO_PROJECT = { error: 'Project not found', error_code: 'ENOPROJECT' };

interface Seen {
  project: string;
  viewer: string | null;
  level: string | null;
  commit: boolean;
}

describeModes("a plugin's project routes and mounts", (mode) => {
  let t: TestForge;
  const auth = (token: string) => ({ Authorization: `token ${token}` });
  let alice: Record<string, string>;
  let aliceIssuesOnly: Record<string, string>;
  let aliceHelloBound: Record<string, string>;
  let bob: Record<string, string>;
  let helloId: number;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [ROUTES_PLUGIN], config: { namespaces: ['rpms'] } });
    await t.createUser('alice');
    await t.createUser('bob');
    await t.createUser('carol');
    helloId = (await t.createProject('alice', 'hello')).id;
    await t.createProject('alice', 'hello', { namespace: 'rpms' });
    // Private projects live in their owner's namespace: alice/secret.
    await t.createProject('alice', 'secret', { private: true });
    alice = auth(await t.createToken('alice', 'all'));
    aliceIssuesOnly = auth(await t.createToken('alice', ['issue_create']));
    aliceHelloBound = auth(await t.createToken('alice', 'all', { project: 'hello' }));
    bob = auth(await t.createToken('bob', 'all'));
    for (const body of [{ repo: 'hello' }, { repo: 'hello', namespace: 'rpms' }]) {
      const res = await t.api('POST', '/api/0/fork', { ...body, wait: true }, bob);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  });
  after(() => t?.close());

  const seen = async (path: string, headers: Record<string, string> = {}) => {
    const res = await t.api<Seen & Record<string, unknown>>('GET', path, undefined, headers);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  describe('project API routes', () => {
    it('answer under all four path forms, the project resolved and the viewer known', async () => {
      const forms: Array<[string, string]> = [
        ['hello', 'hello'],
        ['rpms/hello', 'rpms/hello'],
        ['fork/bob/hello', 'forks/bob/hello'],
        ['fork/bob/rpms/hello', 'forks/bob/rpms/hello'],
      ];
      for (const [path, fullname] of forms) {
        assert.deepEqual(await seen(`/api/0/${path}/routes/seen`), {
          project: fullname,
          viewer: null,
          level: null,
          commit: false,
          method: 'GET',
        });
      }
      assert.deepEqual(await seen('/api/0/hello/routes/seen', alice), {
        project: 'hello',
        viewer: 'alice',
        level: 'owner',
        commit: true,
        method: 'GET',
      });
      assert.deepEqual(await seen('/api/0/fork/bob/hello/routes/seen', bob), {
        project: 'forks/bob/hello',
        viewer: 'bob',
        level: 'owner',
        commit: true,
        method: 'GET',
      });
      const bobOnHello = await seen('/api/0/hello/routes/seen', bob);
      assert.deepEqual([bobOnHello.viewer, bobOnHello.level, bobOnHello.commit], ['bob', null, false]);
    });

    it('answer 404 ENOPROJECT for a missing project and for a private one the viewer cannot see', async () => {
      for (const [path, headers] of [
        ['/api/0/nothere/routes/seen', alice],
        ['/api/0/rpms/nothere/routes/seen', alice],
        ['/api/0/fork/alice/hello/routes/seen', alice],
        ['/api/0/alice/secret/routes/seen', {}],
        ['/api/0/alice/secret/routes/seen', bob],
      ] as Array<[string, Record<string, string>]>) {
        const res = await t.api('GET', path, undefined, headers);
        assert.deepEqual([res.status, res.body], [404, NO_PROJECT], path);
      }
      assert.equal((await seen('/api/0/alice/secret/routes/seen', alice)).project, 'alice/secret');
    });

    it('check the token and its ACL before the project, with the answers of Pagure', async () => {
      const expect401 = async (headers: Record<string, string>, errors: string | undefined, path = '/api/0/hello/routes/token') => {
        const res = await t.api<Record<string, unknown>>('POST', path, {}, headers);
        assert.equal(res.status, 401, JSON.stringify(res.body));
        assert.equal(res.body.error_code, 'EINVALIDTOK');
        assert.match(
          String(res.body.error),
          /^Invalid or expired token\. Please visit .*settings#nav-api-tab to get or renew your API token\.$/,
        );
        assert.equal(res.body.errors, errors);
      };
      await expect401({}, 'Invalid token');
      await expect401(auth('not-a-token'), 'Invalid token');
      await expect401(aliceIssuesOnly, 'Missing ACLs: modify_project');
      // Before the project: a missing project with no token is still a token problem.
      await expect401({}, 'Invalid token', '/api/0/nothere/routes/token');
      const ok = await t.api<Record<string, unknown>>('POST', '/api/0/hello/routes/token', {}, alice);
      assert.deepEqual([ok.status, ok.body.viewer, ok.body.token], [200, 'alice', 'user']);
    });

    it('require the level a route asks for: 403 ENOTHIGHENOUGH below it', async () => {
      const below = await t.api('GET', '/api/0/hello/routes/admin', undefined, bob);
      assert.deepEqual([below.status, below.body], [403, NOT_HIGH_ENOUGH]);
      assert.equal((await seen('/api/0/hello/routes/admin', alice)).level, 'owner');
      assert.equal((await seen('/api/0/fork/bob/hello/routes/admin', bob)).project, 'forks/bob/hello');
    });

    it("confine a project-bound token to its project: elsewhere it is nobody's", async () => {
      const own = await t.api<Record<string, unknown>>('POST', '/api/0/hello/routes/token', {}, aliceHelloBound);
      assert.deepEqual([own.status, own.body.viewer, own.body.token], [200, 'alice', helloId]);
      for (const path of ['/api/0/rpms/hello/routes/token', '/api/0/fork/bob/hello/routes/token']) {
        const res = await t.api('POST', path, {}, aliceHelloBound);
        // A project's token away from its project: 401 without a reason, as Pagure answers it.
        assert.equal(res.status, 401, path);
        assert.equal(res.body.error_code, 'EINVALIDTOK');
        assert.equal(res.body.errors, undefined);
      }
      assert.equal((await seen('/api/0/rpms/hello/routes/seen', aliceHelloBound)).viewer, null);
      assert.equal((await seen('/api/0/hello/routes/seen', aliceHelloBound)).viewer, 'alice');
      // Her private project stays invisible to it.
      const secret = await t.api('GET', '/api/0/alice/secret/routes/seen', undefined, aliceHelloBound);
      assert.deepEqual([secret.status, secret.body], [404, NO_PROJECT]);
      // The handler's own token check respects the confinement too.
      assert.equal((await seen('/api/0/hello/routes/maybe-token?need=1', aliceHelloBound)).viewer, 'alice');
      const away = await t.api('GET', '/api/0/rpms/hello/routes/maybe-token?need=1', undefined, aliceHelloBound);
      assert.equal(away.status, 401);
      const missing = await t.api<Record<string, unknown>>('GET', '/api/0/hello/routes/maybe-token?need=1', undefined, {});
      assert.deepEqual([missing.status, missing.body.errors], [401, 'Invalid token']);
      assert.equal((await seen('/api/0/hello/routes/maybe-token')).viewer, null);
    });

    it('answer under the fork forms only when the route wants them', async () => {
      assert.equal((await t.api('GET', '/api/0/hello/routes/no-forks')).status, 200);
      assert.equal((await t.api('GET', '/api/0/fork/bob/hello/routes/no-forks')).status, 404);
    });
  });

  describe('project pages', () => {
    const page = async (path: string, browser?: Browser) => {
      const res = browser
        ? await browser.get(path)
        : await t
            .fetch(path, { redirect: 'manual' })
            .then(async (r) => ({ status: r.status, html: await r.text(), location: r.headers.get('location') }));
      return res;
    };

    it('answer under all four path forms, before core pages that would take the path', async () => {
      for (const [path, fullname] of [
        ['/hello/routes-page', 'hello'],
        ['/rpms/hello/routes-page', 'rpms/hello'],
        ['/fork/bob/hello/routes-page', 'forks/bob/hello'],
        ['/fork/bob/rpms/hello/routes-page', 'forks/bob/rpms/hello'],
      ] as Array<[string, string]>) {
        const res = await page(path);
        assert.equal(res.status, 200, path);
        assert.match(res.html, new RegExp(`<p id="project">${fullname}</p>`));
      }
    });

    it('answer 404 for a private project the viewer cannot see, and know the logged-in viewer', async () => {
      assert.equal((await page('/alice/secret/routes-page')).status, 404);
      assert.equal((await page('/nothere/routes-page')).status, 404);
      const browser = new Browser(t);
      await browser.logIn('alice', 'alice-password1');
      const mine = await page('/alice/secret/routes-page', browser);
      assert.equal(mine.status, 200);
      assert.match(mine.html, /<p id="viewer">alice<\/p>/);
    });

    it("show a route's confirmation (ctx.flash) on the next page, once", async () => {
      const browser = new Browser(t);
      await browser.logIn('alice', 'alice-password1');
      const done = await browser.submit('/hello/routes-page/done', {}, '/hello');
      assert.deepEqual([done.status, done.location], [302, '/hello']);
      assert.match((await browser.get('/hello')).html, /<p class="flash" role="status">Done with hello<\/p>/);
      assert.doesNotMatch((await browser.get('/hello')).html, /Done with hello/, 'shown once');
    });

    it('send the anonymous to log in and refuse those below the level', async () => {
      const anonymous = await page('/hello/routes-page/admin');
      assert.equal(anonymous.status, 302);
      assert.equal(anonymous.location, `/login?next=${encodeURIComponent('/hello/routes-page/admin')}`);
      const browser = new Browser(t);
      await browser.logIn('bob', 'bob-password1');
      assert.equal((await page('/hello/routes-page/admin', browser)).status, 403);
      assert.equal((await page('/fork/bob/hello/routes-page/admin', browser)).status, 200);
    });
  });

  describe('mounts', () => {
    it("with auth 'token' take a POST with a token and no CSRF token, JSON or form", async () => {
      const json = await t.api('POST', '/_routes/token/flag', { status: 'success' }, alice);
      assert.deepEqual([json.status, json.body], [200, { user: 'alice', body: { status: 'success' } }]);
      const form = await t.fetch('/_routes/token/flag', {
        method: 'POST',
        headers: { ...alice, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'status=failure',
      });
      assert.deepEqual([form.status, await form.json()], [200, { user: 'alice', body: { status: 'failure' } }]);
    });

    it("with auth 'token' refuse a missing token or ACL, and a project's token, with Pagure's JSON", async () => {
      for (const [headers, errors] of [
        [{}, 'Invalid token'],
        [aliceIssuesOnly, 'Missing ACLs: commit_flag'],
        [aliceHelloBound, undefined],
      ] as Array<[Record<string, string>, string | undefined]>) {
        const res = await t.api<Record<string, unknown>>('POST', '/_routes/token/flag', { status: 'success' }, headers);
        assert.equal(res.status, 401);
        assert.deepEqual([res.body.error_code, res.body.errors], ['EINVALIDTOK', errors]);
      }
      assert.deepEqual((await t.api('GET', '/_routes/token/whoami', undefined, aliceHelloBound)).body, { user: null });
      assert.deepEqual((await t.api('GET', '/_routes/token/whoami', undefined, alice)).body, { user: 'alice' });
      // A browser session logs nobody in on a token mount.
      const browser = new Browser(t);
      await browser.logIn('alice', 'alice-password1');
      assert.equal((await browser.get('/_routes/token/whoami')).html, JSON.stringify({ user: null }));
    });

    it('refuse a body of a type they do not take', async () => {
      const res = await t.fetch('/_routes/token/flag', { method: 'POST', headers: { ...alice, 'Content-Type': 'text/plain' }, body: 'hi' });
      assert.deepEqual(
        [res.status, await res.json()],
        [400, { error: 'The request body must be JSON or a form (application/x-www-form-urlencoded)', error_code: 'EINVALIDREQ' }],
      );
    });

    it("with auth 'token-or-session' take a token without CSRF, and a browser's session with it only", async () => {
      const byToken = await t.fetch('/_routes/either/whoami', {
        method: 'POST',
        headers: { ...alice, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      assert.deepEqual([byToken.status, await byToken.json()], [200, { user: 'alice' }]);
      const badToken = await t.fetch('/_routes/either/whoami', { method: 'POST', headers: { Authorization: 'token nope' } });
      assert.deepEqual([badToken.status, await badToken.json()], [200, { user: null }], 'a bad token is nobody, not a session');
      const anonymous = await t.fetch('/_routes/either/whoami', { method: 'POST' });
      assert.deepEqual([anonymous.status, await anonymous.json()], [200, { user: null }], 'no cookie, no token: nobody, no CSRF asked');
      const browser = new Browser(t);
      await browser.logIn('alice', 'alice-password1');
      assert.equal((await browser.post('/_routes/either/whoami', {})).status, 400, 'no CSRF token');
      const { token } = await browser.getForm('/settings');
      const bySession = await browser.post('/_routes/either/whoami', { csrf_token: token });
      assert.deepEqual([bySession.status, JSON.parse(bySession.html)], [200, { user: 'alice' }]);
    });

    it("with auth 'session' refuse a POST without the CSRF token, and take it with one", async () => {
      const browser = new Browser(t);
      await browser.logIn('alice', 'alice-password1');
      const without = await browser.post('/_routes/session/note', { note: 'hi' });
      assert.equal(without.status, 400);
      assert.match(without.html, /This form has expired or did not come from this site/);
      // An API token is no way around it.
      const withToken = await browser.post('/_routes/session/note', { note: 'hi' }, alice);
      assert.equal(withToken.status, 400);
      const { token } = await browser.getForm('/settings');
      const ok = await browser.post('/_routes/session/note', { note: 'hi', csrf_token: token });
      assert.deepEqual([ok.status, ok.html], [200, '<p>noted for alice</p>']);
      const header = await browser.post('/_routes/session/note', { note: 'hi' }, { 'X-CSRF-Token': token });
      assert.equal(header.status, 200);
      // Someone not logged in, with a valid form token of their own, is refused by requireUser.
      const anonymous = new Browser(t);
      const form = await anonymous.getForm('/login');
      assert.equal((await anonymous.post('/_routes/session/note', { csrf_token: form.token })).status, 401);
    });

    it("with body 'raw' receive the bytes intact, and refuse more than the limit", async () => {
      const bytes = Buffer.concat([Buffer.from([0, 0xff, 0xfe, 0]), randomBytes(200 * 1024)]);
      const res = await t.fetch('/_routes/raw/upload', {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: bytes,
      });
      assert.deepEqual(await res.json(), {
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        type: 'application/octet-stream',
      });
      // A JSON body with a NUL is not parsed here, so not refused: the plugin reads it as bytes.
      const nul = await t.fetch('/_routes/raw/upload', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"a":"\\u0000"}',
      });
      assert.equal(nul.status, 200);
      const tooLarge = await t.fetch('/_routes/raw/upload', { method: 'POST', body: randomBytes(300 * 1024) });
      assert.deepEqual(
        [tooLarge.status, await tooLarge.json()],
        [413, { error: `The request body is larger than ${256 * 1024} bytes`, error_code: 'ENOCODE' }],
      );
      // Chunked, with no length to refuse it up front: the stream fails once past the limit.
      const chunks = [randomBytes(200 * 1024), randomBytes(200 * 1024)];
      const streamed = await t.fetch('/_routes/raw/stream', {
        method: 'POST',
        body: new ReadableStream({
          pull(controller) {
            const next = chunks.shift();
            if (next) controller.enqueue(next);
            else controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      assert.equal(streamed.status, 413);
      const small = await t.fetch('/_routes/raw/stream', { method: 'POST', body: randomBytes(1000) });
      assert.deepEqual(await small.json(), { size: 1000 });
    });

    it("answer errors in the format they chose: 'api' JSON, 'page' HTML, unknown paths included", async () => {
      const api = await t.fetch('/_routes/raw/fail');
      assert.equal(api.status, 403);
      assert.match(api.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await api.json(), NOT_HIGH_ENOUGH);
      const missing = await t.fetch('/_routes/raw/nothing');
      assert.deepEqual([missing.status, await missing.json()], [404, { error: 'Not found', error_code: 'ENOCODE' }]);
      const wrongMethod = await t.fetch('/_routes/raw/upload');
      assert.equal(wrongMethod.status, 405);
      assert.equal(((await wrongMethod.json()) as Record<string, unknown>).error_code, 'ENOCODE');
      const nul = await t.fetch('/_routes/raw/a%00b');
      assert.deepEqual([nul.status, ((await nul.json()) as Record<string, unknown>).error_code], [400, 'EINVALIDREQ']);

      const page = await t.fetch('/_routes/session/fail');
      assert.equal(page.status, 403);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await page.text(), /You do not have sufficient permissions to perform this action/);
      const pageMissing = await t.fetch('/_routes/session/nothing');
      assert.equal(pageMissing.status, 404);
      assert.match(pageMissing.headers.get('content-type') ?? '', /^text\/html/);
    });

    it('keep the security headers of every answer', async () => {
      const res = await t.fetch('/_routes/raw/fail');
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      assert.ok(res.headers.get('x-request-id'));
    });
  });
});

describe('mount registration', () => {
  const mounts = () =>
    new Mounts({ services: {} as DomainServices, session: { secret: 's', secure: false, lifetimeDays: 1 }, bodyLimitKb: 1024 });
  const base = { auth: 'none', body: 'json', errors: 'api' } as const;

  it("refuses prefixes that are core's, malformed or overlapping another mount", () => {
    const registry = mounts();
    registry.mount({ ...base, prefix: '/_dg' });
    for (const prefix of ['/', '', '/api', '/api/0/x', '/_health', '/_pagurus/x', '/static', '/_ci/', 'x', '/a//b', '/_dg', '/_dg/sub']) {
      assert.throws(() => registry.mount({ ...base, prefix }), Error, prefix);
    }
    for (const body of ['xml', [], ['json', 'raw']]) {
      assert.throws(() => registry.mount({ ...base, prefix: '/_other', body: body as never }), /body/);
    }
    registry.mount({ ...base, prefix: '/_dgx' });
    registry.mount({ ...base, prefix: '/repo/pkgs' });
    assert.equal(registry.find('/repo/pkgs/upload.cgi')?.options.prefix, '/repo/pkgs');
    assert.equal(registry.find('/_dg/anitya'), registry.list[0]);
    assert.equal(registry.find('/_dgx')?.options.prefix, '/_dgx');
    assert.equal(registry.find('/repo/pkgsx'), undefined);
  });
});
