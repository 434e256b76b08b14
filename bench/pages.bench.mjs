// Web pages of a busy project (the tickets bench's 10,000 issues and 2,000 pull requests):
// for each page, the SQL statements one request sends, then req/s and p50/p99 at 4 and 32
// connections, with the load from a separate process, and the peak resident memory of the
// forge and of its git processes during each load. In each run mode available.
import { createTestForge, serverServices } from '@pagurus/core/testing';
import { loadWithMemory } from './support/memory.mjs';
import { seed } from './tickets.bench.mjs';

const ISSUES = Number(process.env.PAGURUS_BENCH_ISSUES ?? 10_000);

async function queriesOf(t, pathname) {
  let count = 0;
  const listener = () => (count += 1);
  t.forge.db.knex.on('query', listener);
  try {
    const res = await t.fetch(pathname);
    if (res.status !== 200) throw new Error(`${pathname} answered ${res.status}`);
    await res.text();
  } finally {
    t.forge.db.knex.off('query', listener);
  }
  return count;
}

export default async function benchmark() {
  const rows = [];
  const modes = serverServices() ? ['server', 'embedded'] : ['embedded'];
  for (const mode of modes.filter((m) => !process.env.PAGURUS_BENCH_MODE || m === process.env.PAGURUS_BENCH_MODE)) {
    const t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    try {
      await t.createUser('owner', { password: 'owner-password1' });
      const project = await t.createProject('owner', 'big', { namespace: 'rpms', readme: true });
      const { hidden } = await seed(t.forge.db.knex, project.id);
      const publicIds = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % ISSUES)).filter((id) => !hidden.has(id));
      const pages = {
        'project overview': ['/rpms/big'],
        'file (README.md)': ['/rpms/big/blob/main/f/README.md?text=1'],
        commits: ['/rpms/big/commits'],
        'issues (page 1)': ['/rpms/big/issues'],
        'issues filtered': [1, 2, 3, 4, 5].map((n) => `/rpms/big/issues?status=all&tags=bug&sort=priority&page=${n}`),
        'issue/<id>': publicIds.map((id) => `/rpms/big/issue/${id}`),
        'pull-requests': [1, 2, 3].map((n) => `/rpms/big/pull-requests?status=all&page=${n}`),
      };
      for (const [what, paths] of Object.entries(pages)) {
        // Let the previous load's last requests finish, so they are not counted here.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const queries = await queriesOf(t, paths[0]);
        for (const connections of [4, 32]) rows.push({ mode, what, queries, ...(await loadWithMemory(t.url, connections, paths)) });
      }
    } finally {
      await t.close();
    }
  }
  return rows;
}
