// The CI kit (defineCi) through a fixture plugin: which events ask for a build and what the
// plugin's trigger is told; the pending flag, a reported result on the pull request whose
// head the commit is, the error flag after the last try; rebuild phrases; pushes to listed
// branches only.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, drainJobs, eventually, openPullRequest, pushTo, type TestForge } from '../src/testing/index.js';

const CI_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/ci', import.meta.url));

interface Build {
  project: string;
  kind: string;
  cause: string;
  repoUrl: string;
  branch: string;
  branchTo: string | null;
  commit: string;
}
interface Flag {
  username: string;
  status: string;
  comment: string;
}

describeModes('the CI kit (defineCi)', (mode) => {
  let t: TestForge;
  const auth: Record<string, Record<string, string>> = {};
  let made = 0;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [CI_PLUGIN], config: { namespaces: ['rpms'] } });
    for (const name of ['alice', 'bob']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
  });
  after(() => t?.close());

  const project = async (settings: Record<string, unknown>) => {
    const name = `kit${++made}-${mode === 'embedded' ? 'e' : 's'}`;
    await t.createProject('alice', name, { readme: true });
    assert.equal((await t.api('POST', `/api/0/${name}/plugins/ci`, settings, auth.alice)).status, 200);
    return name;
  };
  const openPr = (name: string) =>
    openPullRequest(t, name, {
      user: 'alice',
      token: auth.alice!.Authorization!.slice('token '.length),
      files: { 'f.txt': 'x\n' },
      title: 'F',
    });
  const buildsOf = async (name: string) =>
    (await t.api<{ builds: Build[] }>('GET', '/api/0/_ci/builds')).body.builds.filter((b) => b.project === name);
  const flagsOf = async (name: string, id: number) =>
    (await t.api<{ flags: Flag[] }>('GET', `/api/0/${name}/pull-request/${id}/flag`)).body.flags;

  it('asks the plugin to build a new pull request, flags it pending, and shows the result reported for its head', async () => {
    const name = await project({ server: 'up' });
    const { id, commit } = await openPr(name);
    const [build] = await eventually(async () => ((await buildsOf(name)).length ? buildsOf(name) : undefined), 'the build');
    assert.deepEqual(build, {
      project: name,
      kind: 'pull-request',
      cause: String(id),
      repoUrl: `${t.url}/${name}.git`,
      branch: 'feature',
      branchTo: 'main',
      commit,
      pullRequest: { id, title: 'F' },
    });
    await eventually(
      async () => (await flagsOf(name, id)).find((f) => f.status === 'pending' && f.comment === 'Build requested'),
      'pending',
    );
    await t.api('POST', '/api/0/_ci/report', { project: name, commit, status: 'success' });
    assert.deepEqual(
      (await flagsOf(name, id)).map((f) => [f.username, f.status, f.comment]),
      [['Fixture CI', 'success', 'Build success']],
      "the commit's result is the pull request's: one flag, updated",
    );
  });

  it('sets an error flag saying why after the last try', async () => {
    const name = await project({ server: 'down' });
    const { id } = await openPr(name);
    const flag = await eventually(async () => (await flagsOf(name, id)).find((f) => f.status === 'error'), 'the error flag');
    assert.equal(flag.comment, 'Could not start the build: the server did not answer');
  });

  it('builds again on a rebuild phrase from the author, not from a stranger; pushes only to listed branches', async () => {
    const name = await project({ server: 'up', active_commit: 'rel-*' });
    const { id } = await openPr(name);
    await eventually(async () => ((await buildsOf(name)).length === 1 ? true : undefined), 'the first build');
    await t.api('POST', `/api/0/${name}/pull-request/${id}/comment`, { comment: 'Please rebuild' }, auth.bob);
    await pushTo(t, name, { user: 'alice', files: { 'g.txt': 'x\n' }, branch: 'other' });
    await drainJobs(t, 60_000);
    assert.equal((await buildsOf(name)).length, 1, 'neither a stranger nor an unlisted branch');
    await t.api('POST', `/api/0/${name}/pull-request/${id}/comment`, { comment: '  please   REBUILD ' }, auth.alice);
    const release = await pushTo(t, name, { user: 'alice', files: { 'h.txt': 'x\n' }, branch: 'rel-1' });
    const builds = await eventually(
      async () => ((await buildsOf(name)).length === 3 ? buildsOf(name) : undefined),
      'the rebuild and the push',
    );
    const push = builds.find((b) => b.kind === 'push')!;
    assert.deepEqual([push.branch, push.branchTo, push.cause], ['rel-1', null, release.commit]);
  });

  it("takes the service's callback under every form of a project's name, with its token only", async () => {
    await t.createProject('alice', 'called', { namespace: 'rpms' });
    const answer = await t.api<{ settings: { pagure_ci_token: string } }>(
      'POST',
      '/api/0/rpms/called/plugins/ci',
      { server: 'up' },
      auth.alice,
    );
    const token = answer.body.settings.pagure_ci_token;
    assert.match(token, /^[0-9a-f]{64}$/);
    const fork = await t.api('POST', '/api/0/fork', { repo: 'called', namespace: 'rpms' }, auth.bob);
    assert.equal(fork.status, 200);
    const forkToken = (
      await t.api<{ settings: { pagure_ci_token: string } }>('POST', '/api/0/fork/bob/rpms/called/plugins/ci', { server: 'up' }, auth.bob)
    ).body.settings.pagure_ci_token;
    const call = (path: string) => t.api<Record<string, unknown>>('POST', `/api/0/ci/fixture/${path}/done`, {});
    assert.deepEqual((await call(`rpms/called/${token}`)).body, { project: 'called', namespace: 'rpms', fork: false });
    assert.deepEqual((await call(`forks/bob/rpms/called/${forkToken}`)).body, { project: 'called', namespace: 'rpms', fork: true });
    const wrong = await call(`rpms/called/${forkToken}`);
    assert.deepEqual([wrong.status, wrong.body.error_code], [401, 'EINVALIDTOK'], "another project's token");
    assert.deepEqual([(await call(`rpms/nosuch/${token}`)).status, (await call('rpms')).status], [404, 404]);
  });
});
