// Live updates (plugin sse): memory per idle stream with 10,000 streams open in one forge
// process, and event-to-client latency (p50/p99) with 1,000 connected clients. The clients
// run in a child process (this file, with --sse-clients), so the forge's memory is its own.
// The descriptor limit is raised here, in the benchmark's processes, never in the product.
import { execFileSync, fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

// A collection before each measurement, without asking for --expose-gc on the command line.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const IDLE = Number(process.env.PAGURUS_BENCH_SSE_IDLE ?? 10_000);
const CLIENTS = Number(process.env.PAGURUS_BENCH_SSE_CLIENTS ?? 1_000);
const EVENTS = Number(process.env.PAGURUS_BENCH_SSE_EVENTS ?? 40);

/** Raises this process's open-file limit (root may; otherwise the current one must do). */
function raiseFileLimit(wanted) {
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${wanted}:${wanted}`], { stdio: 'ignore' });
  } catch {
    // Not allowed: the existing limit stays.
  }
}

const now = () => performance.timeOrigin + performance.now();

// ---- the child: opens streams, answers how many are up, and when each frame arrived ----
async function clients() {
  raiseFileLimit(IDLE + 1000);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const arrivals = new Map(); // seq -> receive times
  const requests = [];
  let up = 0;
  const open = (url) =>
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent, headers: { Accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        let text = '';
        let first = true;
        res.on('data', (chunk) => {
          if (first) {
            first = false;
            up += 1;
            resolve();
          }
          if (!process.env.SSE_TIMES) return;
          text += chunk;
          let end;
          while ((end = text.indexOf('\n\n')) >= 0) {
            const frame = text.slice(0, end);
            text = text.slice(end + 2);
            const id = /^id: (\d+)$/m.exec(frame)?.[1];
            if (id) {
              if (!arrivals.has(id)) arrivals.set(id, []);
              arrivals.get(id).push(now());
            }
          }
        });
      });
      req.on('error', reject);
      requests.push(req);
    });
  process.on('message', async (command) => {
    if (command.type === 'open') {
      for (let i = 0; i < command.count; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, command.count - i) }, () => open(command.url)));
      }
      process.send({ type: 'opened', up });
    } else if (command.type === 'times') {
      process.send({ type: 'times', arrivals: Object.fromEntries(arrivals) });
    } else if (command.type === 'close') {
      for (const req of requests) req.destroy();
      process.send({ type: 'closed' });
      process.exit(0);
    }
  });
  process.send({ type: 'ready' });
}

function child(times) {
  const proc = fork(fileURLToPath(import.meta.url), ['--sse-clients'], { env: { ...process.env, SSE_TIMES: times ? '1' : '' } });
  const waiting = [];
  proc.on('message', (message) => waiting.shift()?.(message));
  const ask = (command) =>
    new Promise((resolve) => {
      waiting.push(resolve);
      if (command) proc.send(command);
    });
  return { ask, ready: ask(), proc };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

async function heapNow() {
  for (let i = 0; i < 3; i++) {
    gc();
    await settle();
  }
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heap: heapUsed + external };
}

async function idleStreams(t, url) {
  const clients = child(false);
  await clients.ready;
  const before = await heapNow();
  const { up } = await clients.ask({ type: 'open', url, count: IDLE });
  const after = await heapNow();
  await clients.ask({ type: 'close' });
  return {
    what: `${up} idle streams`,
    'KB per stream (heap+external)': Math.round((after.heap - before.heap) / up / 102.4) / 10,
    'KB per stream (RSS)': Math.round((after.rss - before.rss) / up / 102.4) / 10,
  };
}

async function latency(t, url, comment) {
  const clients = child(true);
  await clients.ready;
  const { up } = await clients.ask({ type: 'open', url, count: CLIENTS });
  const sent = new Map();
  t.forge.hooks.event.tap('bench', (event) => {
    sent.set(String(event.sequence), now());
  });
  for (let i = 0; i < EVENTS; i++) {
    await comment(`comment ${i}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await settle();
  const { arrivals } = await clients.ask({ type: 'times' });
  await clients.ask({ type: 'close' });
  const delays = [];
  let complete = 0;
  for (const [seq, at] of sent) {
    const times = arrivals[seq] ?? [];
    if (times.length === up) complete += 1;
    for (const time of times) delays.push(time - at);
  }
  delays.sort((a, b) => a - b);
  return {
    what: `${up} clients, ${sent.size} events`,
    'p50 ms': Math.round(percentile(delays, 50) * 10) / 10,
    'p99 ms': Math.round(percentile(delays, 99) * 10) / 10,
    'max ms': Math.round(delays.at(-1) * 10) / 10,
    'events every client got': `${complete}/${sent.size}`,
  };
}

export default async function benchmark() {
  raiseFileLimit(IDLE + 2000);
  const { createTestForge, serverServices } = await import('@pagurus/core/testing');
  const rows = [];
  const modes = serverServices() ? ['server', 'embedded'] : ['embedded'];
  for (const mode of modes.filter((m) => !process.env.PAGURUS_BENCH_MODE || m === process.env.PAGURUS_BENCH_MODE)) {
    const t = await createTestForge({
      mode,
      plugins: [{ name: '@pagurus/plugin-sse', options: { max_connections_per_address: IDLE * 2 } }],
    });
    try {
      await t.createUser('alice');
      const project = await t.createProject('alice', 'live');
      const auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
      const made = await t.api('POST', '/api/0/live/new_issue', { title: 'Busy', issue_content: 'x' }, auth);
      if (made.status !== 200) throw new Error(`new issue: ${made.status}`);
      const comment = async (text) => {
        const res = await t.api('POST', '/api/0/live/issue/1/comment', { comment: text }, auth);
        if (res.status !== 200) throw new Error(`comment: ${res.status}`);
      };
      const url = `${t.url}/_sse/stream?channels=${encodeURIComponent(`project:${project.id},issue:${project.id}:1`)}`;
      rows.push({ mode, ...(await idleStreams(t, url)) });
      rows.push({ mode, ...(await latency(t, url, comment)) });
    } finally {
      await t.close();
    }
  }
  return rows;
}

if (process.argv.includes('--sse-clients')) await clients();
else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table(await benchmark());
  process.exit(0);
}
