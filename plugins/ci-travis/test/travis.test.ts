// Travis CI on a Travis stand-in (test/support/travis.ts, to Travis' documented API v3 and
// webhooks): a project's admin names the repository on Travis; pull requests and pushes to
// chosen branches are requested as builds; Travis' signed notifications become flags
// (pending, success, failure); a wrong token, a bad signature, a rotated key and a Travis
// that is down are handled; a comment or the button builds again; a project that requires
// the CI merges when ready only once it passed.
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
import { TravisStandIn, type TravisPayload } from './support/travis.js';

interface Flag {
  username: string;
  status: string;
  comment: string;
  url: string;
}

const API_TOKEN = 'travis-api-token';

describeModes('ci-travis: Travis CI', (mode) => {
  let t: TestForge;
  let travis: TravisStandIn;
  const auth: Record<string, Record<string, string>> = {};
  let made = 0;

  before(async function () {
    this.timeout(120_000);
    travis = await new TravisStandIn({ token: API_TOKEN }).start();
    t = await createTestForge({
      mode,
      plugins: [{ name: '@pagurus/plugin-ci-travis', options: { attempts: 3, backoff_ms: 50, timeout_ms: 2_000 } }],
    });
    for (const name of ['alice', 'bob', 'carol']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
  });
  after(async () => {
    await t?.close();
    await travis?.stop();
  });

  /** A project with Travis set up on its own Travis repository. */
  const project = async (settings: Record<string, unknown> = {}) => {
    const name = `travis${++made}`;
    await t.createProject('alice', name, { readme: true });
    const slug = `alice/${name}`;
    const res = await t.api<{ settings: { pagure_ci_token: string; api_token: string } }>(
      'POST',
      `/api/0/${name}/plugins/ci-travis`,
      { travis_url: travis.url, repo_slug: slug, api_token: API_TOKEN, ...settings },
      auth.alice,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const token = res.body.settings.pagure_ci_token;
    return { name, slug, token, apiToken: res.body.settings.api_token, hook: `${t.url}/api/0/ci/travis/${name}/${token}/notify` };
  };
  type Project = Awaited<ReturnType<typeof project>>;
  const openPr = async (name: string) =>
    (await openPullRequest(t, name, { user: 'alice', token: auth.alice!.Authorization!.slice('token '.length) })).id;
  const headOf = async (name: string, id: number) =>
    (await t.api<{ commit_stop: string }>('GET', `/api/0/${name}/pull-request/${id}`)).body.commit_stop;
  const requestsOf = (slug: string) => travis.requests.filter((request) => request.slug === slug);
  const requested = (slug: string, count = 1) =>
    eventually(() => (requestsOf(slug).length >= count ? requestsOf(slug) : undefined), `build request ${count}`);
  /** A notification of a build of `commit`, signed as Travis signs it. */
  const notify = (p: Project, fields: Partial<TravisPayload>, options: { badSignature?: boolean } = {}) =>
    travis.notify(
      p.hook,
      travis.payload({ repository: { id: made, name: p.name, owner_name: 'alice', url: `${t.url}/${p.name}` }, ...fields }),
      options,
    );
  const prFlags = async (name: string, id: number) =>
    (await t.api<{ flags: Flag[] }>('GET', `/api/0/${name}/pull-request/${id}/flag`)).body.flags;
  const flagShows = (name: string, id: number, status: string, comment?: string) =>
    eventually(
      async () =>
        (await prFlags(name, id)).find(
          (f) => f.username === 'Travis CI' && f.status === status && (comment === undefined || f.comment === comment),
        ),
      `a ${status} flag`,
    );

  it('requests a build of a new pull request with the token, its branch, a message and the env, and flags it pending, then passed', async () => {
    const p = await project();
    assert.equal(p.apiToken, '********', 'the API token is not shown back');
    const id = await openPr(p.name);
    // The stand-in records a request only with `Travis-API-Version: 3` and `Authorization: token <API_TOKEN>`.
    const [request] = await requested(p.slug);
    assert.deepEqual(request, {
      slug: p.slug,
      branch: 'feature',
      message: `Pagurus: pull request #${id}: Feature`,
      config: {
        env: {
          global: [`PAGURUS_REPO=${t.url}/${p.name}.git`, 'PAGURUS_BRANCH=feature', 'PAGURUS_BRANCH_TO=main', `PAGURUS_CAUSE=${id}`],
        },
      },
      id: request!.id,
    });
    const pending = await flagShows(p.name, id, 'pending');
    assert.deepEqual([pending.comment, pending.url], ['Build requested', `${travis.url}${p.slug}`]);

    const commit = await headOf(p.name, id);
    const started = await notify(p, { id: 41, state: 'started', type: 'pull_request', commit });
    assert.deepEqual([started.status, await started.json()], [200, {}]);
    await flagShows(p.name, id, 'pending', 'Build #41 in progress');
    await notify(p, { id: 41, state: 'passed', type: 'pull_request', commit });
    const flag = await flagShows(p.name, id, 'success');
    assert.equal(flag.comment, 'Build #41 passed');
    assert.equal(flag.url, `${travis.url}alice/${p.name}/builds/41`);
    assert.equal((await prFlags(p.name, id)).filter((f) => f.username === 'Travis CI').length, 1, 'one flag, updated');
  });

  it('flags a failed build as a failure', async () => {
    const p = await project();
    const id = await openPr(p.name);
    await flagShows(p.name, id, 'pending');
    await notify(p, { id: 42, state: 'failed', commit: await headOf(p.name, id) });
    assert.equal((await flagShows(p.name, id, 'failure')).comment, 'Build #42 failed');
  });

  it('refuses a notification with a wrong token, for an unknown project, or without payload or signature; flags nothing for a bad signature or an unknown commit', async () => {
    const p = await project();
    const id = await openPr(p.name);
    await flagShows(p.name, id, 'pending');
    const commit = await headOf(p.name, id);
    const wrong = await travis.notify(`${t.url}/api/0/ci/travis/${p.name}/${'0'.repeat(64)}/notify`, travis.payload({ commit }));
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error_code: string }).error_code, 'EINVALIDTOK');
    const nowhere = await travis.notify(`${t.url}/api/0/ci/travis/nosuch/${p.token}/notify`, travis.payload({ commit }));
    assert.equal(nowhere.status, 404);
    assert.equal(((await nowhere.json()) as { error_code: string }).error_code, 'ENOPROJECT');
    const path = new URL(p.hook).pathname;
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const unsigned = await t.fetch(path, { method: 'POST', headers: form, body: new URLSearchParams({ payload: '{}' }).toString() });
    const empty = await t.fetch(path, { method: 'POST', headers: { ...form, Signature: 'c2ln' }, body: 'other=1' });
    for (const res of [unsigned, empty]) {
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error_code: string }).error_code, 'EINVALIDREQ');
    }
    const forged = await notify(p, { state: 'passed', commit }, { badSignature: true });
    assert.equal(forged.status, 200, 'answered at once: the signature is checked in a job');
    // Signed, but of a commit the repository lacks, or of no commit at all.
    assert.equal((await notify(p, { state: 'passed', commit: 'f'.repeat(40) })).status, 200);
    assert.equal((await notify(p, { state: 'passed', commit: 'not a commit' })).status, 200);
    await drainJobs(t, 60_000);
    assert.deepEqual(
      (await prFlags(p.name, id)).map((f) => f.status),
      ['pending'],
      'still pending: nothing came of them',
    );
  });

  it("fetches Travis' key again when a signature does not verify with the one it has, as after a rotation", async () => {
    const p = await project();
    const id = await openPr(p.name);
    await flagShows(p.name, id, 'pending');
    const commit = await headOf(p.name, id);
    await notify(p, { id: 43, state: 'started', commit });
    await flagShows(p.name, id, 'pending', 'Build #43 in progress');
    const fetched = travis.configFetches;
    travis.rotateKey();
    await notify(p, { id: 43, state: 'passed', commit });
    assert.equal((await flagShows(p.name, id, 'success')).comment, 'Build #43 passed');
    assert.equal(travis.configFetches, fetched + 1, 'the key was fetched once more');
  });

  it('sets an error flag saying why when Travis stays down through the retries, or refuses the token', async () => {
    const p = await project();
    travis.down = true;
    try {
      const id = await openPr(p.name);
      const flag = await flagShows(p.name, id, 'error');
      assert.match(flag.comment, /^Could not start the build: Travis at http:\/\/127\.0\.0\.1:\d+\/ did not answer/);
      assert.equal(requestsOf(p.slug).length, 0);
    } finally {
      travis.down = false;
    }
    const refused = await project({ api_token: 'not-the-token' });
    const id = await openPr(refused.name);
    const flag = await flagShows(refused.name, id, 'error');
    assert.equal(flag.comment, 'Could not start the build: Travis refused the build request: HTTP 403 (login required)');
    assert.equal(requestsOf(refused.slug).length, 0);
  });

  it('builds again on "pretty please pagure-ci rebuild" from the author, not from a stranger, and from the button', async () => {
    const p = await project();
    const id = await openPr(p.name);
    await requested(p.slug);
    await t.api('POST', `/api/0/${p.name}/pull-request/${id}/comment`, { comment: 'Pretty please  pagure-ci rebuild' }, auth.bob);
    await t.api('POST', `/api/0/${p.name}/pull-request/${id}/comment`, { comment: 'pretty please pagure-ci rebuild now' }, auth.alice);
    await drainJobs(t, 60_000);
    assert.equal(requestsOf(p.slug).length, 1, 'not from a stranger, and only the exact phrase');
    await t.api('POST', `/api/0/${p.name}/pull-request/${id}/comment`, { comment: 'Pretty please pagure-ci rebuild' }, auth.alice);
    const [, again] = await requested(p.slug, 2);
    assert.equal(again!.branch, 'feature');

    const page = new PageClient(t);
    await page.logIn('alice');
    const form = await page.getForm(`/${p.name}/pull-request/${id}`);
    assert.match(form.html, /Built by Travis CI\./);
    const rebuilt = await page.post(`/${p.name}/ci-travis/rebuild`, { csrf_token: form.token, pull_request: String(id) });
    assert.equal(rebuilt.status, 302);
    await requested(p.slug, 3);
  });

  it('builds pushes to the branches listed, and flags the commit', async () => {
    const p = await project({ active_commit: 'main, f4*' });
    const pushed = await pushTo(t, p.name, { user: 'alice', files: { 'main.txt': 'x\n' } });
    assert.equal(pushed.code, 0, pushed.stderr);
    const [request] = await requested(p.slug);
    assert.equal(request!.branch, 'main');
    assert.equal(request!.message, 'Pagurus: push to main');
    assert.deepEqual((request!.config as { env: { global: string[] } }).env.global.slice(1), [
      'PAGURUS_BRANCH=main',
      'PAGURUS_BRANCH_TO=',
      `PAGURUS_CAUSE=${pushed.commit}`,
    ]);
    await pushTo(t, p.name, { user: 'alice', files: { 'other.txt': 'x\n' }, branch: 'other' });
    await notify(p, { id: 44, state: 'passed', commit: pushed.commit });
    const flag = await eventually(async () => {
      const flags = (await t.api<{ flags: Flag[] }>('GET', `/api/0/${p.name}/c/${pushed.commit}/flag`)).body.flags;
      return flags.find((f) => f.username === 'Travis CI' && f.status === 'success');
    }, 'the commit flag');
    assert.equal(flag.comment, 'Build #44 passed');
    await drainJobs(t, 60_000);
    assert.equal(requestsOf(p.slug).length, 1, 'a branch not listed is not built');
  });

  it('merges when ready only once Travis passed, for a project that requires it', async () => {
    const p = await project({ require_ci: true });
    const id = await openPr(p.name);
    await requested(p.slug);
    await flagShows(p.name, id, 'pending');
    const set = await t.api<{ merge_when_ready: { required: string[] } }>(
      'POST',
      `/api/0/${p.name}/pull-request/${id}/merge-when-ready`,
      {},
      auth.alice,
    );
    assert.deepEqual(set.body.merge_when_ready.required, ['Travis CI']);
    await t.api(
      'POST',
      `/api/0/${p.name}/pull-request/${id}/flag`,
      { username: 'Lint', status: 'success', comment: 'ok', url: 'https://lint.example.org/' },
      auth.carol,
    );
    await drainJobs(t, 60_000);
    assert.equal((await t.api<{ status: string }>('GET', `/api/0/${p.name}/pull-request/${id}`)).body.status, 'Open', 'waits for Travis');
    await notify(p, { id: 45, state: 'passed', type: 'pull_request', commit: await headOf(p.name, id) });
    await eventually(
      async () =>
        (await t.api<{ status: string }>('GET', `/api/0/${p.name}/pull-request/${id}`)).body.status === 'Merged' ? true : undefined,
      'the merge',
    );
  });

  it('refuses a repository that is not owner/name', async () => {
    await t.createProject('alice', 'badslug', { readme: true });
    const res = await t.api<{ error_code: string; errors: Record<string, string[]> }>(
      'POST',
      '/api/0/badslug/plugins/ci-travis',
      { repo_slug: 'just-a-name' },
      auth.alice,
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error_code, 'EINVALIDREQ');
    assert.ok(res.body.errors.repo_slug, JSON.stringify(res.body));
  });
});
