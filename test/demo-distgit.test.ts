// `npm run demo:distgit`, as a newcomer runs it: it comes up with its packages, people and
// sources, and stops on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/demo-distgit.mjs', import.meta.url));

describe('the dist-git demo', () => {
  it('serves its packages: the extras, an orphaned and a retired package, sources in the lookaside cache', async function () {
    this.timeout(120_000);
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'pagurus-demo-test-')), 'demo');
    const child = spawn(process.execPath, [SCRIPT], {
      env: { ...process.env, PORT: '0', PAGURUS_DEMO_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the demo did not come up:\n${output}`)), 100_000);
        child.stdout.on('data', () => {
          const found = /dist-git demo at (http:\/\/\S+)/.exec(output)?.[1];
          if (found && output.includes('Ctrl-C stops it.')) {
            clearTimeout(timer);
            resolve(found);
          }
        });
        void exited.then((code) => reject(new Error(`the demo ended (${code}):\n${output}`)));
      });
      const poc = (await (await fetch(`${url}/extras/pagure_poc.json`)).json()) as Record<string, Record<string, { admin: string }>>;
      assert.deepEqual(Object.fromEntries(Object.entries(poc.rpms!).map(([name, p]) => [name, p.admin])), {
        hello: 'alice',
        nano: 'alice',
        oldtool: 'alice',
        pong: 'orphan',
      });
      assert.match(await (await fetch(`${url}/rpms/pong`)).text(), /Orphaned<\/strong> for: Unmaintained upstream/);
      assert.match(await (await fetch(`${url}/rpms/oldtool`)).text(), /<strong>Retired<\/strong>/);
      const sources = await (await fetch(`${url}/rpms/hello/raw/rawhide/f/sources`)).text();
      const [, file, sum] = /^SHA512 \((.+)\) = ([0-9a-f]+)$/m.exec(sources)!;
      const tarball = Buffer.from(await (await fetch(`${url}/repo/pkgs/rpms/hello/${file}/sha512/${sum}/${file}`)).arrayBuffer());
      assert.equal(createHash('sha512').update(tarball).digest('hex'), sum);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
    }
  });
});
