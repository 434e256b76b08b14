// Resource bounds of git over HTTP and of the branches page: one client address runs at
// most git.max_concurrent_per_address git processes at once (429 past it), one repository
// at most git.max_concurrent_per_repo (503), a request that moves no byte for
// git.http_timeout_seconds is cut off and frees its slot, and the branches page runs a
// fixed number of git processes however many branches the repository has.
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { cloneUrl, gitOk, gitRun, tempDir } from './support/git-client.js';
import { eventually } from './support/wait.js';
import { runGit } from '../src/git/index.js';

interface HeldRequest {
  request: http.ClientRequest;
  /** Resolves when the connection ends, whoever ends it. */
  closed: Promise<void>;
}

/**
 * An upload-pack request that sends its headers and half a pkt-line, then nothing more: its
 * git process waits for the rest. From `localAddress` (any 127.x.y.z reaches the forge).
 */
function stalledFetch(base: string, repo: string, localAddress = '127.0.0.1'): HeldRequest {
  const url = new URL(`${repo}.git/git-upload-pack`, `${base}/`);
  const request = http.request(url, { method: 'POST', localAddress, headers: { 'Content-Type': 'application/x-git-upload-pack-request' } });
  const closed = new Promise<void>((resolve) => {
    request.on('error', () => resolve());
    request.on('close', () => resolve());
  });
  request.flushHeaders();
  request.write('0032want ');
  return { request, closed };
}

/** Answers of info/refs, as git's first request of a clone from `localAddress` gets it. */
async function infoRefsStatus(
  base: string,
  repo: string,
  localAddress = '127.0.0.1',
): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  const url = new URL(`${repo}.git/info/refs?service=git-upload-pack`, `${base}/`);
  return new Promise((resolve, reject) => {
    http
      .get(url, { localAddress, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            text: Buffer.concat(chunks).toString(),
          }),
        );
      })
      .on('error', reject);
  });
}

/**
 * A stalled fetch from `localAddress` once it holds that address's only slot: a probe from
 * the same address is refused with 429 (a refused probe takes no slot). Should the probe come
 * first and the held fetch be refused instead, it is started again.
 */
async function holdSlot(base: string, repo: string, localAddress: string): Promise<HeldRequest> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const held = stalledFetch(base, repo, localAddress);
    let answered = false;
    held.request.on('response', (response) => {
      answered = true;
      response.resume();
    });
    const deadline = Date.now() + 5_000;
    while (!answered && Date.now() < deadline) {
      if ((await infoRefsStatus(base, repo, localAddress)).status === 429 && !answered) return held;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    held.request.destroy();
    await held.closed;
  }
  throw new Error(`could not hold a slot from ${localAddress}`);
}

