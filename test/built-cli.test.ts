import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../core/bin/pagurus.js', import.meta.url));

describe('the built pagurus command (what npm start runs)', () => {
  it('serves /api/0/version on the embedded default from an empty directory, then stops on SIGTERM', async function () {
    this.timeout(90_000);
    assert.ok(existsSync(new URL('../core/dist/cli/main.js', import.meta.url)), 'npm test builds core first');
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'pagurus-start-'));
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('PAGURUS_')) delete env[key];
    // Plain node: no tsx, no "source" condition, as after npm ci.
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /is serving (http:\/\/\S+) \(PGlite \+ inline queue, data in (\S+)\)/.exec(output);
          if (match) {
            assert.equal(match[2], path.join(cwd, 'data'));
            resolve(match[1]!);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      const response = await fetch(`${url}/api/0/version`);
      assert.deepEqual(await response.json(), { version: '0.31' });
      assert.ok(existsSync(path.join(cwd, 'data', 'secret')), 'the secret was generated');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
