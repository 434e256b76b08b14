// The HTTP front door and the job queue, in each run mode available:
// req/s and latency of GET /api/0/version at 1 and 32 connections, and the round trip of
// a queued job (enqueue, run in a worker, wait for its status).
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createTestForge, serverServices } from '@pagurus/core/testing';

const NOOP = fileURLToPath(new URL('./plugins/noop', import.meta.url));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function http(url, connections) {
  const result = await autocannon({ url: `${url}/api/0/version`, connections, duration: 5 });
  return {
    connections,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function jobs(forge, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const task = await forge.jobs.enqueue('bench.noop', { key: `repo-${i % 4}` });
    const status = await forge.jobs.wait(task.id, 10_000);
    if (status?.state !== 'SUCCESS') throw new Error(`job ended ${status?.state}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { jobs: count, p50ms: +percentile(times, 50).toFixed(1), p95ms: +percentile(times, 95).toFixed(1) };
}

export default async function run() {
  const rows = [];
  for (const mode of serverServices() ? ['embedded', 'server'] : ['embedded']) {
    const t = await createTestForge({ mode, plugins: [NOOP] });
    try {
      for (const connections of [1, 32]) rows.push({ mode, what: 'GET /api/0/version', ...(await http(t.url, connections)) });
      rows.push({ mode, what: 'job round trip', ...(await jobs(t.forge, 200)) });
    } finally {
      await t.close();
    }
  }
  return rows;
}
