// The repository URLs clients use outside the API: raw files and diffs, blob pages whose
// status says whether a file exists, and a commit's .patch and .diff.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { gitOk, tempDir } from './support/git-client.js';
import { pushContent, type PushedContent } from './support/repo-content.js';

/** Logs in through the form and returns the Cookie header of the session. */
async function logIn(t: TestForge, username: string): Promise<string> {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
  };
  const header = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const form = await t.fetch('/login');
  keep(form);
  const token = (await form.text()).match(/name="csrf_token" value="([^"]+)"/)?.[1];
  assert.ok(token);
  const res = await t.fetch('/login', {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: header() },
    body: new URLSearchParams({ username, password: `${username}-password1`, next: '/', csrf_token: token }).toString(),
  });
  assert.equal(res.status, 302);
  keep(res);
  return header();
}

describeModes('raw files, blob pages and patches', (mode) => {
  let t: TestForge;
  let hello: PushedContent;
  let big: Buffer;
  let aliceCookie: string;
  let carolCookie: string;

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    const work = await tempDir();
    for (const name of ['alice', 'bob', 'carol']) await t.createUser(name);
    await t.createProject('alice', 'hello', { readme: true });
    await t.createProject('alice', 'empty');
    await t.createProject('alice', 'secret', { readme: true, private: true });
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    hello = await pushContent(t.url, work, 'hello', { user: 'alice', secret: 'alice-password1' });
    big = Buffer.alloc(3 * 1024 * 1024 + 17, 'pagurus ');
    await writeFile(`${hello.dir}/big.txt`, big);
    await gitOk(hello.dir, 'add', 'big.txt');
    await gitOk(hello.dir, 'commit', '-q', '-m', 'A big file');
    await gitOk(hello.dir, 'push', '-q', 'origin', 'main');
    const bob = { Authorization: `token ${await t.createToken('bob', 'all')}` };
    assert.equal((await t.api('POST', '/api/0/fork', { repo: 'pkg', namespace: 'rpms', wait: true }, bob)).status, 200);
    aliceCookie = await logIn(t, 'alice');
    carolCookie = await logIn(t, 'carol');
  });
  after(() => t?.close());

  const get = (path: string, init: RequestInit = {}) => t.fetch(path, init);

  describe('/<repo>/raw/<ref>/f/<path>', () => {
    it("serves a file's bytes with a sensible type and length", async () => {
      const res = await get('/hello/raw/main/f/docs/guide.md', { headers: { Accept: 'text/plain' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(res.headers.get('content-length'), '18');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(await res.text(), '# Guide\n\nRead me.\n');
      const head = await get('/hello/raw/main/f/big.txt', { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(big.length));
      assert.equal((await get('/hello/raw/main/f/nothing', { method: 'HEAD' })).status, 404);
    });

    it('serves binary files untouched, images as images, pages as downloads', async () => {
      const binary = await get('/hello/raw/main/f/data.bin');
      assert.equal(binary.headers.get('content-type'), 'application/octet-stream');
      assert.deepEqual(Buffer.from(await binary.arrayBuffer()), hello.binary);
      assert.equal((await get('/hello/raw/main/f/logo.png')).headers.get('content-type'), 'image/png');
      const page = await get('/hello/raw/main/f/page.html');
      assert.equal(page.headers.get('content-type'), 'application/octet-stream');
      assert.match(page.headers.get('content-disposition') ?? '', /^attachment; filename="page.html"/);
      const empty = await get('/hello/raw/main/f/empty.txt');
      assert.equal(empty.status, 200);
      assert.equal(await empty.text(), '');
    });

    it('streams a large file whole', async () => {
      const res = await get('/hello/raw/main/f/big.txt');
      assert.equal(res.headers.get('content-length'), String(big.length));
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(big));
    });

    it('finds files by branch (with a slash), commit, short commit and tag, under every path', async () => {
      for (const path of [
        '/hello/raw/feature/x/f/feature.txt',
        `/hello/raw/${hello.feature}/f/feature.txt`,
        `/hello/raw/${hello.feature.slice(0, 7)}/f/feature.txt`,
        '/hello/raw/v0.1/f/docs/deep/note.txt',
        '/hello/raw/main/f/dir%20with%20space/a%20b.txt',
        '/rpms/pkg/raw/main/f/README.md',
        '/fork/bob/rpms/pkg/raw/main/f/README.md',
      ]) {
        assert.equal((await get(path)).status, 200, path);
      }
    });

    it('follows a symbolic link to a file beside it, once, and no further', async () => {
      assert.equal(await (await get('/hello/raw/main/f/link.md')).text(), await (await get('/hello/raw/main/f/README.md')).text());
      assert.equal(await (await get('/hello/raw/main/f/escape')).text(), '../etc/passwd', 'the link itself, not its target');
    });

    it('answers 404 for what is not there, and for anything outside the repository', async () => {
      const paths = [
        '/hello/raw/main/f/nothing',
        '/hello/raw/main/f/docs',
        '/hello/raw/main/f/sub',
        '/hello/raw/nope/f/README.md',
        '/hello/raw/main/f/..%2F..%2F..%2Fetc%2Fpasswd',
        '/hello/raw/main/f/%2Fetc%2Fpasswd',
        '/hello/raw/main/f/docs%2F..%2FREADME.md',
        '/hello/raw/main/f/a%00b',
        '/hello/raw/main%00/f/README.md',
        '/hello/raw/HEAD~1/f/README.md',
        '/hello/raw/--output=x/f/README.md',
        `/hello/raw/main/f/${'d/'.repeat(3000)}x`,
        `/hello/raw/${'b'.repeat(300)}/f/README.md`,
        '/empty/raw/main/f/README.md',
        '/nothing/raw/main/f/README.md',
        '/alice/secret/raw/main/f/README.md',
      ];
      for (const path of paths) assert.equal((await get(path)).status, 404, path);
    });

    it("shows a private project's files to its members only", async () => {
      assert.equal((await get('/alice/secret/raw/main/f/README.md', { headers: { Cookie: carolCookie } })).status, 404);
      assert.equal((await get('/alice/secret/raw/main/f/README.md', { headers: { Cookie: aliceCookie } })).status, 200);
    });
  });

  describe('/<repo>/raw/<ref>', () => {
    it('serves what a commit changed as a diff; a first commit adds everything', async () => {
      const res = await get(`/hello/raw/${hello.feature}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const diff = await res.text();
      assert.match(diff, /^diff --git a\/feature.txt b\/feature.txt\nnew file mode 100644\n/);
      assert.match(diff, /\n\+feature\n$/);
      assert.match(await (await get(`/hello/raw/${hello.first}`)).text(), /^diff --git a\/README.md b\/README.md\nnew file mode 100644/);
      assert.equal((await get('/hello/raw/nope')).status, 404);
    });
  });

  describe('/<repo>/blob/<ref>/f/<path>', () => {
    it('answers 200 for a file or folder that exists, to GET and HEAD', async () => {
      for (const path of [
        '/hello/blob/main/f/README.md',
        '/hello/blob/feature/x/f/feature.txt',
        '/hello/blob/main/f/docs',
        '/hello/blob/main/f/data.bin',
        '/rpms/pkg/blob/main/f/README.md',
        '/fork/bob/rpms/pkg/blob/main/f/README.md',
      ]) {
        const got = await get(path);
        assert.equal(got.status, 200, path);
        assert.match(got.headers.get('content-type') ?? '', /^text\/html/);
        assert.equal((await get(path, { method: 'HEAD' })).status, 200, `HEAD ${path}`);
      }
    });

    it('shows the text of a file, escaped, and the entries of a folder', async () => {
      const page = await (await get('/hello/blob/main/f/page.html')).text();
      // Highlighted: the text is escaped inside colour spans.
      assert.match(page.replace(/<span[^>]*>|<\/span>/g, ''), /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.doesNotMatch(page, /<script>alert/);
      assert.match(page, new RegExp(`href="${t.url}/hello/raw/main/f/page.html"`));
      const folder = await (await get('/hello/blob/main/f/docs')).text();
      assert.match(folder, /href="\/hello\/blob\/main\/f\/docs\/deep">deep<\/a>/);
      assert.match(folder, /href="\/hello\/blob\/main\/f\/docs\/guide.md">guide.md<\/a>/);
    });

    it('answers 404 for a file, branch or project that is not there, to GET and HEAD', async () => {
      const paths = [
        '/hello/blob/main/f/dead.package',
        '/hello/blob/nope/f/README.md',
        '/hello/blob/main',
        '/empty/blob/main/f/README.md',
        '/hello/blob/main/f/..%2FREADME.md',
        '/hello/blob/main/f/a%00b',
        '/alice/secret/blob/main/f/README.md',
        '/nothing/blob/main/f/x',
      ];
      for (const path of paths) {
        assert.equal((await get(path)).status, 404, path);
        assert.equal((await get(path, { method: 'HEAD' })).status, 404, `HEAD ${path}`);
      }
      assert.equal((await get('/alice/secret/blob/main/f/README.md', { method: 'HEAD', headers: { Cookie: aliceCookie } })).status, 200);
    });
  });

  describe('/<repo>/c/<hash>.patch and .diff', () => {
    it('serves a commit as a patch with a mail header, and as a plain diff', async () => {
      const patch = await get(`/hello/c/${hello.feature}.patch`);
      assert.equal(patch.status, 200);
      assert.equal(patch.headers.get('content-type'), 'text/plain; charset=utf-8');
      const text = await patch.text();
      assert.match(
        text,
        new RegExp(
          `^From ${hello.feature} Mon Sep 17 00:00:00 2001\nFrom: Test Author <author@example.test>\nDate: [A-Z][a-z]{2} \\d\\d \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000\nSubject: Feature\n\n\n---\n\ndiff --git a/feature.txt b/feature.txt\n`,
        ),
      );
      assert.match(text, /\+feature\n\n$/);
      const diff = await (await get(`/hello/c/${hello.feature.slice(0, 8)}.diff`)).text();
      assert.match(diff, /^diff --git a\/feature.txt b\/feature.txt\n/);
      assert.match(await (await get(`/hello/c/${hello.content}.patch`)).text(), /\nSubject: Add content\n\n\nWith a body.\n\n---\n/);
    });

    it('answers 404 for an unknown commit, a tree, or a project one may not see', async () => {
      const tree = await gitOk(hello.dir, 'rev-parse', `${hello.content}^{tree}`);
      for (const path of [
        `/hello/c/${'0'.repeat(40)}.patch`,
        `/hello/c/${tree}.diff`,
        '/hello/c/main.patch',
        `/alice/secret/c/${hello.first}.patch`,
      ]) {
        assert.equal((await get(path)).status, 404, path);
      }
    });
  });
});
