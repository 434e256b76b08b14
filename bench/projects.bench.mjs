// The project registry at Fedora's scale: 25,000 projects, 2,000 users, 200 groups.
// Reports p50/p95 latency of the queries FMN and bodhi make, in each run mode available.
import { createTestForge, serverServices } from '@pagurus/core/testing';
import { PROJECTS, random, seedFedora as seed, USERS } from './support/fedora-world.mjs';

const REQUESTS = 200;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(url, paths) {
  const times = [];
  for (const path of paths) {
    const started = performance.now();
    const response = await fetch(url + path);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    requests: times.length,
    p50ms: +percentile(times, 50).toFixed(1),
    p95ms: +percentile(times, 95).toFixed(1),
    maxms: +times[times.length - 1].toFixed(1),
  };
}

export default async function run() {
  const rows = [];
  for (const mode of serverServices() ? ['server', 'embedded'] : ['embedded']) {
    const t = await createTestForge({ mode, config: { namespaces: ['rpms', 'modules', 'container', 'flatpaks', 'tests'] } });
    try {
      const started = performance.now();
      await seed(t.forge.db.knex);
      const seeded = ((performance.now() - started) / 1000).toFixed(1);
      const next = random(7);
      const some = (n) => 1 + Math.floor(next() * n);
      const namespaceOf = (i) => ['rpms', 'rpms', 'rpms', 'rpms', 'modules', 'container', 'flatpaks', 'tests'][(i - 1) % 8];
      const project = () => {
        let i = some(PROJECTS);
        if (i % 50 === 1) i++; // skip the private ones
        return `${namespaceOf(i)}/package-${i}`;
      };
      const cases = {
        'projects?username=': () => `/api/0/projects?username=user${some(USERS)}`,
        'projects?short=1': () => `/api/0/projects?short=1&page=${some(50)}`,
        'projects?short=1&per_page=100': () => `/api/0/projects?short=1&per_page=100&page=${some(250)}`,
        '<ns>/<repo>?expand_group=1': () => `/api/0/${project()}?expand_group=1`,
        hascommit: () => `/api/0/${project()}/hascommit?user=user${some(USERS)}&branch=epel9`,
      };
      for (const [what, path] of Object.entries(cases)) {
        // Warm up, then measure.
        await measure(t.url, Array.from({ length: 20 }, path));
        rows.push({ mode, what, seededSeconds: seeded, ...(await measure(t.url, Array.from({ length: REQUESTS }, path))) });
      }
    } finally {
      await t.close();
    }
  }
  return rows;
}
