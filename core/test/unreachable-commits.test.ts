// A commit no ref reaches (its branch was deleted) is never served: not on its page, not
// raw, not through the API, not fetched by its hash over git (protocol v0 or v2); gc
// prunes it once it is older than the expiry. Reachable commits are served as before.
import assert from 'node:assert/strict';
import { readdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';
import { git } from './support/git.js';
import { eventually } from './support/wait.js';

describeModes('unreachable commits', (mode) => {
  let t: TestForge;
  let work: string;
  let secret: string;
  let kept: string;
  const as = { user: 'alice', secret: 'alice-password1' };
  const dir = (name: string) => path.join(work, name);

  before(async function () {
    this.timeout(60_000);
    t = await createTestForge({ mode });
    work = await tempDir();
    await t.createUser('alice');
    await t.createProject('alice', 'leaky', { readme: true });
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'leaky', as), dir('leaky'));
    kept = await commitFile(dir('leaky'), 'public.txt', 'public\n', { message: 'A public change' });
    await gitOk(dir('leaky'), 'push', '-q', 'origin', 'HEAD:main');
    await gitOk(dir('leaky'), 'checkout', '-q', '-b', 'oops');
    secret = await commitFile(dir('leaky'), 'password.txt', 'hunter2\n', { message: 'Add the secret' });
    await gitOk(dir('leaky'), 'push', '-q', 'origin', 'oops');
    // While the branch exists, the commit is public.
    assert.equal((await t.fetch(`/leaky/c/${secret.slice(0, 7)}`)).status, 200);
    await gitOk(dir('leaky'), 'push', '-q', 'origin', ':oops');
  });
  after(() => t?.close());

  it('answers 404 for the commit page, by full hash and by prefix', async () => {
    assert.equal((await t.fetch(`/leaky/c/${secret}`)).status, 404);
    assert.equal((await t.fetch(`/leaky/c/${secret.slice(0, 5)}`)).status, 404);
    assert.equal((await t.fetch(`/leaky/c/${secret}.patch`)).status, 404);
    assert.equal((await t.fetch(`/leaky/tree/${secret}`)).status, 404);
    const kept_ = await t.fetch(`/leaky/c/${kept.slice(0, 7)}`);
    assert.equal(kept_.status, 200);
    assert.match(await kept_.text(), /A public change/);
  });

  it('answers 404 for raw views of the commit and its files', async () => {
    assert.equal((await t.fetch(`/leaky/raw/${secret}`)).status, 404);
    const file = await t.fetch(`/leaky/raw/${secret}/f/password.txt`);
    assert.equal(file.status, 404);
    assert.doesNotMatch(await file.text(), /hunter2/);
    assert.equal((await t.fetch(`/leaky/raw/${kept}/f/public.txt`)).status, 200);
  });

  it('answers ENOCOMMIT in the API, and serves reachable commits', async () => {
    const info = await t.api<{ error_code: string }>('GET', `/api/0/leaky/c/${secret}/info`);
    assert.equal(info.status, 404);
    assert.equal(info.body.error_code, 'ENOCOMMIT');
    const tree = await t.api('GET', `/api/0/leaky/tree/${secret}`);
    assert.equal(tree.status, 404);
    const ok = await t.api<{ hash: string }>('GET', `/api/0/leaky/c/${kept}/info`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.hash, kept);
  });

  for (const version of [0, 2]) {
    it(`refuses a fetch of the commit by its hash over protocol v${version}, and fetches a reachable one`, async () => {
      const client = dir(`fetch-v${version}`);
      await gitOk(work, 'init', '-q', client);
      const url = cloneUrl(t.url, 'leaky');
      const refused = await gitRun(client, ['-c', `protocol.version=${version}`, 'fetch', '--no-write-fetch-head', url, secret]);
      assert.notEqual(refused.code, 0, 'the fetch fails');
      assert.match(refused.stderr, /not our ref/);
      assert.notEqual((await gitRun(client, ['cat-file', '-e', secret])).code, 0, 'the secret did not arrive');
      await gitOk(client, '-c', `protocol.version=${version}`, 'fetch', '-q', '--no-write-fetch-head', url, kept);
      await gitOk(client, 'cat-file', '-e', kept);
    });
  }

  it('still clones over protocol v2', async () => {
    await gitOk(work, '-c', 'protocol.version=2', 'clone', '-q', cloneUrl(t.url, 'leaky'), dir('clone-v2'));
    assert.equal(await gitOk(dir('clone-v2'), 'log', '-1', '--format=%s'), 'A public change');
  });

  it('prunes the commit on the gc after a push that left it unreachable, once it is old enough', async () => {
    const repo = t.forge.repositories.pathOf('leaky.git');
    // The pushed objects are loose (a small push); make them older than the expiry.
    const objects = path.join(repo, 'objects');
    const past = new Date(Date.now() - 3 * 3600_000);
    for (const folder of readdirSync(objects).filter((name) => /^[0-9a-f]{2}$/.test(name))) {
      for (const file of readdirSync(path.join(objects, folder))) utimesSync(path.join(objects, folder, file), past, past);
    }
    assert.equal(git(repo, 'cat-file', '-t', secret), 'commit', 'still on disk');
    // Another branch pushed and deleted: its push's gc finds commits no ref reaches.
    await gitOk(dir('leaky'), 'checkout', '-q', '-b', 'other', 'origin/main');
    await commitFile(dir('leaky'), 'other.txt', 'other\n');
    await gitOk(dir('leaky'), 'push', '-q', 'origin', 'other');
    await gitOk(dir('leaky'), 'push', '-q', 'origin', ':other');
    await eventually(async () => (await gitRun(repo, ['cat-file', '-e', secret])).code !== 0, 'the secret commit to be pruned', 30_000);
    assert.equal(git(repo, 'cat-file', '-t', kept), 'commit', 'reachable commits stay');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'leaky'), dir('after-gc'));
  });
});
