// A worker dies while its messages wait for the broker's confirms (the proxy holds them
// back): nothing is lost, every message arrives, in order; those in flight may come twice
// (at least once), those after come once. Server mode: a separate worker process, killed
// with SIGKILL, then a new one. Embedded mode (one process owns PGlite): the forge is closed
// while the confirms are held, and a new forge opens the same database.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsumeMessage } from 'amqplib';
import { createTestForge, describeModes, eventually, startCli, type TestForge, type TestForgeOptions } from '@pagurus/core/testing';
import { Consumer, Proxy } from './support/broker.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describeModes('msgbus: a worker dies mid-publish', (mode) => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async function () {
    this.timeout(60_000);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('loses nothing: every message arrives, in order, those in flight at most twice', async function () {
    this.timeout(300_000);
    const consumer = await Consumer.start();
    cleanups.push(() => consumer.close());
    const proxy = await new Proxy().start();
    cleanups.push(() => proxy.stop());
    const plugins = [
      {
        name: '@pagurus/plugin-msgbus',
        options: {
          amqp: {
            url: `amqp://guest:guest@127.0.0.1:${proxy.port}/`,
            exchange: consumer.exchange,
            topic_prefix: 'org.fedoraproject.test',
            connect_timeout_ms: 2000,
          },
          backoff_ms: 50,
          max_backoff_ms: 200,
          sweep_interval_ms: 200,
        },
      },
    ];
    const open = async (extra: Partial<TestForgeOptions> = {}) => {
      const t = await createTestForge({ mode, plugins, ...extra });
      cleanups.push(() => t.close());
      return t;
    };
    // `pagurus worker`, as an admin runs it, on the test forge's database and queue.
    const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pagurus-msgbus-')), 'pagurus.config.yaml');
    writeFileSync(configFile, `plugins: ${JSON.stringify(plugins)}\n`);
    const startWorker = async (t: TestForge): Promise<ChildProcess> => {
      const cli = await startCli(['--config', configFile, 'worker'], /worker is taking jobs/, {
        env: t.env,
        cwd: ROOT,
        timeoutMs: 120_000,
      });
      cleanups.push(async () => {
        if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      });
      return cli.child;
    };
    const killed = (child: ChildProcess) =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });

    let t = await open(mode === 'server' ? { processJobs: false } : {});
    let worker = mode === 'server' ? await startWorker(t) : undefined;
    await t.createUser('alice');
    const auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    await t.createProject('alice', 'crashy');
    const titleOf = (m: ConsumeMessage) =>
      m.fields.routingKey.endsWith('.issue.new') ? (consumer.body(m).issue as { title: string }).title : undefined;
    const newIssue = async (title: string) => {
      const res = await t.api('POST', '/api/0/crashy/new_issue', { title, issue_content: title }, auth);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };

    // Connected first (a held proxy would stall the handshake too), then the broker receives
    // the next messages but its confirms are held back.
    await newIssue('m0');
    await eventually(() => (consumer.messages.some((m) => titleOf(m) === 'm0') ? true : undefined), 'm0 at the broker', 60_000);
    proxy.hold();
    for (const title of ['m1', 'm2', 'm3']) await newIssue(title);
    await eventually(() => (consumer.messages.some((m) => titleOf(m) === 'm1') ? true : undefined), 'm1 at the broker', 60_000);

    if (worker) {
      await killed(worker);
      proxy.release();
      await newIssue('m4');
      worker = await startWorker(t);
    } else {
      const dataDir = t.env.PAGURUS_DATA_DIR!;
      const closing = t.forge.close();
      await proxy.cut(); // the held connection goes with its process
      await closing;
      await proxy.restore();
      proxy.release();
      t = await open({ config: { data_dir: dataDir } });
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      await newIssue('m4');
    }

    const titles = await eventually(
      () => {
        const seen = consumer.messages.map(titleOf).filter((title): title is string => title !== undefined);
        return ['m1', 'm2', 'm3', 'm4'].every((title) => seen.includes(title)) ? seen : undefined;
      },
      'm1 to m4 at the consumer',
      120_000,
    );
    const firsts = titles.filter((title, index) => title !== 'm0' && titles.indexOf(title) === index);
    assert.deepEqual(firsts, ['m1', 'm2', 'm3', 'm4'], 'in order');
    for (const title of ['m1', 'm2', 'm3']) assert.ok(titles.filter((x) => x === title).length <= 2, `${title} at most twice`);
    assert.equal(titles.filter((x) => x === 'm4').length, 1, 'm4 once');
    if (worker) await killed(worker);
  });
});
