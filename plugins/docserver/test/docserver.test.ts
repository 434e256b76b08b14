// The documentation server, loaded as the host loads it, in both modes: the forge serves the
// docs itself on the plugin's `port`. A docs repository pushed over git with HTML, Markdown,
// reStructuredText, an image, a folder without an index and a large file; each is served as it
// should be, with the isolation headers, ETags and 304s; a push is served at once; a private
// project's docs are not; the Docs tab shows where project_documentation is on.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, freePort, PageClient, pushTo, type TestForge } from '@pagurus/core/testing';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const BIG = Buffer.alloc(3 * 1024 * 1024 + 17, 'abcdefghij');

describeModes("docserver: each project's docs on their own origin", (mode) => {
  let t: TestForge;
  let docs: string;
  let auth: Record<string, string>;

  before(async function () {
    this.timeout(120_000);
    const port = await freePort();
    // The forge is at 127.0.0.1, the docs at localhost: two hosts, so no cookie is shared.
    docs = `http://localhost:${port}`;
    t = await createTestForge({
      mode,
      listen: true,
      plugins: [{ name: '@pagurus/plugin-docserver', options: { doc_url: docs, port } }],
      config: { namespaces: ['rpms'] },
    });
    await t.createUser('alice');
    auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    await t.createProject('alice', 'guide', { readme: true });
    const pushed = await pushTo(t, 'docs/guide', {
      user: 'alice',
      message: 'Docs',
      files: {
        'index.html': '<!DOCTYPE html><title>Guide</title><h1>The guide</h1><script>document.title = "ran"</script>\n',
        'usage.md': '# Usage\n\nRun `guide --help`. See ![logo](logo.png).\n',
        'manual.rst': 'Manual\n======\n\nSome *emphasis* and ``code``.\n\n.. raw:: html\n\n   <b>raw</b>\n',
        'logo.png': PNG,
        'big.bin': BIG,
        'ref/a.txt': 'A\n',
        'ref/b.json': '{"b": 1}\n',
        'ref/inner/c.txt': 'C\n',
        'howto/README.md': '# How to\n',
      },
    });
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  after(() => t?.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${docs}${path}`, { headers, redirect: 'manual' });

  /** What every answer of the doc server carries, whatever it is. */
  const assertIsolated = (response: Response, what: string) => {
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/, what);
    assert.match(csp, /connect-src 'self'/, what);
    assert.match(csp, /frame-src 'none'/, what);
    assert.match(csp, /frame-ancestors 'none'/, what);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(response.headers.get('set-cookie'), null, `${what}: no cookie set`);
  };

  it("serves a folder's index.html as it is", async () => {
    const response = await get('/guide/', { Cookie: 'pagurus_session=stolen' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assertIsolated(response, 'index');
    assert.match(await response.text(), /<h1>The guide<\/h1><script>/);
    const root = await get('/guide');
    assert.equal(root.status, 301);
    assert.equal(root.headers.get('location'), '/guide/');
  });

  it('renders Markdown and reStructuredText (without its raw HTML), and serves other files with their type', async () => {
    const usage = await get('/guide/usage.md');
    assert.equal(usage.status, 200);
    assert.equal(usage.headers.get('content-type'), 'text/html; charset=utf-8');
    const usageHtml = await usage.text();
    assert.match(usageHtml, /<h1>Usage<\/h1>/);
    assert.match(usageHtml, /<code>guide --help<\/code>/);
    assert.match(usageHtml, /<img src="logo.png" alt="logo"/);
    const manual = await (await get('/guide/manual.rst')).text();
    assert.match(manual, /<h1 class="title">Manual<\/h1>/);
    assert.match(manual, /<em>emphasis<\/em>/);
    assert.doesNotMatch(manual, /<b>raw<\/b>/, 'raw HTML is off');
    const logo = await get('/guide/logo.png');
    assert.equal(logo.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await logo.arrayBuffer()), PNG);
    const json = await get('/guide/ref/b.json');
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    assertIsolated(json, 'a JSON file');
  });

  it('lists a folder without an index, shows README.md for one, and answers 404 for what is not there', async () => {
    const ref = await get('/guide/ref/');
    assert.equal(ref.status, 200);
    const html = await ref.text();
    assert.match(html, /<a href="inner\/">inner\/<\/a>/);
    assert.match(html, /<a href="a\.txt">a\.txt<\/a><\/td><td>2 bytes/);
    assert.match(html, /<a href="b\.json">b\.json<\/a>/);
    assert.ok(html.indexOf('inner/') < html.indexOf('a.txt'), 'folders first');
    const bare = await get('/guide/ref');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/guide/ref/');
    assert.match(await (await get('/guide/howto/')).text(), /<h1>How to<\/h1>/);
    assert.equal(await (await get('/guide/ref/inner/c.txt')).text(), 'C\n');
    for (const path of ['/guide/nothing.html', '/guide/ref/nothing/', '/nobody/', '/guide/..%2f..%2fetc/passwd', '/', '/fork/x/guide/']) {
      const missing = await get(path);
      assert.equal(missing.status, 404, path);
      assertIsolated(missing, path);
    }
    const posted = await fetch(`${docs}/guide/`, { method: 'POST' });
    assert.equal(posted.status, 405);
  });

  it('answers 304 to a matching ETag, and streams a large file whole', async () => {
    const first = await get('/guide/usage.md');
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[0-9a-f]{40}-markdown"$/);
    const again = await get('/guide/usage.md', { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assertIsolated(again, '304');
    const big = await get('/guide/big.bin');
    assert.equal(big.status, 200);
    assert.equal(big.headers.get('content-length'), String(BIG.length));
    assert.ok(Buffer.from(await big.arrayBuffer()).equals(BIG));
    const head = await fetch(`${docs}/guide/big.bin`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(BIG.length));
  });

  it('serves a push at once', async () => {
    const before = await get('/guide/usage.md');
    const pushed = await pushTo(t, 'docs/guide', { user: 'alice', files: { 'usage.md': '# Usage, second edition\n' } });
    assert.equal(pushed.code, 0, pushed.stderr);
    const after = await get('/guide/usage.md', { 'If-None-Match': before.headers.get('etag')! });
    assert.equal(after.status, 200);
    assert.match(await after.text(), /<h1>Usage, second edition<\/h1>/);
  });

  it("serves a namespaced project at <ns>.<name>, and never a private project's docs", async () => {
    const made = await t.api('POST', '/api/0/new', { name: 'tool', namespace: 'rpms', description: 'A tool', wait: true }, auth);
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal((await pushTo(t, 'docs/rpms/tool', { user: 'alice', files: { 'index.md': '# Tool\n' } })).code, 0);
    assert.equal((await get('/rpms.tool/index.md')).status, 200);
    await t.createProject('alice', 'hidden', { private: true });
    assert.equal((await pushTo(t, 'docs/alice/hidden', { user: 'alice', files: { 'index.html': 'secret' } })).code, 0);
    for (const path of ['/alice.hidden/', '/alice.hidden/index.html']) assert.equal((await get(path)).status, 404, path);
  });

  it('shows a Docs tab to the doc server where project_documentation is on', async () => {
    const page = new PageClient(t);
    const tabs = async () => [...(await page.get('/guide')).html.matchAll(/<a[^>]*href="([^"]+)"[^>]*>Docs</g)].map((m) => m[1]);
    assert.deepEqual(await tabs(), [], 'off by default, as on Pagure');
    const set = await t.api('POST', '/api/0/guide/options/update', { project_documentation: true }, auth);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(await tabs(), [`${docs}/guide/`]);
  });
});

describe('docserver: the origin of the docs', () => {
  it("must not be the forge's host", async function () {
    this.timeout(60_000);
    await assert.rejects(
      createTestForge({ listen: true, plugins: [{ name: '@pagurus/plugin-docserver', options: { doc_url: 'http://127.0.0.1:1/' } }] }),
      /doc_url \(http:\/\/127\.0\.0\.1:1\/\) must be on another host than the forge .*browsers share cookies across ports/,
    );
  });
});
