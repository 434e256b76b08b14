// Tests of the Travis CI stand-in itself (test/support/travis.ts), over real HTTP on loopback,
// so the plugin's tests can trust it to answer and sign as Travis does.
import assert from 'node:assert/strict';
import { startStubServer } from '@pagurus/core/testing';
import { TravisStandIn, verifyTravisSignature } from './support/travis.js';

const TOKEN = 'travis-api-token';
const V3 = { 'Travis-API-Version': '3', Authorization: `token ${TOKEN}`, 'Content-Type': 'application/json' };

/** The public key /config answers. */
async function configKey(travis: TravisStandIn): Promise<string> {
  const res = await fetch(`${travis.url}config`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { config: { notifications: { webhook: { public_key: string } } } };
  return body.config.notifications.webhook.public_key;
}

/** Sends a notification to a fresh stub server and returns what arrived: the headers and the `payload` form field. */
async function deliver(travis: TravisStandIn, options: { badSignature?: boolean } = {}) {
  const hook = await startStubServer();
  try {
    const payload = travis.payload({ state: 'failed', type: 'pull_request', pull_request_number: 7 });
    const res = await travis.notify(`${hook.url}/api/0/ci/travis/hook`, payload, options);
    assert.equal(res.status, 200);
    const [got] = await hook.waitForRequests(1);
    assert.equal(got?.url, '/api/0/ci/travis/hook');
    return { headers: got.headers, json: new URLSearchParams(got.text).get('payload') ?? '' };
  } finally {
    await hook.close();
  }
}

describe('ci-travis: the Travis CI stand-in', () => {
  let travis: TravisStandIn;

  beforeEach(async () => {
    travis = await new TravisStandIn({ token: TOKEN }).start();
  });
  afterEach(async () => {
    await travis.stop();
  });

  it('records a build request made with the token and the API v3 header, and answers 202 pending', async () => {
    const res = await fetch(`${travis.url}repo/${encodeURIComponent('alice/vim')}/requests`, {
      method: 'POST',
      headers: V3,
      body: JSON.stringify({ request: { branch: 'main', message: 'Pagurus: PR #7', config: { env: 'PR=7' } } }),
    });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), {
      '@type': 'pending',
      remaining_requests: 10,
      repository: { '@type': 'repository', id: 1, slug: 'alice/vim' },
      request: { id: 1, message: 'Pagurus: PR #7', branch: 'main' },
      resource_type: 'request',
    });
    assert.deepEqual(travis.requests, [{ slug: 'alice/vim', branch: 'main', message: 'Pagurus: PR #7', config: { env: 'PR=7' }, id: 1 }]);
  });

  it('answers 400 wrong_params without the Travis-API-Version: 3 header', async () => {
    const res = await fetch(`${travis.url}repo/alice%2Fvim/requests`, {
      method: 'POST',
      headers: { Authorization: `token ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ request: { branch: 'main' } }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { '@type': string; error_type: string; error_message: string };
    assert.equal(body['@type'], 'error');
    assert.equal(body.error_type, 'wrong_params');
    assert.deepEqual(travis.requests, []);
  });

  it('answers 403 login_required with a wrong token, or none', async () => {
    for (const authorization of [`token nope`, undefined]) {
      const headers: Record<string, string> = { 'Travis-API-Version': '3', 'Content-Type': 'application/json' };
      if (authorization) headers.Authorization = authorization;
      const res = await fetch(`${travis.url}repo/alice%2Fvim/requests`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ request: { branch: 'main' } }),
      });
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { '@type': 'error', error_type: 'login_required', error_message: 'login required' });
    }
    assert.deepEqual(travis.requests, []);
  });

  it('GET /config answers the webhook public key, and counts the fetches', async () => {
    assert.equal(travis.configFetches, 0);
    const res = await fetch(`${travis.url}config`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { config: Record<string, unknown> };
    assert.equal(body.config.host, 'travis-ci.com');
    assert.deepEqual(body.config.notifications, { webhook: { public_key: travis.publicKey } });
    assert.match(travis.publicKey, /^-----BEGIN PUBLIC KEY-----\n/);
    await configKey(travis);
    assert.equal(travis.configFetches, 2);
  });

  it('notify() posts a form-encoded payload whose Signature verifies against /config', async () => {
    const got = await deliver(travis);
    assert.equal(got.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(got.headers['travis-repo-slug'], 'alice/vim');
    const payload = JSON.parse(got.json) as Record<string, unknown>;
    assert.equal(payload.state, 'failed');
    assert.equal(payload.status, 1);
    assert.equal(payload.result_message, 'Failed');
    assert.equal(payload.pull_request, true);
    assert.equal(payload.pull_request_number, 7);
    assert.equal(payload.build_url, `${travis.url}alice/vim/builds/1`);
    assert.deepEqual(Object.keys(payload).sort(), Object.keys(travis.payload()).sort());
    assert.equal(verifyTravisSignature(got.json, String(got.headers.signature), await configKey(travis)), true);
  });

  it('with badSignature, the Signature does not verify', async () => {
    const got = await deliver(travis, { badSignature: true });
    assert.equal(verifyTravisSignature(got.json, String(got.headers.signature), await configKey(travis)), false);
  });

  it('after rotateKey(), the old key no longer verifies a new signature, and /config answers the new one', async () => {
    const oldKey = await configKey(travis);
    travis.rotateKey();
    const newKey = await configKey(travis);
    assert.notEqual(newKey, oldKey);
    const got = await deliver(travis);
    assert.equal(verifyTravisSignature(got.json, String(got.headers.signature), oldKey), false);
    assert.equal(verifyTravisSignature(got.json, String(got.headers.signature), newKey), true);
  });

  it('payload() fills the documented keys from state and type, under the fields given', () => {
    const started = travis.payload({ state: 'started', id: 42, branch: 'feature' });
    assert.equal(started.status, null);
    assert.equal(started.result, null);
    assert.equal(started.status_message, 'Pending');
    assert.equal(started.finished_at, null);
    assert.equal(started.number, '42');
    assert.equal(started.branch, 'feature');
    assert.equal(started.pull_request, false);
    assert.equal(started.pull_request_number, null);
    assert.equal(started.tag, null);
    assert.deepEqual(Object.keys(started.repository).sort(), ['id', 'name', 'owner_name', 'url']);
    const passed = travis.payload();
    assert.equal(passed.status, 0);
    assert.equal(passed.status_message, 'Passed');
  });

  it('while down, fetch fails; it answers again once up', async () => {
    travis.down = true;
    await assert.rejects(fetch(`${travis.url}config`), TypeError);
    travis.down = false;
    await configKey(travis);
  });
});
