// `pagurus docserver --port N` as an admin runs it beside the server, against PostgreSQL: it
// says where it listens, serves the configured branch (not the default one), and stops on
// SIGTERM with 0. And the rule on the docs' origin, for names a browser shares cookies across.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestForge, pushTo, serverServices, startCli, type TestForge } from '@pagurus/core/testing';
import { sameSiteProblem } from '../src/isolation.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('pagurus docserver, the command', () => {
  let t: TestForge;

  before(async function () {
    if (!serverServices()) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
    this.timeout(120_000);
    t = await createTestForge({
      mode: 'server',
      listen: true,
      plugins: [{ name: '@pagurus/plugin-docserver', options: { doc_url: 'http://localhost:1' } }],
    });
    await t.createUser('alice');
    await t.createProject('alice', 'guide', { readme: true });
    for (const [branch, text] of [
      ['main', 'draft'],
      ['published', 'released'],
    ] as const) {
      const pushed = await pushTo(t, 'docs/guide', { user: 'alice', branch, files: { 'index.md': `# The ${text} guide\n` } });
      assert.equal(pushed.code, 0, pushed.stderr);
    }
  });
  after(() => t?.close());

  it('serves the configured branch on its port, and stops with 0', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pagurus-docserver-'));
    const configFile = path.join(dir, 'pagurus.config.yaml');
    const plugins = [{ name: '@pagurus/plugin-docserver', options: { doc_url: 'https://docs.example.org', branch: 'published' } }];
    writeFileSync(configFile, `url: https://forge.example.com\nplugins: ${JSON.stringify(plugins)}\n`);
    const cli = await startCli(
      ['--config', configFile, 'docserver', '--port', '0'],
      /docs served on 127\.0\.0\.1:(\d+) for https:\/\/docs\.example\.org/,
      {
        env: t.env,
        cwd: ROOT,
        timeoutMs: 60_000,
      },
    );
    try {
      const response = await fetch(`http://127.0.0.1:${cli.match[1]}/guide/`);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /<h1>The released guide<\/h1>/);
    } finally {
      assert.equal(await cli.stop(), 0);
    }
  });
});

describe("the docs' origin", () => {
  it('must be another registrable domain than the forge', () => {
    assert.equal(sameSiteProblem('https://docs.pagure.org', 'https://pagure.io'), undefined, "Pagure's own layout");
    assert.equal(sameSiteProblem('http://localhost:8082', 'http://127.0.0.1:8080'), undefined);
    assert.match(sameSiteProblem('https://pagure.io:8443', 'https://pagure.io')!, /another host .* share cookies across ports/);
    assert.match(
      sameSiteProblem('https://docs.pagure.io', 'https://pagure.io')!,
      /another registrable domain .* under pagure\.io can set cookies/,
    );
    assert.match(sameSiteProblem('https://docs.example.co.uk', 'https://forge.example.co.uk')!, /under example\.co\.uk/);
    assert.equal(sameSiteProblem('https://a.github.io', 'https://b.github.io'), undefined, 'a public suffix keeps sites apart');
  });
});
