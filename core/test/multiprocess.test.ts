import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import { coreMigrations } from '../src/db/index.js';
import { serverServices } from '../src/testing/index.js';
import { deleteRedisKeys, dropSchema, uniqueSuffix } from '../src/testing/services.js';
import { oneLineError, runCli, startCli, type RunningCli } from './support/cli.js';
import { fixtureJobs } from './support/fixture-jobs.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { advisoryWaiters } from './support/locks.js';
import { tempDir } from './support/temp.js';
import { eventually } from './support/wait.js';

// A scenario, not a set of independent tests: its steps run in order on one set of processes
// (check an unmigrated database, migrate, start two servers and two workers, then use them), so a
// step cannot run alone. What each step waits for is observable state, never a pause.
const services = serverServices();

(services ? describe : describe.skip)('several serve and worker processes on one PostgreSQL and one Redis', function () {
  this.timeout(120_000);
  const suffix = uniqueSuffix();
  const cwd = tempDir('multi');
  const env = {
    PAGURUS_DATABASE_URL: services?.databaseUrl ?? '',
    PAGURUS_DATABASE_SCHEMA: `test_${suffix}`,
    PAGURUS_REDIS_URL: services?.redisUrl ?? '',
    PAGURUS_REDIS_PREFIX: `pagurus-test-${suffix}`,
  };
  const running: RunningCli[] = [];
  const servers: string[] = [];
  const workerPids: number[] = [];

  before(() => {
    writeFileSync(path.join(cwd, 'pagurus.config.yaml'), `plugins:\n  - ${JSON.stringify(FIXTURE_PLUGIN)}\n`);
  });

  after(async () => {
    const codes = await Promise.all(running.map((p) => p.stop()));
    await dropSchema(services!.databaseUrl, env.PAGURUS_DATABASE_SCHEMA);
    await deleteRedisKeys(services!.redisUrl, env.PAGURUS_REDIS_PREFIX);
    assert.deepEqual(
      codes,
      codes.map(() => 0),
      'every process stops cleanly on SIGTERM',
    );
  });

  it('serve and worker refuse a database that is not migrated, saying what to run', async () => {
    for (const command of ['serve', 'worker']) {
      const line = oneLineError(await runCli([command], { cwd, env }));
      const pending = coreMigrations.migrations.length + 2; // core's and the fixture plugin's two
      assert.match(
        line,
        new RegExp(
          `^pagurus: the database at postgres://\\S+ is not migrated \\(${pending} pending: core/0001_instance, core/0002_accounts, core/0003_projects(, and \\d+ more)?\\); run: pagurus migrate$`,
        ),
      );
    }
  });

  it("pagurus migrate runs core's migrations, then the plugin's, once", async () => {
    const first = await runCli(['migrate'], { cwd, env });
    assert.equal(first.code, 0, first.stderr);
    const expected = [
      ...coreMigrations.migrations.map((m) => `core/${m.name}`),
      'fixture/0001_fixture_tables',
      'fixture/0002_fixture_latches',
    ];
    assert.equal(first.stdout, expected.map((name) => `migrated ${name}\n`).join(''));
    const again = await runCli(['migrate'], { cwd, env });
    assert.match(again.stdout, /is up to date\n$/);
  });

  it('starts two web servers and two workers', async () => {
    for (let i = 0; i < 2; i++) {
      const server = await startCli(['serve', '--port', '0'], /is serving (http:\/\/\S+) \(PostgreSQL \+ Redis\)/, { cwd, env });
      running.push(server);
      servers.push(server.match[1]!);
    }
    for (let i = 0; i < 2; i++) {
      const worker = await startCli(['worker', '--concurrency', '1'], /worker is taking jobs/, { cwd, env });
      running.push(worker);
      workerPids.push(worker.child.pid!);
    }
    const health = await Promise.all(servers.map(async (url) => (await fetch(`${url}/_health`)).json() as Promise<{ instance: string }>));
    assert.equal(health[0]!.instance, health[1]!.instance, 'both servers use the same database');
  });

  it('runs a job queued through one server in a worker, visible through the other server', async () => {
    const [a, b] = servers as [string, string];
    const queued = (await (
      await fetch(`${a}/api/0/_fixture/jobs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: 'across', sleepMs: 0 }),
      })
    ).json()) as { taskid: string };
    const status = await eventually(async () => {
      const body = (await (await fetch(`${b}/api/0/task/${queued.taskid}/status`)).json()) as { ready: boolean };
      return body.ready ? body : undefined;
    }, 'the task to be ready');
    assert.deepEqual(status, { ready: true, status: 'SUCCESS', successful: true });
    const { runs } = (await (await fetch(`${b}/api/0/_fixture/job-runs`)).json()) as { runs: Array<{ task: string; pid: number }> };
    const mine = runs.filter((r) => r.task === queued.taskid);
    assert.equal(mine.length, 2);
    assert.ok(workerPids.includes(mine[0]!.pid), 'a worker ran it, not a web server');
  });

  it('never runs two jobs on one repository at once, even in two workers', async () => {
    const jobs = fixtureJobs(servers[0]!);
    // The first job holds one worker (and the repository's lock) until released.
    const first = await jobs.queue({ key: 'rpms/same', latch: 'multi-same' });
    const firstRun = await jobs.started(first);
    // The other worker, idle, takes the next job on that repository and is seen waiting for its lock.
    const second = await jobs.queue({ key: 'rpms/same' });
    const knex = knexFactory({ client: 'pg', connection: services!.databaseUrl, pool: { min: 0, max: 1 } });
    try {
      await eventually(
        async () => ((await advisoryWaiters(knex, `pagurus:${env.PAGURUS_DATABASE_SCHEMA}:rpms/same`)) > 0 ? true : undefined),
        'the other worker to wait for the repository lock',
      );
    } finally {
      await knex.destroy();
    }
    assert.ok(!(await jobs.runs()).some((r) => r.task === second), 'the second job waits while the first holds the repository');
    const rest: string[] = [];
    for (let i = 0; i < 4; i++) rest.push(await jobs.queue({ key: 'rpms/same', sleepMs: 50 }));
    await jobs.release('multi-same');
    for (const id of [first, second, ...rest])
      assert.deepEqual(await jobs.finished(id, 30_000), { ready: true, status: 'SUCCESS', successful: true });
    const runs = (await jobs.runs()).filter((r) => r.key === 'rpms/same');
    assert.equal(runs.length, 12);
    for (let i = 0; i < runs.length; i += 2) {
      assert.equal(runs[i]!.phase, 'start', `run ${i} starts`);
      assert.equal(runs[i + 1]!.phase, 'end', `run ${i} ends before another starts`);
      assert.equal(runs[i]!.task, runs[i + 1]!.task);
    }
    const secondRun = runs.find((r) => r.task === second)!;
    assert.notEqual(firstRun.pid, secondRun.pid, 'the two jobs ran in different workers');
    assert.ok(workerPids.includes(firstRun.pid) && workerPids.includes(secondRun.pid), 'workers ran them, not web servers');
  });
});
