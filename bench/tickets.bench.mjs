// Issues and pull requests at the size of a busy project: 10,000 issues (with comments and
// tags) and 2,000 pull requests in one project. Reports req/s and p50/p99 at 4 and 32
// connections for the list and detail endpoints, then the latency of POST /new, /fork and
// pull-request merges with wait=true, in each run mode available.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestForge, serverServices } from '@pagurus/core/testing';
import { loadFromAnotherProcess } from './support/run-load.mjs';

const ISSUES = Number(process.env.PAGURUS_BENCH_ISSUES ?? 10_000);
const PULLS = Number(process.env.PAGURUS_BENCH_PULLS ?? 2_000);
const USERS = 500;
const TAGS = ['bug', 'feature', 'docs', 'easyfix', 'security', 'packaging', 'rawhide', 'epel', 'ftbfs', 'triaged'];
const MERGES = 10;
const run = promisify(execFile);
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.org',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.org',
};
const git = (cwd, ...args) => run('git', args, { cwd, env: GIT_ENV, maxBuffer: 64 << 20 });

function random(seed) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Rows straight into the tables: the endpoints under test are the reads, not the writes. */
export async function seed(knex, projectId) {
  const next = random(42);
  const pick = (n) => Math.floor(next() * n);
  const firstUser = (await knex('users').max('id as id').first()).id + 1;
  await knex.batchInsert(
    'users',
    Array.from({ length: USERS }, (_, i) => ({ name: `dev${i + 1}`, fullname: `Developer ${i + 1}` })),
    1000,
  );
  const user = () => firstUser + pick(USERS);
  const tagIds = (
    await knex('ticket_tags')
      .insert(TAGS.map((tag) => ({ project_id: projectId, tag })))
      .returning('id')
  ).map((r) => r.id);
  await knex('projects')
    .where({ id: projectId })
    .update({
      milestones: JSON.stringify([
        { name: 'F41', date: null, active: true },
        { name: 'F42', date: null, active: true },
      ]),
    });
  const day = 86_400_000;
  const now = Date.now();
  const issues = Array.from({ length: ISSUES }, (_, i) => {
    const closed = next() < 0.6;
    return {
      project_id: projectId,
      id: i + 1,
      uid: `i${String(i + 1).padStart(31, '0')}`,
      title: `Issue number ${i + 1}`,
      content: `Something is wrong, case ${i + 1}`,
      user_id: user(),
      assignee_id: next() < 0.3 ? user() : null,
      status: closed ? 'Closed' : 'Open',
      close_status: closed ? 'Fixed' : null,
      private: next() < 0.02,
      priority: next() < 0.5 ? 1 + pick(3) : null,
      milestone: next() < 0.3 ? (next() < 0.5 ? 'F41' : 'F42') : null,
      created_at: new Date(now - ((ISSUES - i) * day) / 10),
      updated_at: new Date(now - ((ISSUES - i) * day) / 20),
    };
  });
  await knex.batchInsert('issues', issues, 1000);
  const issuePks = (await knex('issues').where({ project_id: projectId }).orderBy('id').select('pk')).map((r) => r.pk);
  const comments = [];
  const links = [];
  for (const pk of issuePks) {
    for (let c = pick(5); c > 0; c--) comments.push({ ticket_pk: pk, user_id: user(), comment: `A comment ${c} with **Markdown**` });
    const tags = new Set([tagIds[pick(TAGS.length)], tagIds[pick(TAGS.length)]]);
    for (const tag of tags) links.push({ ticket_pk: pk, tag_id: tag });
  }
  await knex.batchInsert('issue_comments', comments, 2000);
  await knex.batchInsert('issue_tag_links', links, 2000);
  const statuses = ['Open', 'Merged', 'Merged', 'Closed'];
  const pulls = Array.from({ length: PULLS }, (_, i) => ({
    project_id: projectId,
    id: ISSUES + i + 1,
    uid: `p${String(i + 1).padStart(31, '0')}`,
    title: `Pull request ${i + 1}`,
    user_id: user(),
    assignee_id: next() < 0.3 ? user() : null,
    branch: 'main',
    project_from_id: projectId,
    branch_from: `feature-${i + 1}`,
    status: statuses[pick(statuses.length)],
    initial_comment: 'Please merge',
    created_at: new Date(now - ((PULLS - i) * day) / 5),
  }));
  await knex.batchInsert('pull_requests', pulls, 1000);
  const prPks = (await knex('pull_requests').where({ project_id: projectId }).select('pk')).map((r) => r.pk);
  const prComments = [];
  for (const pk of prPks)
    for (let c = pick(4); c > 0; c--) prComments.push({ ticket_pk: pk, user_id: user(), comment: c % 2 ? '+1' : 'Looks good' });
  await knex.batchInsert('pull_request_comments', prComments, 2000);
  await knex('projects')
    .where({ id: projectId })
    .update({ ticket_seq: ISSUES + PULLS });
  // The steady state autovacuum keeps: statistics and the visibility map (index-only scans).
  await knex.raw('vacuum analyze');
  const hidden = new Set(issues.filter((i) => i.private).map((i) => i.id));
  return { comments: comments.length + prComments.length, firstUser, hidden };
}

