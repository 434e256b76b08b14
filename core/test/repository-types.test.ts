// Repository types (forge.git.defineRepositoryType), as the repotype fixture plugin defines
// "docs": every project gets /docs/<project>.git beside its main repository, made with it (a
// fork's empty), gone with it, made at the first push for a project older than the type;
// pulled by whoever sees the project, pushed by its committers only, read back by the plugin
// (a large file streamed).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, drainJobs, pushTo, type TestForge } from '../src/testing/index.js';
import { cloneUrl, gitRun, tempDir } from './support/git-client.js';

const REPOTYPE_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/repotype', import.meta.url));

describeModes('repository types: a docs repository per project', (mode) => {
  let t: TestForge;
  const auth: Record<string, Record<string, string>> = {};

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [REPOTYPE_PLUGIN] });
    for (const name of ['alice', 'bob']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
    await t.createProject('alice', 'pkg', { readme: true });
  });
  after(() => t?.close());

  const onDisk = (relative: string) => existsSync(t.forge.repositories.pathOf(relative));
  const docsFile = async (project: string, path: string) =>
    t.api<{ branch: string; text: string | null }>('GET', `/api/0/_repotype/file?project=${project}&path=${encodeURIComponent(path)}`);

  it('is made with the project, pushed by its committers, and read back by the plugin; the main repository is untouched', async () => {
    assert.ok(onDisk('docs/pkg.git'), 'made with the project');
    const mainBefore = await t.api<{ branches: string[] }>('GET', '/api/0/pkg/git/branches');
    const pushed = await pushTo(t, 'docs/pkg', { user: 'alice', files: { 'index.html': '<h1>Docs</h1>\n' }, message: 'Docs' });
    assert.equal(pushed.code, 0, pushed.stderr);
    const read = await docsFile('pkg', 'index.html');
    assert.deepEqual(read.body, { branch: 'main', text: '<h1>Docs</h1>\n' });
    assert.deepEqual((await t.api('GET', '/api/0/pkg/git/branches')).body, mainBefore.body);
    const main = await t.api<{ text: string | null }>('GET', '/api/0/pkg/raw/main/f/index.html');
    assert.equal(main.status, 404, 'the docs went to the docs repository only');
  });

  it('is cloned by anyone who sees the project; pushed only with commit access', async () => {
    const work = await tempDir();
    const clone = await gitRun(work, ['clone', '-q', cloneUrl(t.url, 'docs/pkg'), 'anon']);
    assert.equal(clone.code, 0, clone.stderr);
    const refused = await pushTo(t, 'docs/pkg', { user: 'bob', files: { 'index.html': 'defaced' } });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /403|not allowed to push to the docs of pkg/);
    const granted = await t.api('POST', '/api/0/pkg/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'commit' }, auth.alice);
    assert.equal(granted.status, 200);
    const allowed = await pushTo(t, 'docs/pkg', { user: 'bob', files: { 'guide.md': '# Guide\n' } });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal((await docsFile('pkg', 'guide.md')).body.text, '# Guide\n');
  });

  it('is hidden with a private project, and answers 404 for a repository that is not there', async () => {
    // A private project lives in its owner's namespace, as on Pagure.
    await t.createProject('alice', 'secret', { private: true });
    assert.ok(onDisk('docs/alice/secret.git'), 'made with the project');
    const work = await tempDir();
    const anonymous = await gitRun(work, ['-c', 'credential.helper=', 'clone', '-q', cloneUrl(t.url, 'docs/alice/secret'), 'anon'], {
      GIT_TERMINAL_PROMPT: '0',
    });
    assert.notEqual(anonymous.code, 0, 'no anonymous clone of a private project');
    const bob = await gitRun(work, ['clone', '-q', cloneUrl(t.url, 'docs/alice/secret', { user: 'bob', secret: 'bob-password1' }), 'bob']);
    assert.notEqual(bob.code, 0);
    assert.match(bob.stderr, /not found/i);
    const missing = await t.fetch('/docs/nothing.git/info/refs?service=git-upload-pack');
    assert.equal(missing.status, 401, 'as for a main repository: no telling what exists');
  });

  it('is made at the first push for a project older than the type', async () => {
    await rm(t.forge.repositories.pathOf('docs/pkg.git'), { recursive: true });
    const work = await tempDir();
    const fetch = await gitRun(work, ['clone', '-q', cloneUrl(t.url, 'docs/pkg', { user: 'alice', secret: 'alice-password1' }), 'a']);
    assert.notEqual(fetch.code, 0, 'nothing to clone yet');
    // A new local repository pushed to the URL, as the docs' author would.
    await gitRun(work, ['init', '-q', '-b', 'main', 'new']);
    const dir = `${work}/new`;
    await writeFile(`${dir}/index.rst`, 'Docs\n====\n');
    await gitRun(dir, ['add', '.']);
    await gitRun(dir, ['-c', 'user.name=Alice', '-c', 'user.email=alice@example.test', 'commit', '-qm', 'Docs']);
    const pushed = await gitRun(dir, ['push', '-q', cloneUrl(t.url, 'docs/pkg', { user: 'alice', secret: 'alice-password1' }), 'main']);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal((await docsFile('pkg', 'index.rst')).body.text, 'Docs\n====\n');
  });

  it('streams a large file whole', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024 - 1) + '\n';
    const pushed = await pushTo(t, 'docs/pkg', { user: 'alice', files: { 'big.txt': big } });
    assert.equal(pushed.code, 0, pushed.stderr);
    const response = await t.fetch('/api/0/_repotype/file?project=pkg&path=big.txt&stream=1');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('x-blob')!, new RegExp(`^[0-9a-f]{40} ${big.length}$`));
    assert.equal(await response.text(), big);
  });

  it('comes empty with a fork, and goes with its project', async () => {
    const forked = await t.api('POST', '/api/0/fork', { repo: 'pkg', wait: true }, auth.bob);
    assert.equal(forked.status, 200, JSON.stringify(forked.body));
    await drainJobs(t);
    assert.ok(onDisk('docs/forks/bob/pkg.git'));
    assert.equal((await docsFile('forks/bob/pkg', 'index.rst')).status, 404, 'empty');
    const deleted = await t.api('POST', '/api/0/fork/bob/pkg/delete', {}, auth.bob);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    await drainJobs(t);
    assert.ok(!onDisk('forks/bob/pkg.git'));
    assert.ok(!onDisk('docs/forks/bob/pkg.git'), 'gone with its project');
  });
});

describe('a repository type whose name could be a namespace', () => {
  it('stops the start, saying what to reserve', async () => {
    await assert.rejects(
      createTestForge({ plugins: [{ name: REPOTYPE_PLUGIN, options: { name: 'manuals' } }] }),
      /repository type "manuals": projects\.reserved must hold "manuals\/\*"/,
    );
  });
});
