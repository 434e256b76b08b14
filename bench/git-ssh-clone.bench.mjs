// Clone throughput over SSH (the SSH plugin's built-in server) next to git over HTTP, from
// the same `pagurus serve` (in_server: one process) on the embedded database, on the same
// generated repository of mostly incompressible content (PAGURUS_BENCH_CLONE_MB, default
// 256 MiB: git-clone.bench.mjs's), cloned alternately over each, PAGURUS_BENCH_CLONE_ROUNDS
// times (default 5). Reports the median seconds and MB/s of each and their ratio, and the
// server's RSS before the clones and at its peak during each kind (over SSH, ssh2 relays the
// pack through the server process; over HTTP it streams from git to the socket).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from './support/generate-repo.mjs';
import { dirSize, freePort, GIT_ENV, ROOT, run } from './support/processes.mjs';

const CLI = path.join(ROOT, 'core/bin/pagurus.js');
const ROUNDS = Number(process.env.PAGURUS_BENCH_CLONE_ROUNDS ?? 5);

const rssMb = (pid) => {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
};

async function cloneSeconds(url, scratch, env) {
  const target = await mkdtemp(path.join(scratch, 'clone-'));
  const started = performance.now();
  await run('git', ['clone', '--bare', '--quiet', url, path.join(target, 'r.git')], { cwd: target, env });
  const seconds = (performance.now() - started) / 1000;
  await rm(target, { recursive: true, force: true });
  return seconds;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export default async function measure() {
  const mb = Number(process.env.PAGURUS_BENCH_CLONE_MB ?? 256);
  const source = await generate(mb);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pagurus-bench-ssh-'));
  const data = path.join(scratch, 'data');
  const [port, sshPort] = [await freePort(), await freePort()];
  const config = path.join(scratch, 'pagurus.config.yaml');
  const plugin = { name: path.join(ROOT, 'plugins/ssh'), options: { in_server: true, port: sshPort, host: '127.0.0.1' } };
  writeFileSync(config, `data_dir: ${JSON.stringify(data)}\nport: ${port}\nplugins: ${JSON.stringify([plugin])}\n`);
  const env = { ...process.env, PAGURUS_LOG_LEVEL: 'warn' };
  for (const key of ['PAGURUS_DATABASE_URL', 'PAGURUS_REDIS_URL', 'PAGURUS_CONFIG', 'PAGURUS_DATA_DIR', 'PAGURUS_PORT']) delete env[key];
  const cli = (args, input) => run(process.execPath, [CLI, '--config', config, ...args], { env, input });
  const key = path.join(scratch, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  let server;
  try {
    await cli(['migrate']);
    await cli(['user', 'create', 'bench', '--email', 'bench@example.test', '--password-stdin'], 'bench-password-1\n');
    await cli(['user', 'ssh-key', 'add', 'bench', `${key}.pub`]);
    const token = (await cli(['token', 'create', 'bench', '--acls', 'all'])).split('\n').pop().trim();
    server = spawn(process.execPath, [CLI, '--config', config, 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 600; i++) {
      const up = await fetch(`${base}/api/0/version`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = await fetch(`${base}/api/0/new`, {
      method: 'POST',
      headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'big', description: 'benchmark', wait: true }),
    });
    if (!created.ok) throw new Error(`creating the project: ${created.status} ${await created.text()}`);
    await run('git', ['push', '--quiet', `http://bench:${token}@127.0.0.1:${port}/big.git`, 'main'], { cwd: source });
    const packBytes = dirSize(path.join(data, 'repos', 'big.git', 'objects'));
    const sshEnv = {
      ...GIT_ENV,
      GIT_SSH_COMMAND: `ssh -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
    };
    const transports = {
      http: { url: `${base}/big.git`, env: GIT_ENV, times: [] },
      ssh: { url: `ssh://git@127.0.0.1:${sshPort}/big.git`, env: sshEnv, times: [] },
    };
    const idleRss = rssMb(server.pid);
    for (const t of Object.values(transports)) await cloneSeconds(t.url, scratch, t.env);
    let sshPeak = 0;
    let httpPeak = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 === 0 ? ['http', 'ssh'] : ['ssh', 'http']) {
        const t = transports[name];
        const timer = setInterval(() => {
          if (name === 'ssh') sshPeak = Math.max(sshPeak, rssMb(server.pid));
          else httpPeak = Math.max(httpPeak, rssMb(server.pid));
        }, 20);
        try {
          t.times.push(await cloneSeconds(t.url, scratch, t.env));
        } finally {
          clearInterval(timer);
        }
      }
    }
    const mbOf = (seconds) => +(packBytes / 1048576 / seconds).toFixed(1);
    const http = median(transports.http.times);
    const ssh = median(transports.ssh.times);
    return [
      {
        repoMB: Math.round(packBytes / 1048576),
        httpSeconds: +http.toFixed(2),
        httpMBps: mbOf(http),
        sshSeconds: +ssh.toFixed(2),
        sshMBps: mbOf(ssh),
        sshOverHttp: +(http / ssh).toFixed(2),
        serverIdleRssMB: idleRss,
        serverPeakRssHttpMB: httpPeak,
        serverPeakRssSshMB: sshPeak,
      },
    ];
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('close', resolve));
    }
    await rm(scratch, { recursive: true, force: true });
  }
}
