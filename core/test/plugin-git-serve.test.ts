// forge.git.serve, as a transport plugin uses it (the carrier fixture): the same decision as
// git over HTTP for who may fetch or push, the same words when refused, and a git that
// speaks the whole conversation (not stateless) when allowed. A project's deploy key, which
// no user holds, fetches its one project and, with push access, pushes to it under the
// same push policy, in Pagure's name for it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ForgeEvent, PushSummary } from '@pagurus/core';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';

const CARRIER_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/carrier', import.meta.url));
const CLIENT = fileURLToPath(new URL('./fixtures/plugins/carrier/client.mjs', import.meta.url));

describeModes('forge.git.serve: git carried by a plugin', (mode) => {
  let t: TestForge;
  let pkgId: number;
  let secretId: number;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [CARRIER_PLUGIN, FIXTURE_PLUGIN] });
    for (const name of ['alice', 'bob']) await t.createUser(name);
    pkgId = (await t.createProject('alice', 'pkg', { readme: true })).id;
    secretId = (await t.createProject('alice', 'secret', { private: true, readme: true })).id;
  });
  after(() => t?.close());

  const serve = async (path: string, service: string, who: { user?: string; deploy?: string } = {}) => {
    const query = `path=${encodeURIComponent(path)}&service=${service}${who.user ? `&user=${who.user}` : ''}${who.deploy ? `&deploy=${who.deploy}` : ''}`;
    return (await t.api('GET', `/api/0/_carrier/serve?${query}`)).body;
  };

  it('starts git for whoever may fetch, which advertises the refs', async () => {
    for (const path of ['pkg.git', '/pkg', 'pkg.git/']) {
      assert.deepEqual(await serve(path, 'upload-pack'), { ok: true, project: 'pkg', refs: ['refs/heads/main'] }, path);
    }
    assert.deepEqual(await serve('alice/secret.git', 'upload-pack', { user: 'alice' }), {
      ok: true,
      project: 'secret',
      refs: ['refs/heads/main'],
    });
  });

  it('refuses in the words of git over HTTP', async () => {
    assert.deepEqual(await serve('alice/secret.git', 'upload-pack'), {
      ok: false,
      reason: 'authenticate',
      message: 'Authentication required',
    });
    assert.deepEqual(await serve('alice/secret.git', 'upload-pack', { user: 'bob' }), {
      ok: false,
      reason: 'not-found',
      message: 'Repository not found',
    });
    assert.deepEqual(await serve('pkg.git', 'receive-pack', { user: 'bob' }), {
      ok: false,
      reason: 'forbidden',
      message: 'You are not allowed to push to pkg',
    });
    assert.deepEqual(await serve('pkg.git', 'receive-pack'), { ok: false, reason: 'authenticate', message: 'Authentication required' });
    for (const path of ['', '/', '../pkg.git', 'nothing/here/at/all.git']) {
      assert.deepEqual(
        await serve(path, 'upload-pack', { user: 'alice' }),
        { ok: false, reason: 'not-found', message: 'Repository not found' },
        path,
      );
    }
  });

  it('lets a committer push', async () => {
    assert.deepEqual(await serve('pkg.git', 'receive-pack', { user: 'alice' }), { ok: true, project: 'pkg', refs: ['refs/heads/main'] });
  });

  it('lets a deploy key fetch its own project, private or not, push only with push access, and reach nothing else', async () => {
    const reader = `7:${secretId}`;
    assert.deepEqual(await serve('alice/secret.git', 'upload-pack', { deploy: reader }), {
      ok: true,
      project: 'secret',
      refs: ['refs/heads/main'],
    });
    assert.deepEqual(await serve('alice/secret.git', 'receive-pack', { deploy: reader }), {
      ok: false,
      reason: 'forbidden',
      message: 'This deploy key may only read secret',
    });
    assert.deepEqual(await serve('alice/secret.git', 'receive-pack', { deploy: `${reader}:push` }), {
      ok: true,
      project: 'secret',
      refs: ['refs/heads/main'],
    });
    for (const service of ['upload-pack', 'receive-pack']) {
      assert.deepEqual(
        await serve('pkg.git', service, { deploy: `${reader}:push` }),
        { ok: false, reason: 'not-found', message: 'Repository not found' },
        service,
      );
    }
  });

  describe('a whole conversation, over the carrier', () => {
    let url: (path: string, who: string) => string;
    let work: string;

    before(async () => {
      const { port } = (await t.api<{ port: number }>('POST', '/api/0/_carrier/listen')).body;
      url = (path, who) => `ext::node ${CLIENT} ${port} %S ${path} ${who}`;
      work = await tempDir();
    });

    const git = (cwd: string, args: string[]) => gitRun(cwd, ['-c', 'protocol.ext.allow=always', ...args]);
    const events = async () => (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;
    const pushes = async () => (await t.api<{ pushes: PushSummary[] }>('GET', '/api/0/_fixture/pushes')).body.pushes;

    it('pushes with a deploy key as a committer would: the hooks, the events and the pushed hook name the key', async function () {
      this.timeout(60_000);
      const key = `12:${pkgId}:push`;
      const cloned = await git(work, ['clone', '-q', url('pkg.git', `deploy:${key}`), 'pkg']);
      assert.equal(cloned.code, 0, cloned.stderr);
      const dir = path.join(work, 'pkg');
      await gitOk(dir, 'config', 'protocol.ext.allow', 'always');
      const head = await commitFile(dir, 'built.txt', 'by the mirror\n');
      const pushed = await gitRun(dir, ['push', '-q', 'origin', 'main']);
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.deepEqual(await serve('pkg.git', 'upload-pack'), { ok: true, project: 'pkg', refs: ['refs/heads/main'] });
      const branches = await t.api<{ branches: Record<string, string> }>('GET', '/api/0/pkg/git/branches?with_commits=true');
      assert.equal(branches.body.branches.main, head);

      await t.drainEvents();
      const receive = (await events()).find((e) => e.topic === 'git.receive' && (e.body as { end_commit?: string }).end_commit === head);
      assert.ok(receive, 'git.receive was sent');
      assert.equal(receive.agent, 'deploykey_pkg_12', "Pagure's name for the key");
      assert.equal((receive.body as { agent: string }).agent, 'deploykey_pkg_12');
      const push = (await pushes()).find((p) => p.refs.some((r) => r.newRev === head));
      assert.deepEqual({ user: push?.user, deployKey: push?.deployKey }, { user: { name: 'deploykey_pkg_12' }, deployKey: { id: 12 } });

      // The push policy and canPush judge it as any push: the default branch stays, and a
      // plugin may tell a deploy key from a person.
      const deleted = await gitRun(dir, ['push', 'origin', ':main']);
      assert.notEqual(deleted.code, 0);
      assert.match(deleted.stderr, /remote: {3}refs\/heads\/main: main is the default branch of pkg and cannot be deleted/);
      const vetoed = await gitRun(dir, ['push', 'origin', 'main:people-only']);
      assert.notEqual(vetoed.code, 0);
      assert.match(vetoed.stderr, /fixture refuses deploy key 12 \(deploykey_pkg_12\) on refs\/heads\/people-only/);
      const other = await gitRun(dir, ['push', 'origin', 'main:elsewhere']);
      assert.equal(other.code, 0, other.stderr);
    });

    it('refuses a read-only deploy key at the push, with its message, and moves nothing', async function () {
      this.timeout(60_000);
      const dir = path.join(work, 'pkg');
      const before = await t.api<{ branches: Record<string, string> }>('GET', '/api/0/pkg/git/branches?with_commits=true');
      await commitFile(dir, 'again.txt', 'again\n');
      const refused = await gitRun(dir, ['push', url('pkg.git', `deploy:13:${pkgId}`), 'main']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /^This deploy key may only read pkg$/m);
      const after = await t.api<{ branches: Record<string, string> }>('GET', '/api/0/pkg/git/branches?with_commits=true');
      assert.deepEqual(after.body, before.body);
    });
  });

  it("keeps deploy keys' names from users", async () => {
    await assert.rejects(
      t.forge.services.users.create({ name: 'deploykey_pkg_12', email: 'dk@example.test', password: 'secret-password1' }),
      (error: Error & { body?: { errors?: Record<string, string[]> } }) => {
        assert.match(JSON.stringify(error), /User names starting with deploykey_ are kept for deploy keys/);
        return true;
      },
    );
  });
});
