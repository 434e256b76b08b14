// forge.git, as a plugin uses it: the surface fixture's routes read a pushed repository's
// blobs, folders, log, refs and branches, and its lock holds core's branch writes back.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, tempDir, type TestForge } from '../src/testing/index.js';
import { pushContent, type PushedContent } from './support/repo-content.js';

const SURFACE_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/surface', import.meta.url));

interface Entry {
  name: string;
  path: string;
  type: string;
  mode: string;
  size?: number;
}

describeModes('forge.git, repositories as plugins read them', (mode) => {
  let t: TestForge;
  let pushed: PushedContent;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [SURFACE_PLUGIN] });
    await t.createUser('alice');
    await t.createProject('alice', 'code', { readme: true });
    await t.createProject('alice', 'empty');
    pushed = await pushContent(t.url, await tempDir(), 'code', { user: 'alice', secret: 'alice-password1' });
  });
  after(() => t?.close());

  const git = async <T>(query: string) => (await t.api<T>('GET', `/api/0/_surface/git?project=code&${query}`)).body;

  it('resolves branches, tags and abbreviated hashes to commits, and nothing else', async () => {
    assert.equal((await git<{ commit: string }>('op=resolve&ref=main')).commit, pushed.content);
    assert.equal((await git<{ commit: string }>('op=resolve&ref=feature/x')).commit, pushed.feature);
    assert.equal((await git<{ commit: string }>('op=resolve&ref=v0.2')).commit, pushed.first, 'an annotated tag, peeled');
    assert.equal((await git<{ commit: string }>(`op=resolve&ref=${pushed.feature.slice(0, 10)}`)).commit, pushed.feature);
    for (const ref of ['nope', '--all', 'main..feature/x', '']) {
      assert.equal((await git<{ commit: string | null }>(`op=resolve&ref=${encodeURIComponent(ref)}`)).commit, null, ref);
    }
    const empty = await t.api<{ commit: null }>('GET', '/api/0/_surface/git?project=empty&op=resolve&ref=main');
    assert.equal(empty.body.commit, null, 'an empty repository');
  });

  it('lists branches and the default branch', async () => {
    assert.deepEqual((await git<{ branches: unknown[] }>('op=branches')).branches, [
      { name: 'feature/x', commit: pushed.feature },
      { name: 'main', commit: pushed.content },
    ]);
    assert.deepEqual((await git<{ head: unknown }>('op=default')).head, { name: 'main', commit: pushed.content });
    const empty = await t.api<{ head: null }>('GET', '/api/0/_surface/git?project=empty&op=default');
    assert.equal(empty.body.head, null);
  });

  it('reads a blob at a ref and path, up to a limit', async () => {
    const guide = (await git<{ blob: { text: string; size: number; truncated: boolean } }>('op=blob&ref=main&path=docs/guide.md')).blob;
    assert.deepEqual(
      { text: guide.text, size: guide.size, truncated: guide.truncated },
      { text: '# Guide\n\nRead me.\n', size: 18, truncated: false },
    );
    const cut = (await git<{ blob: { text: string; size: number; truncated: boolean } }>('op=blob&ref=main&path=docs/guide.md&max=7')).blob;
    assert.deepEqual({ text: cut.text, size: cut.size, truncated: cut.truncated }, { text: '# Guide', size: 18, truncated: true });
    assert.equal((await git<{ blob: unknown }>('op=blob&ref=main&path=feature.txt')).blob, null, 'not on main');
    assert.equal((await git<{ blob: { text: string } }>('op=blob&ref=feature/x&path=feature.txt')).blob.text, 'feature\n');
    for (const path of ['docs', 'sub', '../etc/passwd', '/README.md', 'docs//guide.md', 'nope.txt']) {
      assert.equal((await git<{ blob: unknown }>(`op=blob&ref=main&path=${encodeURIComponent(path)}`)).blob, null, path);
    }
  });

  it('lists a folder, the root or a subfolder, and nothing for a file or a missing path', async () => {
    const root = (await git<{ entries: Entry[] }>('op=tree&ref=main')).entries;
    assert.deepEqual(
      root.map((e) => `${e.type} ${e.path}`),
      [
        'blob README.md',
        'tree bin',
        'blob data.bin',
        'tree dir with space',
        'tree docs',
        'blob empty.txt',
        'blob escape',
        'blob link.md',
        'blob logo.png',
        'blob page.html',
        'commit sub',
      ],
    );
    const docs = (await git<{ entries: Entry[] }>('op=tree&ref=main&path=docs')).entries;
    assert.deepEqual(
      docs.map((e) => ({ name: e.name, path: e.path, type: e.type })),
      [
        { name: 'deep', path: 'docs/deep', type: 'tree' },
        { name: 'guide.md', path: 'docs/guide.md', type: 'blob' },
      ],
    );
    assert.equal(docs[1]!.size, 18);
    assert.equal((await git<{ entries: Entry[] }>('op=tree&ref=main&path=bin')).entries[0]!.mode, '100755');
    assert.equal((await git<{ entries: unknown }>('op=tree&ref=main&path=README.md')).entries, null);
    assert.equal((await git<{ entries: unknown }>('op=tree&ref=main&path=nope')).entries, null);
    assert.equal((await git<{ entries: unknown }>('op=tree&ref=nope')).entries, null);
  });

  it('pages the log, newest first, optionally for one path', async () => {
    const log = (await git<{ log: Array<{ hash: string; subject: string; authorName: string }> }>('op=log&ref=feature/x')).log;
    assert.deepEqual(
      log.map((c) => c.hash),
      [pushed.feature, pushed.content, pushed.first],
    );
    assert.equal(log[0]!.subject, 'Feature');
    const page = (await git<{ log: Array<{ hash: string }> }>('op=log&ref=feature/x&skip=1&limit=1')).log;
    assert.deepEqual(
      page.map((c) => c.hash),
      [pushed.content],
    );
    const docs = (await git<{ log: Array<{ hash: string }> }>('op=log&ref=feature/x&path=docs')).log;
    assert.deepEqual(
      docs.map((c) => c.hash),
      [pushed.content],
    );
    assert.equal((await git<{ log: unknown }>('op=log&ref=nope')).log, null);
  });

  it("takes the repository's write lock: core's branch writes wait for it", async () => {
    const forge = t.forge.apiFor('surface');
    const project = (await forge.services.projects.find('code'))!;
    const token = { Authorization: `token ${await t.createToken('alice', ['create_branch'])}` };
    const order: string[] = [];
    let created: Promise<number> | undefined;
    await forge.git.withLock(project, async (dir) => {
      assert.match(dir, /code\.git$/);
      created = t
        .api('POST', '/api/0/code/git/branch', { branch: 'locked', from_commit: pushed.content }, token)
        .then((res) => (order.push('branch created'), res.status));
      // Round trips through the server: time enough for the request to reach the lock.
      for (let i = 0; i < 3; i += 1) await t.api('GET', '/api/0/version');
      const branches = (await git<{ branches: Array<{ name: string }> }>('op=branches')).branches.map((b) => b.name);
      assert.ok(!branches.includes('locked'), 'the branch waits for the lock');
      order.push('lock released');
    });
    assert.equal(await created, 200);
    assert.deepEqual(order, ['lock released', 'branch created']);
    assert.ok((await git<{ branches: Array<{ name: string }> }>('op=branches')).branches.some((b) => b.name === 'locked'));
  });
});
