// Clone throughput of Pagurus' smart HTTP against git's own `git http-backend` (run as
// CGI by bench/support/git-cgi-server.mjs), on the same repository on disk, in the same
// run: a generated repository of mostly incompressible content, pushed into a real
// `pagurus serve` over HTTP, then cloned alternately from both servers. Reports the median
// time and MB/s of each, their ratio, and the Pagurus process's peak RSS during its clones
// for two repository sizes (it must not grow with the pack: git's output is streamed), next
// to its RSS before the clones (mostly the embedded PGlite database).
// Also reported: the peak RSS of the git processes under each server (upload-pack and
// pack-objects; under http-backend too), sampled every 20 ms during the timed clones of both.
// Sizes: PAGURUS_BENCH_CLONE_MB (default 256) and a small one of a quarter of that. Runs on
// the embedded database, and again on PostgreSQL (a fresh schema, dropped afterwards; jobs
// in the server process) when PAGURUS_DATABASE_URL or PAGURUS_TEST_DATABASE_URL is set.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { generate } from './support/generate-repo.mjs';
import { dirSize, freePort, ROOT, run } from './support/processes.mjs';

const CLI = path.join(ROOT, 'core/bin/pagurus.js');
const CGI = fileURLToPath(new URL('./support/git-cgi-server.mjs', import.meta.url));
const ROUNDS = Number(process.env.PAGURUS_BENCH_CLONE_ROUNDS ?? 5);

async function waitFor(url) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

function status(pid, field) {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // gone
  }
}

/** The processes below `pid`, children first (they are read from every thread's list). */
function descendants(pid) {
  const found = [];
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter(Boolean)) found.push(Number(child), ...descendants(Number(child)));
  }
  return found;
}

/**
 * While `work` runs, samples every 20 ms the VmRSS of the process `pid` and the VmHWM (the
 * peak) of each process below it: the server itself, and the git it spawns.
 */
async function peakRss(pid, work) {
  let peak = 0;
  let children = 0;
  const sample = () => {
    peak = Math.max(peak, status(pid, 'VmRSS'));
    for (const child of descendants(pid)) children = Math.max(children, status(child, 'VmHWM'));
  };
  sample();
  const timer = setInterval(sample, 20);
  try {
    const result = await work();
    return { result, peakMb: Math.round(peak / 1024), childrenMb: Math.round(children / 1024) };
  } finally {
    clearInterval(timer);
  }
}

async function cloneSeconds(url, scratch) {
  const target = await mkdtemp(path.join(scratch, 'clone-'));
  const started = performance.now();
  await run('git', ['clone', '--bare', '--quiet', url, path.join(target, 'r.git')], { cwd: target });
  const seconds = (performance.now() - started) / 1000;
  await rm(target, { recursive: true, force: true });
  return seconds;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A fresh PostgreSQL schema for one run, or none for the embedded database. */
async function databaseEnv(mode) {
  if (mode === 'embedded') return { env: {}, drop: async () => undefined };
  const url = process.env.PAGURUS_DATABASE_URL || process.env.PAGURUS_TEST_DATABASE_URL;
  const schema = `bench_clone_${randomBytes(4).toString('hex')}`;
  return {
    env: { PAGURUS_DATABASE_URL: url, PAGURUS_DATABASE_SCHEMA: schema },
    drop: async () => {
      const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
      try {
        await knex.raw('drop schema if exists ?? cascade', [schema]);
      } finally {
        await knex.destroy();
      }
    },
  };
}

async function measure(mode, mb, scratch) {
  const source = await generate(mb);
  const data = await mkdtemp(path.join(scratch, 'data-'));
  const port = await freePort();
  const database = await databaseEnv(mode);
  const env = { ...process.env, PAGURUS_DATA_DIR: data, PAGURUS_PORT: String(port), PAGURUS_LOG_LEVEL: 'warn', ...database.env };
  if (mode === 'embedded') delete env.PAGURUS_DATABASE_URL;
  delete env.PAGURUS_REDIS_URL; // jobs (creating the repository) run in the server
  delete env.PAGURUS_CONFIG;
  let server;
  let cgi;
  try {
    await run(process.execPath, [CLI, 'migrate'], { env });
    await run(process.execPath, [CLI, 'user', 'create', 'bench', '--email', 'bench@example.test', '--password-stdin'], {
      env,
      input: 'bench-password-1\n',
    });
    const token = (await run(process.execPath, [CLI, 'token', 'create', 'bench', '--acls', 'all'], { env })).split('\n').pop().trim();
    server = spawn(process.execPath, [CLI, 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/api/0/version`);
    const created = await fetch(`${base}/api/0/new`, {
      method: 'POST',
      headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'big', description: 'benchmark' }),
    });
    if (!created.ok) throw new Error(`creating the project: ${created.status} ${await created.text()}`);
    const pushStarted = performance.now();
    await run('git', ['push', '--quiet', `http://bench:${token}@127.0.0.1:${port}/big.git`, 'main'], { cwd: source });
    const pushSeconds = (performance.now() - pushStarted) / 1000;

    const reposDir = path.join(data, 'repos');
    const packBytes = dirSize(path.join(reposDir, 'big.git', 'objects'));
    const cgiPort = await freePort();
    cgi = spawn(process.execPath, [CGI, reposDir, String(cgiPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => cgi.stdout.once('data', resolve));

    const servers = {
      pagurus: { url: `${base}/big.git`, pid: server.pid, times: [], peakMb: 0, gitMb: 0 },
      backend: { url: `http://127.0.0.1:${cgiPort}/big.git`, pid: cgi.pid, times: [], peakMb: 0, gitMb: 0 },
    };
    const idleMb = (await peakRss(server.pid, async () => undefined)).peakMb;
    // Warm the page cache and both servers, then alternate which one goes first.
    for (const s of Object.values(servers)) await cloneSeconds(s.url, scratch);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['pagurus', 'backend'] : ['backend', 'pagurus'];
      for (const name of order) {
        const s = servers[name];
        const measured = await peakRss(s.pid, () => cloneSeconds(s.url, scratch));
        s.times.push(measured.result);
        s.peakMb = Math.max(s.peakMb, measured.peakMb);
        s.gitMb = Math.max(s.gitMb, measured.childrenMb);
      }
    }
    const mbOf = (seconds) => +(packBytes / 1048576 / seconds).toFixed(1);
    const pagurus = median(servers.pagurus.times);
    const backend = median(servers.backend.times);
    return {
      db: mode,
      repoMB: Math.round(packBytes / 1048576),
      pushMBps: mbOf(pushSeconds),
      pagurusSeconds: +pagurus.toFixed(2),
      pagurusMBps: mbOf(pagurus),
      backendSeconds: +backend.toFixed(2),
      backendMBps: mbOf(backend),
      ratio: +(backend / pagurus).toFixed(2),
      pagurusIdleRssMB: idleMb,
      pagurusPeakRssMB: servers.pagurus.peakMb,
      pagurusGitPeakRssMB: servers.pagurus.gitMb,
      backendGitPeakRssMB: servers.backend.gitMb,
    };
  } finally {
    cgi?.kill();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('close', resolve));
    }
    await database.drop();
  }
}

export default async function run_() {
  const big = Number(process.env.PAGURUS_BENCH_CLONE_MB ?? 256);
  const modes = process.env.PAGURUS_DATABASE_URL || process.env.PAGURUS_TEST_DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pagurus-bench-'));
  try {
    const rows = [];
    for (const mode of modes) {
      for (const mb of [Math.max(16, Math.round(big / 4)), big]) rows.push(await measure(mode, mb, scratch));
    }
    return rows;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
