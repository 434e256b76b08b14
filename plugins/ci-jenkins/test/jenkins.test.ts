// Pagure CI on a Jenkins stand-in (test/support/jenkins.ts, to Jenkins' documented API): a
// project's admin sets the job up; pull requests and pushes to chosen branches are built;
// Jenkins' notifications become flags (pending, success, failure); a wrong token, a build
// Jenkins does not know and a server that is down are handled; a comment or the button
// builds again; a project that requires the CI merges when ready only once it passed.
import assert from 'node:assert/strict';
import {
  createTestForge,
  describeModes,
  drainJobs,
  eventually,
  openPullRequest,
  PageClient,
  pushTo,
  type TestForge,
} from '@pagurus/core/testing';
import { JenkinsStandIn } from './support/jenkins.js';

interface Flag {
  username: string;
  status: string;
  comment: string;
  url: string;
}

describeModes('ci-jenkins: Pagure CI on Jenkins', (mode) => {
  let t: TestForge;
  let jenkins: JenkinsStandIn;
  const jobs: Record<string, { token?: string }> = {};
  const auth: Record<string, Record<string, string>> = {};
  let made = 0;

  before(async function () {
    this.timeout(120_000);
    jenkins = await new JenkinsStandIn({ users: { jenkins: 'api-token-1' }, csrf: true, jobs }).start();
    t = await createTestForge({
      mode,
      plugins: [{ name: '@pagurus/plugin-ci-jenkins', options: { attempts: 3, backoff_ms: 50, timeout_ms: 2_000 } }],
    });
    for (const name of ['alice', 'bob', 'carol']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
  });
  after(async () => {
    await t?.close();
    await jenkins?.stop();
  });

  /** A project with CI set up on its own job, and a pull request from a branch. */
  const project = async (settings: Record<string, unknown> = {}) => {
    const name = `ci${++made}`;
    await t.createProject('alice', name, { readme: true });
    const job = `job-${name}`;
    const res = await t.api<{ settings: { pagure_ci_token: string; ci_password: string } }>(
      'POST',
      `/api/0/${name}/plugins/ci-jenkins`,
      { ci_url: jenkins.url, ci_job: job, ci_username: 'jenkins', ci_password: 'api-token-1', ...settings },
      auth.alice,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const token = res.body.settings.pagure_ci_token;
    jobs[job] = { token };
    return {
      name,
      job,
      token,
      password: res.body.settings.ci_password,
      callback: `${t.url}/api/0/ci/jenkins/${name}/${token}/build-finished`,
    };
  };
  const openPr = async (name: string) =>
    (await openPullRequest(t, name, { user: 'alice', token: auth.alice!.Authorization!.slice('token '.length) })).id;
  const triggersOf = (job: string) => jenkins.triggers.filter((trigger) => trigger.job === job);
  const prFlags = async (name: string, id: number) =>
    (await t.api<{ flags: Flag[] }>('GET', `/api/0/${name}/pull-request/${id}/flag`)).body.flags;
  const flagShows = (name: string, id: number, status: string) =>
    eventually(async () => (await prFlags(name, id)).find((f) => f.username === 'Jenkins' && f.status === status), `a ${status} flag`);

  it("builds a new pull request with Pagure CI's parameters, and flags it pending, then successful", async () => {
    const p = await project();
    assert.equal(p.password, '********', 'the API token is not shown back');
    const id = await openPr(p.name);
    const [trigger] = await eventually(() => (triggersOf(p.job).length ? triggersOf(p.job) : undefined), 'the trigger');
    assert.deepEqual(trigger!.params, {
      token: p.token,
      REPO: `${t.url}/${p.name}.git`,
      BRANCH: 'feature',
      BRANCH_TO: 'main',
      cause: String(id),
    });
    assert.equal(trigger!.user, 'jenkins', 'with the user and API token');
    assert.ok(trigger!.crumb, 'with the crumb');
    assert.equal((await flagShows(p.name, id, 'pending')).comment, 'Build requested');

    assert.equal((await jenkins.notify(p.callback, p.job, trigger!.build, 'STARTED')).status, 200);
    await eventually(
      async () => (await prFlags(p.name, id)).find((f) => f.comment === `Build #${trigger!.build} in progress`),
      'in progress',
    );
    jenkins.finish(p.job, trigger!.build, 'SUCCESS');
    const done = await jenkins.notify(p.callback, p.job, trigger!.build, 'FINALIZED');
    assert.deepEqual([done.status, await done.json()], [200, {}]);
    const flag = await flagShows(p.name, id, 'success');
    assert.equal(flag.comment, `Build #${trigger!.build} successful`);
    assert.equal(flag.url, `${jenkins.url}job/${p.job}/${trigger!.build}/`);
    assert.equal((await prFlags(p.name, id)).filter((f) => f.username === 'Jenkins').length, 1, 'one flag, updated');
  });

  it('flags a failed build as a failure', async () => {
    const p = await project();
    const id = await openPr(p.name);
    const [trigger] = await eventually(() => (triggersOf(p.job).length ? triggersOf(p.job) : undefined), 'the trigger');
    jenkins.finish(p.job, trigger!.build, 'FAILURE');
    await jenkins.notify(p.callback, p.job, trigger!.build, 'FINALIZED');
    assert.equal((await flagShows(p.name, id, 'failure')).comment, `Build #${trigger!.build} failed`);
  });

  it('refuses a notification with a wrong token or for an unknown project, and flags nothing for a build Jenkins does not know', async () => {
    const p = await project();
    const id = await openPr(p.name);
    await flagShows(p.name, id, 'pending');
    const [trigger] = triggersOf(p.job);
    jenkins.finish(p.job, trigger!.build, 'SUCCESS');
    const wrong = await jenkins.notify(
      `${t.url}/api/0/ci/jenkins/${p.name}/${'0'.repeat(64)}/build-finished`,
      p.job,
      trigger!.build,
      'FINALIZED',
    );
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error_code: string }).error_code, 'EINVALIDTOK');
    const nowhere = await jenkins.notify(`${t.url}/api/0/ci/jenkins/nosuch/${p.token}/build-finished`, p.job, trigger!.build, 'FINALIZED');
    assert.equal(nowhere.status, 404);
    const bad = await t.fetch(`/api/0/ci/jenkins/${p.name}/${p.token}/build-finished`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ build: { number: 'x' } }),
    });
    assert.equal(bad.status, 400);
    const unknown = await t.fetch(new URL(p.callback).pathname, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: p.job, build: { number: 99, phase: 'FINALIZED', full_url: `${jenkins.url}job/${p.job}/99/` } }),
    });
    assert.equal(unknown.status, 200, 'answered at once: Jenkins is asked in a job');
    await drainJobs(t, 60_000);
    assert.deepEqual(
      (await prFlags(p.name, id)).map((f) => f.status),
      ['pending'],
      'still pending: nothing came of them',
    );
  });

  it('sets an error flag saying why when Jenkins stays down through the retries', async () => {
    const p = await project();
    jenkins.down = true;
    try {
      const id = await openPr(p.name);
      const flag = await flagShows(p.name, id, 'error');
      assert.match(flag.comment, /^Could not start the build: Jenkins at http:\/\/127\.0\.0\.1:\d+\/ did not answer/);
      assert.equal(triggersOf(p.job).length, 0);
    } finally {
      jenkins.down = false;
    }
  });

  it('builds again on "pretty please pagure-ci rebuild" from the author or a committer, and from the button', async () => {
    const p = await project();
    const id = await openPr(p.name);
    await eventually(() => (triggersOf(p.job).length === 1 ? true : undefined), 'the first build');
    await t.api('POST', `/api/0/${p.name}/pull-request/${id}/comment`, { comment: 'Pretty please  pagure-ci rebuild' }, auth.bob);
    await t.api('POST', `/api/0/${p.name}/pull-request/${id}/comment`, { comment: 'pretty please pagure-ci rebuild now' }, auth.alice);
    await drainJobs(t, 60_000);
    assert.equal(triggersOf(p.job).length, 1, 'not from a stranger, and only the exact phrase');
    await t.api('POST', `/api/0/${p.name}/pull-request/${id}/comment`, { comment: 'Pretty please pagure-ci rebuild' }, auth.alice);
    await eventually(() => (triggersOf(p.job).length === 2 ? true : undefined), 'the rebuild asked in a comment');

    const page = new PageClient(t);
    await page.logIn('alice');
    const form = await page.getForm(`/${p.name}/pull-request/${id}`);
    assert.match(form.html, /Built by Jenkins\./);
    const rebuilt = await page.post(`/${p.name}/ci-jenkins/rebuild`, { csrf_token: form.token, pull_request: String(id) });
    assert.equal(rebuilt.status, 302);
    await eventually(() => (triggersOf(p.job).length === 3 ? true : undefined), 'the rebuild from the button');
    const stranger = new PageClient(t);
    await stranger.logIn('bob');
    const refused = await stranger.post(`/${p.name}/ci-jenkins/rebuild`, {
      csrf_token: (await stranger.getForm(`/${p.name}/pull-request/${id}`)).token,
      pull_request: String(id),
    });
    assert.equal(refused.status, 403);
  });

  it('builds pushes to the branches listed, and flags the commit', async () => {
    const p = await project({ active_commit: 'main, f4*' });
    const pushed = await pushTo(t, p.name, { user: 'alice', files: { 'main.txt': 'x\n' } });
    const [trigger] = await eventually(() => (triggersOf(p.job).length ? triggersOf(p.job) : undefined), 'the trigger');
    assert.deepEqual([trigger!.params.BRANCH, trigger!.params.cause], ['main', pushed.commit]);
    await pushTo(t, p.name, { user: 'alice', files: { 'other.txt': 'x\n' }, branch: 'other' });
    jenkins.finish(p.job, trigger!.build, 'SUCCESS');
    await jenkins.notify(p.callback, p.job, trigger!.build, 'FINALIZED');
    await eventually(async () => {
      const flags = (await t.api<{ flags: Flag[] }>('GET', `/api/0/${p.name}/c/${pushed.commit}/flag`)).body.flags;
      return flags.find((f) => f.status === 'success');
    }, 'the commit flag');
    await drainJobs(t, 60_000);
    assert.equal(triggersOf(p.job).length, 1, 'a branch not listed is not built');
  });

  it('merges when ready only once Jenkins passed, for a project that requires it', async () => {
    const p = await project({ require_ci: true });
    const id = await openPr(p.name);
    const [trigger] = await eventually(() => (triggersOf(p.job).length ? triggersOf(p.job) : undefined), 'the trigger');
    const set = await t.api<{ merge_when_ready: { required: string[] } }>(
      'POST',
      `/api/0/${p.name}/pull-request/${id}/merge-when-ready`,
      {},
      auth.alice,
    );
    assert.deepEqual(set.body.merge_when_ready.required, ['Jenkins']);
    await t.api(
      'POST',
      `/api/0/${p.name}/pull-request/${id}/flag`,
      { username: 'Lint', status: 'success', comment: 'ok', url: 'https://lint.example.org/' },
      auth.carol,
    );
    await drainJobs(t, 60_000);
    assert.equal((await t.api<{ status: string }>('GET', `/api/0/${p.name}/pull-request/${id}`)).body.status, 'Open', 'waits for Jenkins');
    jenkins.finish(p.job, trigger!.build, 'SUCCESS');
    await jenkins.notify(p.callback, p.job, trigger!.build, 'FINALIZED');
    await eventually(
      async () =>
        (await t.api<{ status: string }>('GET', `/api/0/${p.name}/pull-request/${id}`)).body.status === 'Merged' ? true : undefined,
      'the merge',
    );
  });
});
