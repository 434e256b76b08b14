import assert from 'node:assert/strict';
import { ERROR_TEXTS } from '../src/errors/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

describeModes('the API front door', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode, config: { 'http.body_limit_kb': 4 } });
  });
  after(() => t?.close());

  it('answers the Pagure API version at /version and /-/version, with or without a trailing slash', async () => {
    for (const path of ['/api/0/version', '/api/0/-/version', '/api/0/version/']) {
      const res = await t.api('GET', path);
      assert.equal(res.status, 200, path);
      assert.deepEqual(res.body, { version: '0.31' });
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    }
  });

  it('lists every error code with its text, EINVALIDTOK naming this instance', async () => {
    for (const path of ['/api/0/error_codes', '/api/0/-/error_codes']) {
      const res = await t.api<Record<string, string>>('GET', path);
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), Object.keys(ERROR_TEXTS).sort());
      assert.equal(res.body.ENOPROJECT, 'Project not found');
      assert.equal(res.body.EPULLREQUESTSDISABLED, 'Pull-Request have been deactivated for this project');
      assert.equal(
        res.body.EINVALIDTOK,
        `Invalid or expired token. Please visit ${t.url}/settings#nav-api-tab to get or renew your API token.`,
      );
    }
  });

  it('answers an unknown endpoint with Pagure error JSON and 404', async () => {
    const res = await t.api('GET', '/api/0/no/such/thing');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error: 'No such API endpoint', error_code: 'ENOCODE' });
  });

  it('answers a wrong method with 405, an Allow header and error JSON', async () => {
    const res = await t.api('POST', '/api/0/version', {});
    assert.equal(res.status, 405);
    assert.match(res.headers.get('allow') ?? '', /GET/);
    assert.deepEqual(res.body, { error: 'Method not allowed', error_code: 'ENOCODE' });
  });

  it('refuses a body that is not valid JSON with 400 EINVALIDREQ', async () => {
    const res = await t.api('POST', '/api/0/version', '{"broken": ', { 'Content-Type': 'application/json' });
    assert.equal(res.status, 400);
    assert.equal((res.body as { error_code: string }).error_code, 'EINVALIDREQ');
  });

  it('refuses a body over the configured limit with 413', async () => {
    const res = await t.api('POST', '/api/0/version', { blob: 'x'.repeat(8 * 1024) });
    assert.equal(res.status, 413);
    assert.deepEqual(res.body, { error: 'The request body is larger than 4 KiB', error_code: 'ENOCODE' });
  });

  it('keeps a sane X-Request-Id and replaces an unsafe one', async () => {
    const kept = await t.fetch('/api/0/version', { headers: { 'X-Request-Id': 'abc-123' } });
    assert.equal(kept.headers.get('x-request-id'), 'abc-123');
    const replaced = await t.fetch('/api/0/version', { headers: { 'X-Request-Id': 'bad id <script>' } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('sends security headers, with a CSP that allows no inline script', async () => {
    const res = await t.fetch('/');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS on a plain-http instance');
  });

  it('reports health with the database instance id', async () => {
    const res = await t.api<{ status: string; instance: string; checks: Record<string, { status: string }> }>('GET', '/_health');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    assert.match(res.body.instance, /^[0-9a-f-]{36}$/);
    assert.equal(res.body.checks.database?.status, 'ok');
    assert.equal(res.body.checks.queue?.status, 'ok');
  });

  it('serves a start page and an HTML 404 page outside the API', async () => {
    const home = await t.fetch('/');
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await home.text(), /This forge runs Pagurus/);
    const missing = await t.fetch('/no/such/page');
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<p class="error-message">Page not found<\/p>/);
  });
});
