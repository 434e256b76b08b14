// Branch aliases (symbolic refs made through git/alias/new) with the real git client: git
// follows an alias when a push writes it, so the push rules judge, and the events name, the
// branch actually written; deleting an alias through a push is refused (git would delete
// its target instead).
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import type { ForgeEvent, PushSummary } from '@pagurus/core';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';

describeModes('branch aliases and pushes', (mode) => {
  let t: TestForge;
  let work: string;
  let auth: { Authorization: string };
  const as = (user: string) => ({ user, secret: `${user}-password1` });
  const dir = (name: string) => path.join(work, name);

  async function events(): Promise<ForgeEvent[]> {
    return (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;
  }

  async function eventually(match: (event: ForgeEvent) => boolean, what: string): Promise<ForgeEvent> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const found = (await events()).find(match);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `no ${what} event arrived; got: ${(await events()).map((e) => `${e.topic} ${JSON.stringify(e.body).slice(0, 80)}`).join(', ')}`,
    );
  }

  async function remoteRefs(): Promise<Map<string, string>> {
    const out = await gitOk(work, 'ls-remote', cloneUrl(t.url, 'rpms/pkg', as('alice')));
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t').reverse() as [string, string]),
    );
  }

  async function aliases(): Promise<Record<string, string>> {
    const answer = await t.api<Record<string, string>>('GET', '/api/0/rpms/pkg/git/alias');
    assert.equal(answer.status, 200);
    return answer.body;
  }

  async function alias(from: string, to: string): Promise<void> {
    const made = await t.api('POST', '/api/0/rpms/pkg/git/alias/new', { alias_from: from, alias_to: to }, auth);
    assert.equal(made.status, 200, JSON.stringify(made.body));
  }

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    work = await tempDir();
    for (const name of ['alice', 'bob']) await t.createUser(name);
    const project = await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    const owner = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
    await t.forge.services.grants.change(owner, project, { kind: 'user', name: 'bob', level: 'collaborator', branches: ['epel*'] });
    auth = { Authorization: `token ${await t.createToken('alice', ['modify_project'])}` };
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'rpms/pkg', as('alice')), dir('alice'));
    await gitOk(dir('alice'), 'push', '-q', 'origin', 'main:feature', 'main:legacy');
    await alias('rawhide', 'main');
    await alias('epel10', 'main');
    await alias('devel', 'feature');
    await alias('epel8', 'legacy');
    const set = await t.api('POST', '/api/0/rpms/pkg/options/update', { block_non_fast_forward: 'main' }, auth);
    assert.equal(set.status, 200, JSON.stringify(set.body));
  });
  after(() => t?.close());

  it('moves the target of an alias on a push, and the events, the pushed hook and the activity name the target', async () => {
    await gitOk(dir('alice'), 'fetch', '-q', 'origin');
    const onFeature = await commitFile(dir('alice'), 'feature.txt', 'f\n');
    const pushed = await gitRun(dir('alice'), ['push', 'origin', 'HEAD:devel']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const refs = await remoteRefs();
    assert.equal(refs.get('refs/heads/feature'), onFeature);
    assert.equal((await aliases())['refs/heads/devel'], 'refs/heads/feature', 'the alias stays an alias');
    const receive = await eventually(
      (e) => e.topic === 'git.receive' && (e.body as { end_commit?: string }).end_commit === onFeature,
      'git.receive',
    );
    assert.equal((receive.body as { branch: string }).branch, 'feature');
    const pushes = (await t.api<{ pushes: PushSummary[] }>('GET', '/api/0/_fixture/pushes')).body.pushes;
    const push = pushes.find((p) => p.refs.some((r) => r.newRev === onFeature))!;
    assert.deepEqual(
      push.refs.map((r) => r.ref),
      ['refs/heads/feature'],
    );

    // A fast-forward through rawhide is a push to main: its commits count as main's.
    await gitOk(dir('alice'), 'reset', '-q', '--hard', 'origin/main');
    const onMain = await commitFile(dir('alice'), 'main.txt', 'm\n', { author: { name: 'Alice', email: 'alice@example.test' } });
    await gitOk(dir('alice'), 'push', '-q', 'origin', 'HEAD:rawhide');
    assert.equal((await remoteRefs()).get('refs/heads/main'), onMain);
    const toMain = await eventually(
      (e) => e.topic === 'git.receive' && (e.body as { end_commit?: string }).end_commit === onMain,
      'git.receive',
    );
    assert.equal((toMain.body as { branch: string }).branch, 'main');
    const today = new Date().toISOString().slice(0, 10);
    const day = await t.api<{ activities: Array<{ ref_id: string; type: string }> }>('GET', `/api/0/user/alice/activity/${today}`);
    assert.ok(
      day.body.activities.some((a) => a.type === 'committed' && a.ref_id === onMain),
      JSON.stringify(day.body),
    );
  });

  it('refuses a forced push through an alias when its target is protected', async () => {
    const main = (await remoteRefs()).get('refs/heads/main')!;
    await gitOk(dir('alice'), 'fetch', '-q', 'origin');
    await gitOk(dir('alice'), 'reset', '-q', '--hard', 'origin/main');
    await gitOk(dir('alice'), 'commit', '-q', '--amend', '-m', 'Rewritten');
    const forced = await gitRun(dir('alice'), ['push', '--force', 'origin', 'HEAD:rawhide']);
    assert.notEqual(forced.code, 0);
    assert.match(
      forced.stderr,
      /refs\/heads\/rawhide \(an alias of refs\/heads\/main\): main is protected in rpms\/pkg: non fast-forward pushes are refused/,
    );
    assert.equal((await remoteRefs()).get('refs/heads/main'), main);
    await gitOk(dir('alice'), 'reset', '-q', '--hard', 'origin/main');
  });

  it('keeps a collaborator to their branch patterns whatever alias they push to', async () => {
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'rpms/pkg', as('bob')), dir('bob'));
    await commitFile(dir('bob'), 'bob.txt', 'bob\n');
    const before = await remoteRefs();
    const viaAlias = await gitRun(dir('bob'), ['push', 'origin', 'HEAD:epel10']);
    assert.notEqual(viaAlias.code, 0);
    assert.match(
      viaAlias.stderr,
      /refs\/heads\/epel10 \(an alias of refs\/heads\/main\): bob may not push to the branch main of rpms\/pkg/,
    );
    assert.equal((await remoteRefs()).get('refs/heads/main'), before.get('refs/heads/main'));

    // An alias whose target was deleted: a push to it would create the target.
    await gitOk(dir('alice'), 'push', '-q', 'origin', ':legacy');
    assert.equal((await remoteRefs()).has('refs/heads/legacy'), false);
    const dangling = await gitRun(dir('bob'), ['push', 'origin', 'HEAD:epel8']);
    assert.notEqual(dangling.code, 0);
    assert.match(
      dangling.stderr,
      /refs\/heads\/epel8 \(an alias of refs\/heads\/legacy\): bob may not push to the branch legacy of rpms\/pkg/,
    );
    assert.equal((await remoteRefs()).has('refs/heads/legacy'), false);

    await gitOk(dir('bob'), 'push', '-q', 'origin', 'HEAD:epel9');
    assert.ok((await remoteRefs()).has('refs/heads/epel9'), 'their own branches still take pushes');
  });

  it('refuses to delete an alias through a push, which would delete its target', async () => {
    for (const name of ['rawhide', 'devel']) {
      const deleted = await gitRun(dir('alice'), ['push', 'origin', `:${name}`]);
      assert.notEqual(deleted.code, 0);
      const target = name === 'rawhide' ? 'main' : 'feature';
      assert.match(
        deleted.stderr,
        new RegExp(`refs/heads/${name}: ${name} is an alias of ${target}; delete the alias through the API \\(git/alias/drop\\)`),
      );
    }
    const refs = await remoteRefs();
    assert.ok(refs.has('refs/heads/main') && refs.has('refs/heads/feature'));
    const branches = await t.api<{ branches: string[]; default: string }>('GET', '/api/0/rpms/pkg/git/branches');
    assert.equal(branches.body.default, 'main');
    assert.ok(branches.body.branches.includes('main'));
    assert.equal((await aliases())['refs/heads/rawhide'], 'refs/heads/main');

    // The API drops the alias alone.
    const dropped = await t.api<Record<string, string>>(
      'POST',
      '/api/0/rpms/pkg/git/alias/drop',
      { alias_from: 'devel', alias_to: 'feature' },
      auth,
    );
    assert.equal(dropped.status, 200);
    assert.equal(dropped.body['refs/heads/devel'], undefined);
    assert.ok((await remoteRefs()).has('refs/heads/feature'));
  });
});
