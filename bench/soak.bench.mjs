// Sustained mixed load: 200 concurrent API clients for 5 minutes (PAGURUS_SOAK_SECONDS) against
// `pagurus serve` and `pagurus worker` processes on one PostgreSQL and one Redis, first 1 web +
// 1 worker, then 2 + 2. The clients read (issue lists, issues, projects), comment, open issues,
// flag commits, push commits and open and merge pull requests. Reported per setup: operations
// per second, p50/p99 per kind, answers by status (goal: no 5xx), every acknowledged write read
// back at the end (goal: none lost), and each process's resident memory at the start of the
// load and at its end (goal: under 10% growth), with its samples at each tenth of the load, to
// tell a heap still filling from one that keeps growing; the processes run with --trace-gc,
// and the live heap after each full collection (what a leak would grow) is sampled likewise.
// PAGURUS_SOAK_SETUPS picks the setups ("1+1,2+2", the default).
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { ROOT, run } from './support/processes.mjs';

const SECONDS = Number(process.env.PAGURUS_SOAK_SECONDS ?? 300);
const CLIENTS = Number(process.env.PAGURUS_SOAK_CLIENTS ?? 200);
const SETUPS = (process.env.PAGURUS_SOAK_SETUPS ?? '1+1,2+2').split(',').map((setup) => setup.split('+').map(Number));
const PROJECTS = 8;
const DATABASE = process.env.PAGURUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.PAGURUS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLI = path.join(ROOT, 'core/bin/pagurus.js');
const GIT = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };
const git = (cwd, ...args) =>
  run('git', ['-c', 'user.name=Soak', '-c', 'user.email=soak@example.org', ...args], { cwd, env: { ...process.env, ...GIT } });

