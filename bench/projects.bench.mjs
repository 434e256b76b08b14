// The project registry at Fedora's scale: 25,000 projects, 2,000 users, 200 groups.
// Reports p50/p95 latency of the queries FMN and bodhi make, in each run mode available.
import { createTestForge, serverServices } from '@pagurus/core/testing';

const USERS = 2000;
const GROUPS = 200;
const PROJECTS = 25000;
const REQUESTS = 200;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A deterministic pseudo-random sequence, so every run seeds the same world. */
function random(seed) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

async function seed(knex) {
  const next = random(42);
  const pick = (n) => 1 + Math.floor(next() * n);
  await knex.batchInsert(
    'users',
    Array.from({ length: USERS }, (_, i) => ({ name: `user${i + 1}`, fullname: `User ${i + 1}` })),
    1000,
  );
  await knex.batchInsert(
    'user_emails',
    Array.from({ length: USERS }, (_, i) => ({ user_id: i + 1, email: `user${i + 1}@example.org`, is_default: true })),
    1000,
  );
  await knex.batchInsert(
    'groups',
    Array.from({ length: GROUPS }, (_, i) => ({ name: `sig${i + 1}`, display_name: `SIG ${i + 1}`, creator_id: pick(USERS) })),
    1000,
  );
  const members = new Set();
  for (let g = 1; g <= GROUPS; g++) for (let k = 0; k < 15; k++) members.add(`${g}:${pick(USERS)}`);
  await knex.batchInsert(
    'group_members',
    [...members].map((key) => ({ group_id: Number(key.split(':')[0]), user_id: Number(key.split(':')[1]) })),
    1000,
  );
  const namespaces = ['rpms', 'rpms', 'rpms', 'rpms', 'modules', 'container', 'flatpaks', 'tests'];
  await knex.batchInsert(
    'projects',
    Array.from({ length: PROJECTS }, (_, i) => ({
      name: `package-${i + 1}`,
      namespace: namespaces[i % namespaces.length],
      user_id: pick(USERS),
      description: `Package number ${i + 1}`,
      private: i % 50 === 0,
    })),
    1000,
  );
  const userGrants = new Map();
  const groupGrants = new Map();
  const levels = ['admin', 'commit', 'commit', 'collaborator', 'ticket'];
  for (let p = 1; p <= PROJECTS; p++) {
    for (let k = 0; k < 3; k++) userGrants.set(`${p}:${pick(USERS)}`, levels[Math.floor(next() * levels.length)]);
    if (next() < 0.5) groupGrants.set(`${p}:${pick(GROUPS)}`, levels[Math.floor(next() * 3)]);
  }
  const rows = (map, who) =>
    [...map].map(([key, access]) => ({
      project_id: Number(key.split(':')[0]),
      [who]: Number(key.split(':')[1]),
      access,
      branches: access === 'collaborator' ? ['epel*'] : [],
    }));
  await knex.batchInsert('project_user_access', rows(userGrants, 'user_id'), 1000);
  await knex.batchInsert('project_group_access', rows(groupGrants, 'group_id'), 1000);
  await knex.raw('analyze');
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