/** Load from a separate process, so the server has its event loop to itself. */
function load(url, connections, pathOf) {
  return loadFromAnotherProcess(
    url,
    connections,
    Array.from({ length: 2000 }, () => pathOf()),
  );
}

async function timed(count, action) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await action(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    count,
    p50ms: +percentile(times, 50).toFixed(1),
    p95ms: +percentile(times, 95).toFixed(1),
    maxms: +times[times.length - 1].toFixed(1),
  };
}

async function post(t, pathname, body, token) {
  const res = await t.api('POST', pathname, body, { Authorization: `token ${token}` });
  if (res.status !== 200) throw new Error(`${pathname} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export default async function benchmark() {
  const rows = [];
  const modes = serverServices() ? ['server', 'embedded'] : ['embedded'];
  for (const mode of modes.filter((m) => !process.env.PAGURUS_BENCH_MODE || m === process.env.PAGURUS_BENCH_MODE)) {
    const t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    try {
      await t.createUser('owner', { password: 'owner-password1' });
      const project = await t.createProject('owner', 'big', { namespace: 'rpms', readme: true });
      const started = performance.now();
      const { firstUser, hidden } = await seed(t.forge.db.knex, project.id);
      const seeded = ((performance.now() - started) / 1000).toFixed(1);
      const next = random(7);
      const some = (n) => 1 + Math.floor(next() * n);
      const base = `${t.url}/api/0/rpms/big`;
      const cases = {
        'issues (page 1)': () => '/api/0/rpms/big/issues',
        'issues?status=all&tags=bug&milestones=F41': () => `/api/0/rpms/big/issues?status=all&tags=bug&milestones=F41&page=${some(5)}`,
        'issues?assignee=': () => `/api/0/rpms/big/issues?status=all&assignee=dev${some(USERS)}`,
        'pull-requests': () => `/api/0/rpms/big/pull-requests?status=all&page=${some(20)}`,
        // Private issues answer 403 to anonymous readers: the bench reads public ones.
        'issue/<id>': () => {
          let id = some(ISSUES);
          while (hidden.has(id)) id = some(ISSUES);
          return `/api/0/rpms/big/issue/${id}`;
        },
        'pull-request/<id>': () => `/api/0/rpms/big/pull-request/${ISSUES + some(PULLS)}`,
      };
      for (const [what, pathOf] of Object.entries(cases)) {
        const check = await fetch(t.url + pathOf());
        if (check.status !== 200 && check.status !== 403) throw new Error(`${what} answered ${check.status}: ${await check.text()}`);
        for (const connections of [4, 32]) rows.push({ mode, what, seededSeconds: seeded, ...(await load(base, connections, pathOf)) });
      }

      // Writes that go through the workers, each with wait=true.
      const token = await t.createToken('owner', ['create_project', 'fork_project', 'pull_request_create', 'pull_request_merge']);
      rows.push({
        mode,
        what: 'POST /new (wait)',
        ...(await timed(10, (i) => post(t, '/api/0/new', { name: `fresh-${i}`, description: 'Bench', wait: true }, token))),
      });
      await t.createUser('forker', { password: 'forker-password1' });
      const forkToken = await t.createToken('forker', ['fork_project']);
      rows.push({
        mode,
        what: 'POST /fork (wait)',
        ...(await timed(10, (i) => post(t, '/api/0/fork', { repo: `fresh-${i}`, wait: true }, forkToken))),
      });

      const work = await mkdtemp(path.join(tmpdir(), 'pagurus-bench-'));
      const remote = `${t.url.replace('://', '://owner:owner-password1@')}/rpms/big.git`;
      await git(work, 'clone', '-q', remote, 'big');
      const clone = path.join(work, 'big');
      for (let i = 0; i < MERGES; i++) {
        await git(clone, 'checkout', '-q', '-b', `merge-${i}`, 'origin/main');
        await writeFile(path.join(clone, `file-${i}.txt`), `change ${i}\n`);
        await git(clone, 'add', '.');
        await git(clone, 'commit', '-q', '-m', `Change ${i}`);
      }
      await git(clone, 'push', '-q', 'origin', ...Array.from({ length: MERGES }, (_, i) => `merge-${i}`));
      const ids = [];
      for (let i = 0; i < MERGES; i++) {
        const pr = await post(
          t,
          '/api/0/rpms/big/pull-request/new',
          { title: `Merge ${i}`, branch_to: 'main', branch_from: `merge-${i}` },
          token,
        );
        ids.push(pr.id);
      }
      // Alternating fast-forward and merge-commit cases: each merge moves main.
      rows.push({
        mode,
        what: 'POST pull-request/<id>/merge (wait)',
        ...(await timed(MERGES, (i) => post(t, `/api/0/rpms/big/pull-request/${ids[i]}/merge`, { wait: true }, token))),
      });
      void firstUser;
    } finally {
      await t.close();
    }
  }
  return rows;
}
