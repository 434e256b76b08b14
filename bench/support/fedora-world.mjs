// A world the size of Fedora's dist-git for benchmarks: 2,000 users, 200 groups of 15,
// 25,000 projects over the five dist-git namespaces (every 50th private), three user grants
// and half a group grant each. Written straight into core's tables: seeding through the API
// would take hours. The same seed gives the same world every run.

export const USERS = 2000;
export const GROUPS = 200;
export const PROJECTS = 25000;

/** A deterministic pseudo-random sequence, so every run seeds the same world. */
export function random(seed) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Seeds the world into an empty forge (ids start at 1); `watchers` adds an explicit watcher to half the projects. */
export async function seedFedora(knex, options = {}) {
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
  if (options.watchers) {
    const watchers = new Map();
    for (let p = 1; p <= PROJECTS; p++) if (next() < 0.5) watchers.set(`${p}:${pick(USERS)}`, next() < 0.8);
    await knex.batchInsert(
      'watchers',
      [...watchers].map(([key, issues]) => ({
        project_id: Number(key.split(':')[0]),
        user_id: Number(key.split(':')[1]),
        watch_issues: issues,
        watch_commits: !issues,
      })),
      1000,
    );
  }
  await knex.raw('analyze');
}
