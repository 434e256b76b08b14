// forge.git.serve, as a transport plugin uses it (the carrier fixture): the same decision as
// git over HTTP for who may fetch or push, the same words when refused, and a git that
// speaks the whole conversation (not stateless) when allowed.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

const CARRIER_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/carrier', import.meta.url));

describeModes('forge.git.serve: git carried by a plugin', (mode) => {
  let t: TestForge;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [CARRIER_PLUGIN] });
    for (const name of ['alice', 'bob']) await t.createUser(name);
    await t.createProject('alice', 'pkg', { readme: true });
    await t.createProject('alice', 'secret', { private: true, readme: true });
  });
  after(() => t?.close());

  const serve = async (path: string, service: string, user?: string) =>
    (await t.api('GET', `/api/0/_carrier/serve?path=${encodeURIComponent(path)}&service=${service}${user ? `&user=${user}` : ''}`)).body;

  it('starts git for whoever may fetch, which advertises the refs', async () => {
    for (const path of ['pkg.git', '/pkg', 'pkg.git/']) {
      assert.deepEqual(await serve(path, 'upload-pack'), { ok: true, project: 'pkg', refs: ['refs/heads/main'] }, path);
    }
    assert.deepEqual(await serve('alice/secret.git', 'upload-pack', 'alice'), { ok: true, project: 'secret', refs: ['refs/heads/main'] });
  });

  it('refuses in the words of git over HTTP', async () => {
    assert.deepEqual(await serve('alice/secret.git', 'upload-pack'), {
      ok: false,
      reason: 'authenticate',
      message: 'Authentication required',
    });
    assert.deepEqual(await serve('alice/secret.git', 'upload-pack', 'bob'), {
      ok: false,
      reason: 'not-found',
      message: 'Repository not found',
    });
    assert.deepEqual(await serve('pkg.git', 'receive-pack', 'bob'), {
      ok: false,
      reason: 'forbidden',
      message: 'You are not allowed to push to pkg',
    });
    assert.deepEqual(await serve('pkg.git', 'receive-pack'), { ok: false, reason: 'authenticate', message: 'Authentication required' });
    for (const path of ['', '/', '../pkg.git', 'nothing/here/at/all.git']) {
      assert.deepEqual(
        await serve(path, 'upload-pack', 'alice'),
        { ok: false, reason: 'not-found', message: 'Repository not found' },
        path,
      );
    }
  });

  it('lets a committer push', async () => {
    assert.deepEqual(await serve('pkg.git', 'receive-pack', 'alice'), { ok: true, project: 'pkg', refs: ['refs/heads/main'] });
  });
});