describeModes('bounded git over HTTP and branches page', (mode) => {
  let work: string;
  before(async () => {
    work = await tempDir();
  });

  describe('concurrency caps', () => {
    let t: TestForge;
    before(async () => {
      t = await createTestForge({ mode, config: { 'git.max_concurrent_per_address': 1, 'git.max_concurrent_per_repo': 2 } });
      await t.createUser('alice');
      await t.createProject('alice', 'hello', { readme: true });
    });
    after(() => t?.close());

    it('refuses a second clone from an address whose one git process is busy, with 429, and serves it once that ends', async () => {
      await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'hello'), path.join(work, 'first'));
      await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'hello'), path.join(work, 'second'));
      const held = await holdSlot(t.url, 'hello', '127.0.0.1');
      try {
        const refused = await infoRefsStatus(t.url, 'hello');
        assert.equal(refused.status, 429);
        assert.equal(refused.retryAfter, '10');
        assert.match(refused.text, /Too many git requests from your address at once/);
        const clone = await gitRun(work, ['clone', cloneUrl(t.url, 'hello'), path.join(work, 'refused')]);
        assert.notEqual(clone.code, 0);
        assert.match(clone.stderr, /The requested URL returned error: 429/);
        assert.equal((await infoRefsStatus(t.url, 'hello', '127.0.0.2')).status, 200, 'another address is served');
      } finally {
        held.request.destroy();
      }
      await held.closed;
      await eventually(
        async () => (await infoRefsStatus(t.url, 'hello')).status === 200,
        'the slot to be released when the client hung up',
      );
      await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'hello'), path.join(work, 'after'));
    });

    it('refuses a repository busy with max_concurrent_per_repo git processes, with 503, whatever the address', async () => {
      const held = [await holdSlot(t.url, 'hello', '127.0.0.3'), await holdSlot(t.url, 'hello', '127.0.0.4')];
      try {
        const refused = await infoRefsStatus(t.url, 'hello', '127.0.0.5');
        assert.equal(refused.status, 503);
        assert.match(refused.text, /hello is serving too many git requests at once/);
        assert.equal(refused.retryAfter, '10');
      } finally {
        for (const h of held) h.request.destroy();
      }
      await Promise.all(held.map((h) => h.closed));
      await eventually(
        async () => (await infoRefsStatus(t.url, 'hello', '127.0.0.5')).status === 200,
        "the repository's slots to be released",
      );
    });
  });

  describe('idle timeout', () => {
    let t: TestForge;
    before(async () => {
      t = await createTestForge({ mode, config: { 'git.max_concurrent_per_address': 1, 'git.http_timeout_seconds': 1 } });
      await t.createUser('alice');
      await t.createProject('alice', 'hello', { readme: true });
    });
    after(() => t?.close());

    it('cuts off a request that moves no byte for git.http_timeout_seconds, and frees its slot', async function () {
      this.timeout(30_000);
      const started = Date.now();
      const held = stalledFetch(t.url, 'hello');
      await Promise.race([held.closed, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      const elapsed = Date.now() - started;
      assert.ok(held.request.destroyed || held.request.socket?.destroyed, 'the forge hung up on the stalled request');
      assert.ok(elapsed >= 900 && elapsed < 15_000, `cut off after ${elapsed} ms`);
      held.request.destroy();
      await eventually(async () => (await infoRefsStatus(t.url, 'hello')).status === 200, 'the slot to be free');
      await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'hello'), path.join(work, 'after-idle'));
    });
  });

  describe('branches page', () => {
    let t: TestForge;
    let shim: string;
    let log: string;
    before(async () => {
      t = await createTestForge({ mode });
      await t.createUser('alice');
      await t.createProject('alice', 'many', { readme: true });
      // 150 branches written straight into the repository: even ones where main was, odd
      // ones one commit off it; then main moves one commit on, so even ones are 1 behind,
      // odd ones 1 ahead and 1 behind.
      const repo = t.forge.repositories.pathOf('many.git');
      const base = await gitOk(repo, 'rev-parse', 'refs/heads/main');
      const off = await gitOk(repo, 'commit-tree', `${base}^{tree}`, '-p', base, '-m', 'Off main');
      const next = await gitOk(repo, 'commit-tree', `${base}^{tree}`, '-p', base, '-m', 'Main moves on');
      const lines = Array.from({ length: 150 }, (_, i) => `create refs/heads/b-${String(i).padStart(3, '0')} ${i % 2 ? off : base}\n`).join(
        '',
      );
      await runGit(['update-ref', '--stdin'], { cwd: repo, input: lines });
      await gitOk(repo, 'update-ref', 'refs/heads/main', next);
      // A git that writes down each of its runs, first on the PATH of the forge's git processes.
      shim = await tempDir('pagurus-git-shim-');
      log = path.join(shim, 'runs.log');
      const real = path.join(await gitOk(work, '--exec-path'), 'git');
      await writeFile(path.join(shim, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
      await chmod(path.join(shim, 'git'), 0o755);
    });
    after(() => t?.close());

    /** The git processes the forge starts while `action` runs. */
    async function gitRunsDuring(action: () => Promise<void>): Promise<string[]> {
      await writeFile(log, '');
      const saved = process.env.PATH;
      process.env.PATH = `${shim}:${saved ?? ''}`;
      try {
        await action();
      } finally {
        process.env.PATH = saved;
      }
      return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    }

    it('lists 150 branches a page at a time with three git processes a page, behind/ahead counted right', async () => {
      let html = '';
      const runs = await gitRunsDuring(async () => {
        const response = await t.fetch('/many/branches');
        assert.equal(response.status, 200);
        html = await response.text();
      });
      assert.ok(runs.length >= 1, "the counting git sees the forge's runs");
      assert.ok(runs.length <= 3, `the page ran ${runs.length} git processes:\n${runs.join('\n')}`);
      const rows = [...html.matchAll(/<tr>\s*<td><a href="\/many\/tree\/([^"]+)">/g)].map((m) => m[1]);
      assert.equal(rows.length, 30, 'one page of branches');
      assert.equal(rows[0], 'main', 'the default branch first');
      assert.match(html, /<a href="\/many\/tree\/main">main<\/a> <span class="badge">default<\/span><\/td>\s*<td><\/td>\s*<td><\/td>/);
      assert.match(html, /<a href="\/many\/tree\/b-000">b-000<\/a><\/td>\s*<td>1<\/td>\s*<td>0<\/td>/, 'b-000 is 1 behind');
      assert.match(html, /<a href="\/many\/tree\/b-001">b-001<\/a><\/td>\s*<td>1<\/td>\s*<td>1<\/td>/, 'b-001 is 1 behind and 1 ahead');
      assert.match(html, /<span>Page 1 of 6<\/span>/);
      assert.match(html, /<a rel="next" href="\?page=2">Next<\/a>/);

      const lastRuns = await gitRunsDuring(async () => {
        html = await (await t.fetch('/many/branches?page=6')).text();
      });
      assert.ok(lastRuns.length <= 3, `the last page ran ${lastRuns.length} git processes`);
      const last = [...html.matchAll(/<tr>\s*<td><a href="\/many\/tree\/([^"]+)">/g)].map((m) => m[1]);
      assert.deepEqual(
        last,
        Array.from({ length: 1 }, () => 'b-149'),
        'the 151st branch alone on the sixth page',
      );
      assert.match(html, /<a href="\/many\/tree\/b-149">b-149<\/a><\/td>\s*<td>1<\/td>\s*<td>1<\/td>/);
      assert.match(mainOf(await (await t.fetch('/many/branches?page=9')).text()), /Nothing on this page/);
    });
  });
});

function mainOf(html: string): string {
  return html.slice(html.indexOf('<main'), html.lastIndexOf('</main>'));
}