/** V8's --trace-gc line for a full collection: "Mark-Compact 120.1 (150.2) -> 80.3 (151.0) MB". */
const FULL_GC = /Mark-Compact[^\n]*? -> ([\d.]+) \(/g;

/**
 * Starts a pagurus command and resolves once it printed `ready`; `gc.live` is then the live
 * heap (MiB) after the last full collection.
 */
function start(args, env, ready) {
  const child = spawn(process.execPath, ['--trace-gc', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const gc = { live: 0 };
  child.stdout.on('data', (chunk) => {
    for (const match of String(chunk).matchAll(FULL_GC)) gc.live = Math.round(Number(match[1]));
  });
  return new Promise((resolve, reject) => {
    const look = (chunk) => {
      if (out === undefined) return;
      out += chunk;
      const match = out.match(ready);
      if (match) {
        out = undefined;
        resolve({ child, match, gc });
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => reject(new Error(`pagurus ${args.join(' ')} exited ${code}: ${out}`)));
  });
}

const rssMiB = (pid) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

async function soak(webs, workers) {
  const suffix = `${Date.now().toString(36)}${webs}${workers}`;
  const schema = `soak_${suffix}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'pagurus-soak-'));
  const env = {
    PAGURUS_DATA_DIR: path.join(dir, 'data'),
    PAGURUS_DATABASE_URL: DATABASE,
    PAGURUS_DATABASE_SCHEMA: schema,
    PAGURUS_REDIS_URL: REDIS,
    PAGURUS_REDIS_PREFIX: `pagurus-soak-${suffix}`,
    PAGURUS_SECRET: 'soak-secret-soak-secret-soak-secret',
    PAGURUS_LOG_LEVEL: 'warn',
    PAGURUS_LOGIN_PASSWORD_COST: '12',
    PAGURUS_MAIL_BATCH_AFTER: '10000',
    PAGURUS_GIT_MAX_CONCURRENT_PER_ADDRESS: '1000',
    PAGURUS_DATABASE_POOL_MAX: '20',
  };
  await writeFile(path.join(dir, 'pagurus.config.yaml'), 'plugins: []\n');
  await run(process.execPath, [CLI, 'migrate'], { cwd: dir, env: { ...process.env, ...env } });
  const procs = [];
  try {
    for (let i = 0; i < webs; i++)
      procs.push({ kind: 'web', ...(await start(['serve', '--port', '0'], env, /is serving (http:\/\/\S+)/)) });
    for (let i = 0; i < workers; i++) procs.push({ kind: 'worker', ...(await start(['worker'], env, /worker is taking jobs/)) });
    const urls = procs.filter((p) => p.kind === 'web').map((p) => p.match[1]);
    // Seed: an admin with a token, projects with a clone each, an issue each.
    await run(process.execPath, [CLI, 'user', 'create', 'soak', '--email', 'soak@example.org', '--password', 'soak-password1', '--admin'], {
      cwd: dir,
      env: { ...process.env, ...env },
    });
    const token = (
      await run(process.execPath, [CLI, 'token', 'create', 'soak', '--acls', 'all', '--description', 'soak'], {
        cwd: dir,
        env: { ...process.env, ...env },
      })
    ).match(/[A-Z0-9]{64}/)[0];
    const auth = { Authorization: `token ${token}`, 'Content-Type': 'application/json' };
    const call = async (method, url, body) => {
      const started = performance.now();
      const res = await fetch(url, { method, headers: auth, body: body && JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, ms: performance.now() - started, body: text.startsWith('{') ? JSON.parse(text) : undefined };
    };
    for (let p = 0; p < PROJECTS; p++) {
      const made = await call('POST', `${urls[0]}/api/0/new`, { name: `pkg${p}`, description: 'soak', create_readme: true });
      if (made.status !== 200) throw new Error(`seed: ${JSON.stringify(made.body)}`);
      await call('POST', `${urls[0]}/api/0/pkg${p}/new_issue`, { title: 'Seed', issue_content: 'seed' });
      const clone = path.join(dir, `clone${p}`);
      await git(dir, 'clone', '-q', `${urls[0].replace('://', `://soak:${token}@`)}/pkg${p}.git`, clone);
    }

    const latencies = new Map();
    const statuses = new Map();
    const acked = { comments: [], issues: [], flags: [], pushes: [], merges: [] };
    const note = (kind, result) => {
      if (!latencies.has(kind)) latencies.set(kind, []);
      latencies.get(kind).push(result.ms);
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    };
    const idleRss = procs.map((p) => rssMiB(p.child.pid));
    // "At the start" is read a tenth into the load, once caches and pools have filled.
    let startRss = idleRss;
    const warm = setTimeout(() => (startRss = procs.map((p) => rssMiB(p.child.pid))), SECONDS * 100);
    const samples = procs.map(() => []);
    const live = procs.map(() => []);
    const sampler = setInterval(
      () =>
        procs.forEach((p, i) => {
          samples[i].push(rssMiB(p.child.pid));
          live[i].push(p.gc.live);
        }),
      SECONDS * 100,
    );
    const deadline = Date.now() + SECONDS * 1000;
    let ops = 0;
    // A pusher per project: commits and pushes to its own branch, then opens and merges a PR from it.
    const pusher = async (p) => {
      const clone = path.join(dir, `clone${p}`);
      for (let n = 0; Date.now() < deadline; n++) {
        const branch = `soak-${n}`;
        await git(clone, 'checkout', '-q', '-B', branch, 'origin/main').catch(() => git(clone, 'checkout', '-q', '-B', branch));
        await writeFile(path.join(clone, `soak-${n}.txt`), `${n}\n`);
        await git(clone, 'add', '.');
        await git(clone, 'commit', '-qm', `Soak ${p} ${n}`);
        const started = performance.now();
        await git(clone, 'push', '-q', 'origin', branch);
        note('push', { status: 200, ms: performance.now() - started });
        acked.pushes.push({ p, branch, commit: await git(clone, 'rev-parse', 'HEAD') });
        const opened = await call('POST', `${urls[n % urls.length]}/api/0/pkg${p}/pull-request/new`, {
          title: branch,
          branch_to: 'main',
          branch_from: branch,
        });
        note('pr-open', opened);
        if (opened.status !== 200) continue;
        const merged = await call('POST', `${urls[n % urls.length]}/api/0/pkg${p}/pull-request/${opened.body.id}/merge`, {});
        note('pr-merge', merged);
        if (merged.status === 200) acked.merges.push({ p, id: opened.body.id });
        await git(clone, 'fetch', '-q', 'origin');
        ops += 3;
      }
    };
    const client = async (c) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const url = urls[(c + n) % urls.length];
        const p = (c + n) % PROJECTS;
        const pick = n % 10;
        if (pick < 5) {
          const path_ = [
            `/api/0/pkg${p}/issues`,
            `/api/0/pkg${p}/issue/1`,
            `/api/0/pkg${p}`,
            `/api/0/projects?per_page=20`,
            `/api/0/pkg${p}/git/branches`,
          ][n % 5];
          note('read', await call('GET', `${url}${path_}`));
        } else if (pick < 8) {
          const text = `c${c}-${n}`;
          const r = await call('POST', `${url}/api/0/pkg${p}/issue/1/comment`, { comment: text });
          note('comment', r);
          if (r.status === 200) acked.comments.push({ p, text });
        } else if (pick < 9) {
          const title = `i${c}-${n}`;
          const r = await call('POST', `${url}/api/0/pkg${p}/new_issue`, { title, issue_content: 'soak' });
          note('issue', r);
          if (r.status === 200) acked.issues.push({ p, title });
        } else {
          const head = (await call('GET', `${url}/api/0/pkg${p}/git/branches?with_commits=true`)).body?.branches?.main;
          if (!head) continue;
          const uid = `u${c}x${n}`.slice(0, 32);
          const r = await call('POST', `${url}/api/0/pkg${p}/c/${head}/flag`, {
            username: 'Soak CI',
            status: 'success',
            comment: 'ok',
            url: 'https://ci.example.org/1',
            uid,
          });
          note('flag', r);
          if (r.status === 200) acked.flags.push({ p, head, uid });
        }
        ops += 1;
      }
    };
    const began = Date.now();
    await Promise.all([
      ...Array.from({ length: PROJECTS }, (_, p) => pusher(p)),
      ...Array.from({ length: CLIENTS - PROJECTS }, (_, c) => client(c)),
    ]);
    const elapsed = (Date.now() - began) / 1000;
    clearTimeout(warm);
    clearInterval(sampler);
    const endRss = procs.map((p) => rssMiB(p.child.pid));

    // Every acknowledged write, read back (once the workers have caught up).
    const knex = knexFactory({ client: 'pg', connection: DATABASE, searchPath: [schema], pool: { min: 0, max: 2 } });
    let lost = 0;
    try {
      for (let wait = 0; wait < 120; wait++) {
        const left = await knex('job_outbox').count('* as n').first();
        if (Number(left.n) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const comments = new Set((await knex('issue_comments').pluck('comment')).map(String));
      lost += acked.comments.filter((c) => !comments.has(c.text)).length;
      const titles = new Set((await knex('issues').pluck('title')).map(String));
      lost += acked.issues.filter((i) => !titles.has(i.title)).length;
      const uids = new Set((await knex('commit_flags').pluck('uid')).map(String));
      lost += acked.flags.filter((f) => !uids.has(f.uid)).length;
      for (const push of acked.pushes) {
        const merged = await git(
          dir,
          'ls-remote',
          `${urls[0].replace('://', `://soak:${token}@`)}/pkg${push.p}.git`,
          `refs/heads/${push.branch}`,
        );
        if (!merged.includes(push.commit)) lost += 1;
      }
      const mergedPrs = await knex('pull_requests').where({ status: 'Merged' }).count('* as n').first();
      if (Number(mergedPrs.n) < acked.merges.length) lost += acked.merges.length - Number(mergedPrs.n);
    } finally {
      await knex.destroy();
    }
    const byStatus = Object.fromEntries([...statuses].sort());
    const rows = [...latencies].map(([kind, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return { kind, count: list.length, p50ms: Math.round(percentile(sorted, 50)), p99ms: Math.round(percentile(sorted, 99)) };
    });
    return {
      setup: `${webs} web + ${workers} worker`,
      seconds: Math.round(elapsed),
      opsPerSecond: Math.round(ops / elapsed),
      statuses: JSON.stringify(byStatus),
      fiveXX: [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0),
      acknowledged: Object.values(acked).reduce((n, list) => n + list.length, 0),
      lost,
      perKind: JSON.stringify(rows),
      // idle before the load, then at a tenth of it → at its end (growth over the load).
      rssMiB: procs
        .map(
          (p, i) =>
            `${p.kind} ${idleRss[i]}, ${startRss[i]}→${endRss[i]} (${Math.round(((endRss[i] - startRss[i]) / startRss[i]) * 100)}%)`,
        )
        .join('; '),
      rssSamplesMiB: procs.map((p, i) => `${p.kind} ${samples[i].join(' ')}`).join('; '),
      liveHeapSamplesMiB: procs.map((p, i) => `${p.kind} ${live[i].join(' ')}`).join('; '),
    };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((resolve) => (p.child.exitCode !== null ? resolve() : p.child.once('exit', resolve)))));
    const knex = knexFactory({ client: 'pg', connection: DATABASE, pool: { min: 0, max: 1 } });
    await knex.raw(`drop schema if exists "${schema}" cascade`).finally(() => knex.destroy());
  }
}

export default async function () {
  const results = [];
  for (const [webs, workers] of SETUPS) results.push(await soak(webs, workers));
  return results;
}
