// Tests of the Jenkins stand-in itself (test/support/jenkins.ts), over real HTTP on loopback,
// so the plugin's tests can trust it to answer as Jenkins does.
import assert from 'node:assert/strict';
import { startStubServer } from '@pagurus/core/testing';
import { JenkinsStandIn } from './support/jenkins.js';

const ALICE = `Basic ${Buffer.from('alice:alice-api-token').toString('base64')}`;
const PARAMS = { REPO: 'https://pagurus.example/forks/bob/vim.git', BRANCH: 'feature', BRANCH_TO: 'main', cause: '7' };

describe('ci-jenkins: the Jenkins stand-in', () => {
  let jenkins: JenkinsStandIn;

  beforeEach(async () => {
    jenkins = await new JenkinsStandIn({
      users: { alice: 'alice-api-token' },
      csrf: true,
      jobs: { vim: { token: 'trigger-token' }, open: {} },
    }).start();
  });
  afterEach(async () => {
    await jenkins.stop();
  });

  /** Gets a crumb as python-jenkins does before a POST. */
  async function crumb(): Promise<string> {
    const res = await fetch(`${jenkins.url}crumbIssuer/api/json`, { headers: { Authorization: ALICE } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { _class: string; crumb: string; crumbRequestField: string };
    assert.equal(body._class, 'hudson.security.csrf.DefaultCrumbIssuer');
    assert.equal(body.crumbRequestField, 'Jenkins-Crumb');
    assert.match(body.crumb, /^[0-9a-f]+$/);
    return body.crumb;
  }

  /** POSTs buildWithParameters with the parameters in the query string, as python-jenkins' build_job does. */
  function trigger(job: string, params: Record<string, string>, headers: Record<string, string>): Promise<Response> {
    return fetch(`${jenkins.url}job/${job}/buildWithParameters?${new URLSearchParams(params).toString()}`, { method: 'POST', headers });
  }

  it('records a trigger made with auth and a crumb, with its params, and queues build 1, 2, ...', async () => {
    const issued = await crumb();
    const res = await trigger('vim', { token: 'trigger-token', ...PARAMS }, { Authorization: ALICE, 'Jenkins-Crumb': issued });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `${jenkins.url}queue/item/1/`);
    assert.equal(await res.text(), '');
    assert.deepEqual(jenkins.triggers, [
      { job: 'vim', params: { token: 'trigger-token', ...PARAMS }, user: 'alice', crumb: issued, queueId: 1, build: 1 },
    ]);

    // Form-encoded parameters in the body work too; the next build is #2.
    const form = await fetch(`${jenkins.url}job/vim/buildWithParameters`, {
      method: 'POST',
      headers: { Authorization: ALICE, 'Jenkins-Crumb': await crumb(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'trigger-token', ...PARAMS, BRANCH: 'other' }),
    });
    assert.equal(form.status, 201);
    assert.equal(jenkins.triggers[1]?.build, 2);
    assert.equal(jenkins.triggers[1]?.params.BRANCH, 'other');
  });

  it('refuses a wrong job token (403) and an unknown job (404), recording nothing', async () => {
    const wrong = await trigger('vim', { token: 'nope', ...PARAMS }, { Authorization: ALICE, 'Jenkins-Crumb': await crumb() });
    assert.equal(wrong.status, 403);
    const missing = await trigger('vim', PARAMS, { Authorization: ALICE, 'Jenkins-Crumb': await crumb() });
    assert.equal(missing.status, 403);
    const unknown = await trigger('emacs', PARAMS, { Authorization: ALICE, 'Jenkins-Crumb': await crumb() });
    assert.equal(unknown.status, 404);
    assert.deepEqual(jenkins.triggers, []);
  });

  it('refuses a POST without a crumb, or with one it never issued (403)', async () => {
    const none = await trigger('vim', { token: 'trigger-token', ...PARAMS }, { Authorization: ALICE });
    assert.equal(none.status, 403);
    const forged = await trigger('vim', { token: 'trigger-token', ...PARAMS }, { Authorization: ALICE, 'Jenkins-Crumb': 'f00d' });
    assert.equal(forged.status, 403);
    assert.deepEqual(jenkins.triggers, []);
  });

  it('refuses requests without auth or with a wrong API token (401)', async () => {
    const anonymous = await fetch(`${jenkins.url}crumbIssuer/api/json`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
    const wrong = await fetch(`${jenkins.url}crumbIssuer/api/json`, {
      headers: { Authorization: `Basic ${Buffer.from('alice:guess').toString('base64')}` },
    });
    assert.equal(wrong.status, 401);
    const post = await trigger('vim', { token: 'trigger-token', ...PARAMS }, {});
    assert.equal(post.status, 401);
    assert.deepEqual(jenkins.triggers, []);
  });

  it("answers a build's api/json while it builds and once finished; 404 for an unknown build", async () => {
    await trigger('vim', { token: 'trigger-token', ...PARAMS }, { Authorization: ALICE, 'Jenkins-Crumb': await crumb() });
    const get = async () => {
      const res = await fetch(`${jenkins.url}job/vim/1/api/json?depth=0`, { headers: { Authorization: ALICE } });
      assert.equal(res.status, 200);
      return (await res.json()) as Record<string, unknown>;
    };
    const parameters = Object.entries(PARAMS).map(([name, value]) => ({ _class: 'hudson.model.StringParameterValue', name, value }));
    const expected = {
      _class: 'hudson.model.FreeStyleBuild',
      number: 1,
      queueId: 1,
      url: `${jenkins.url}job/vim/1/`,
      fullDisplayName: 'vim #1',
      actions: [{ _class: 'hudson.model.ParametersAction', parameters }],
    };
    assert.deepEqual(await get(), { ...expected, result: null, building: true });
    jenkins.finish('vim', 1, 'UNSTABLE');
    assert.deepEqual(await get(), { ...expected, result: 'UNSTABLE', building: false });

    const unknown = await fetch(`${jenkins.url}job/vim/2/api/json`, { headers: { Authorization: ALICE } });
    assert.equal(unknown.status, 404);
  });

  it("notify() POSTs the Notification plugin's JSON to the callback URL", async () => {
    await trigger('vim', { token: 'trigger-token', ...PARAMS }, { Authorization: ALICE, 'Jenkins-Crumb': await crumb() });
    const build = {
      full_url: `${jenkins.url}job/vim/1/`,
      number: 1,
      queue_id: 1,
      url: 'job/vim/1/',
      scm: {},
      parameters: PARAMS,
      log: '',
      artifacts: {},
    };

    const hook = await startStubServer();
    try {
      const res = await jenkins.notify(`${hook.url}/api/0/ci/jenkins/hook`, 'vim', 1, 'STARTED');
      assert.equal(res.status, 200);
      jenkins.finish('vim', 1, 'SUCCESS');
      await jenkins.notify(`${hook.url}/api/0/ci/jenkins/hook`, 'vim', 1, 'FINALIZED');
      const [started, finalized] = await hook.waitForRequests(2);
      assert.equal(started?.method, 'POST');
      assert.equal(started.url, '/api/0/ci/jenkins/hook');
      assert.equal(started.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(started.text), {
        name: 'vim',
        display_name: 'vim',
        url: 'job/vim/',
        build: { ...build, phase: 'STARTED' },
      });
      assert.deepEqual(JSON.parse(finalized?.text ?? ''), {
        name: 'vim',
        display_name: 'vim',
        url: 'job/vim/',
        build: { ...build, phase: 'FINALIZED', status: 'SUCCESS' },
      });
    } finally {
      await hook.close();
    }
  });

  it('while down, fetch fails; it answers again once up', async () => {
    jenkins.down = true;
    await assert.rejects(fetch(`${jenkins.url}crumbIssuer/api/json`, { headers: { Authorization: ALICE } }), TypeError);
    jenkins.down = false;
    await crumb();
  });

  it('without users or csrf: no auth, no crumb issuer (404), and a job without a token triggers', async () => {
    const open = await new JenkinsStandIn({ jobs: { open: {} } }).start();
    try {
      const issuer = await fetch(`${open.url}crumbIssuer/api/json`);
      assert.equal(issuer.status, 404);
      const res = await fetch(`${open.url}job/open/buildWithParameters?REPO=r&BRANCH=b`, { method: 'POST' });
      assert.equal(res.status, 201);
      assert.deepEqual(open.triggers, [{ job: 'open', params: { REPO: 'r', BRANCH: 'b' }, queueId: 1, build: 1 }]);
    } finally {
      await open.stop();
    }
  });
});
