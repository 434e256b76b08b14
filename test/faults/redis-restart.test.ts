// Redis restarted while jobs wait in its queue, with a Redis the test starts on a port of its
// own: the web process keeps answering across the restart (ioredis reconnects and holds the
// commands meanwhile), and every job queued before and during it runs once a worker starts:
// each project asked for is made, once. With append-only persistence Redis keeps the queue;
// without it, the queue comes back empty and the job outbox (durable jobs written to the
// database) has the worker queue the lost ones again.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { eventually, freePort, tempDir, type TestForge } from '@pagurus/core/testing';
import { assertEachEventDeliveredOnce, faultForge, type FaultForge } from './support.js';

const PROJECTS = 12;

for (const persistence of ['append-only', 'none'] as const)
  describe(`faults: Redis restarted with jobs in its queue (persistence: ${persistence})`, () => {
    let f: FaultForge;
    let t: TestForge;
    let port: number;
    let dir: string;
    let redis: ChildProcess | undefined;
    let auth: Record<string, string>;

    const startRedis = async () => {
      redis = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          persistence === 'none' ? 'no' : 'yes',
          '--appendfsync',
          'always',
          '--save',
          '',
        ],
        {
          stdio: 'ignore',
        },
      );
      await eventually(
        () =>
          new Promise<boolean | undefined>((resolve) => {
            const probe = spawn('redis-cli', ['-p', String(port), 'ping']);
            let out = '';
            probe.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
            probe.on('close', () => resolve(out.trim() === 'PONG' || undefined));
          }),
        'Redis to answer',
        20_000,
      );
    };
    const stopRedis = async () => {
      const stopping = redis!;
      const exited = new Promise((resolve) => stopping.once('exit', resolve));
      // A restart as an admin does it: SHUTDOWN (the append-only file is already on disk).
      spawn('redis-cli', ['-p', String(port), 'shutdown']);
      await exited;
    };

    before(async function () {
      this.timeout(120_000);
      port = await freePort();
      dir = await tempDir('pagurus-redis-');
      await startRedis();
      const redisUrl = `redis://127.0.0.1:${port}`;
      f = await faultForge({ 'redis.url': redisUrl }, { PAGURUS_REDIS_URL: redisUrl, PAGURUS_WORKER_RECONCILE_AFTER_SECONDS: '1' });
      t = f.t;
      await t.createUser('alice').catch(() => undefined);
      auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    });
    after(async () => {
      await f?.close();
      if (redis && redis.exitCode === null) await stopRedis();
    });

    const ask = async (n: number) => {
      const res = await t.api<{ message?: string; error?: string }>(
        'POST',
        '/api/0/new',
        { name: `pkg-${n}`, description: `Package ${n}`, wait: false },
        auth,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };

    it('runs every job queued before and during the restart once a worker starts, each once', async function () {
      this.timeout(180_000);
      for (let n = 0; n < PROJECTS / 2; n += 1) await ask(n);
      await stopRedis();
      // Asked while Redis is down: answered once the project and its job are written down (the
      // job reaches Redis once it is back).
      const during = Promise.all(Array.from({ length: PROJECTS / 2 }, (_, i) => ask(PROJECTS / 2 + i)));
      await startRedis();
      await during;

      await f.start(['worker'], /worker is taking jobs/);
      const repos = t.forge.config.git.reposDir;
      await eventually(
        () => Array.from({ length: PROJECTS }, (_, n) => existsSync(path.join(repos, `pkg-${n}.git`, 'HEAD'))).every(Boolean) || undefined,
        'every project to be made',
        120_000,
      );
      const listed = await t.api<{ projects: Array<{ name: string }> }>('GET', '/api/0/projects?per_page=100');
      assert.equal(listed.body.projects.filter((p) => p.name.startsWith('pkg-')).length, PROJECTS, 'each once');
      await assertEachEventDeliveredOnce(t);
    });
  });
