import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeModes, type TestMode } from '@pagurus/core/testing';
import { Kit, PLUGIN, TEST_OPTIONS } from './support/forge.js';
import { eventually, Receiver, type Received } from './support/receiver.js';

const WORKER = fileURLToPath(new URL('./support/worker-process.ts', import.meta.url));
// Long enough that the held request is still in flight when the worker dies.
const OPTIONS = { ...TEST_OPTIONS, timeout_ms: 20_000 };

/** A worker process (server mode): killed with SIGKILL, as a crash would. */
async function startWorker(kit: Kit): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...kit.t.env,
    WEBHOOKS_TEST_PLUGINS: JSON.stringify([{ name: PLUGIN, options: OPTIONS }]),
    WEBHOOKS_TEST_URL: kit.t.url,
  };
  for (const key of Object.keys(env)) if (key.startsWith('PAGURUS_TEST_')) delete env[key];
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx/esm', WORKER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start:\n${output}`)), 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`the worker exited (${code}):\n${output}`)));
  });
  return child;
}

function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

const titleOf = (r: Received) => (r.json.msg.issue as { title?: string } | undefined)?.title;

/**
 * Server mode: deliveries run in a separate worker process, killed (SIGKILL) while a request
 * is in flight, then a new worker starts. Embedded mode (one process owns PGlite): the forge
 * is closed while the request is in flight, its connection cut, and a new forge opens the same
 * database; what a crash leaves behind (a delivery counted but not finished, no job, no timer)
 * is the same.
 */
describeModes('webhooks: a worker dies mid-delivery', (mode: TestMode) => {
  const receiver = new Receiver();
  const cleanups: Array<() => Promise<void>> = [];
  after(async function () {
    this.timeout(60_000);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await receiver.stop();
  });

  it('loses nothing: every delivery arrives, in order, the one in flight at most twice', async function () {
    this.timeout(300_000);
    await receiver.start();
    let first = true;
    receiver.answer = (r) => {
      if (titleOf(r) === 'c1' && first) {
        first = false;
        return 'hang';
      }
      return 200;
    };
    let kit = await Kit.start(mode, OPTIONS, mode === 'server' ? { processJobs: false } : {});
    cleanups.push(() => kit.close());
    let worker: ChildProcess | undefined;
    if (mode === 'server') {
      worker = await startWorker(kit);
      cleanups.push(async () => {
        if (worker?.exitCode === null) await stopped(worker, 'SIGKILL');
      });
    }
    const project = await kit.project('alice', 'crashy', [receiver.url('/crash')]);
    for (const title of ['c1', 'c2', 'c3']) await kit.newIssue('alice', project, title);
    await eventually('c1 in flight', () => receiver.on('/crash').some((r) => titleOf(r) === 'c1'), 60_000);

    if (mode === 'server') {
      await stopped(worker!, 'SIGKILL');
      await kit.newIssue('alice', project, 'c4');
      worker = await startWorker(kit);
    } else {
      const dataDir = kit.t.env.PAGURUS_DATA_DIR!;
      const closing = kit.t.forge.close();
      await receiver.stop(); // cuts the held request: its process is going away
      await closing;
      kit = await Kit.start(mode, OPTIONS, { config: { data_dir: dataDir } });
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      cleanups.push(() => kit.close());
      await receiver.start();
      await kit.newIssue('alice', project, 'c4');
    }

    const got = await eventually(
      'c1 to c4 delivered',
      () => {
        const titles = receiver.on('/crash').map(titleOf).filter(Boolean);
        return ['c2', 'c3', 'c4'].every((t) => titles.includes(t)) && titles;
      },
      120_000,
    );
    const firsts = got.filter((title, index) => got.indexOf(title) === index);
    assert.deepEqual(firsts, ['c1', 'c2', 'c3', 'c4'], 'in order');
    assert.ok(got.filter((t) => t === 'c1').length <= 2, 'the one in flight came at most twice');
    for (const title of ['c2', 'c3', 'c4']) assert.equal(got.filter((t) => t === title).length, 1, `${title} came once`);
    const log = await eventually('the log settled', async () => {
      const rows = (await kit.deliveries('alice', project)).filter((d) => d.topic === 'issue.new');
      return rows.length === 4 && rows.every((d) => d.status === 'delivered') && rows;
    });
    assert.equal(log.at(-1)?.attempt, 2, 'c1 was tried again after the crash');
    if (worker) await stopped(worker, 'SIGTERM');
  });
});
