// Twenty clients pushing to one branch at once, round after round: each round exactly one
// push lands and every other gets one of git's own refusals (its ref moved meanwhile); the
// losers fetch, rebase and push again until all have landed. At the end the branch holds
// each client's commit once, the repository passes `git fsck`, and each landed push was
// announced (git.receive) once.
import assert from 'node:assert/strict';
import path from 'node:path';
import { cloneUrl, commitFile, createTestForge, gitOk, gitRun, serverServices, tempDir, type TestForge } from '@pagurus/core/testing';
import { assertEachEventDeliveredOnce, DURABLE_SUBSCRIBER } from './support.js';

const CLIENTS = 20;

describe('faults: twenty clients pushing to one branch at once', () => {
  let t: TestForge;
  let work: string;
  let url: string;

  before(async function () {
    if (!serverServices()) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
    this.timeout(120_000);
    // Every client comes from 127.0.0.1: the per-address limit would turn most away first.
    t = await createTestForge({
      mode: 'server',
      listen: true,
      config: { 'git.max_concurrent_per_address': 100 },
      plugins: [DURABLE_SUBSCRIBER],
    });
    await t.createUser('alice');
    await t.createProject('alice', 'pkg', { readme: true });
    work = await tempDir('pagurus-pushers-');
    url = cloneUrl(t.url, 'pkg', { user: 'alice', secret: 'alice-password1' });
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, n) => {
        await gitOk(work, 'clone', '-q', url, `c${n}`);
        await commitFile(path.join(work, `c${n}`), `client-${n}.txt`, `from client ${n}\n`, { message: `Client ${n}` });
      }),
    );
  });
  after(() => t?.close());

  it('lands one push per round, refuses the others as git does, and loses no commit', async function () {
    this.timeout(300_000);
    let pending = Array.from({ length: CLIENTS }, (_, n) => n);
    let rounds = 0;
    while (pending.length) {
      rounds += 1;
      const results = await Promise.all(
        pending.map(async (n) => ({ n, ...(await gitRun(path.join(work, `c${n}`), ['push', 'origin', 'main'])) })),
      );
      const landed = results.filter((r) => r.code === 0);
      assert.equal(landed.length, 1, `round ${rounds}: ${landed.length} pushes landed`);
      for (const r of results.filter((x) => x.code !== 0)) {
        assert.match(
          r.stderr,
          /\[rejected\].*\((fetch first|non-fast-forward)\)|\[remote rejected\].*\((failed to update ref|cannot lock ref[^)]*)\)/,
          r.stderr,
        );
      }
      pending = pending.filter((n) => n !== landed[0]!.n);
      await Promise.all(pending.map((n) => gitOk(path.join(work, `c${n}`), 'pull', '-q', '--rebase', 'origin', 'main')));
    }
    assert.equal(rounds, CLIENTS);

    const check = await tempDir('pagurus-pushers-check-');
    await gitOk(check, 'clone', '-q', url, 'final');
    const subjects = (await gitOk(path.join(check, 'final'), 'log', '--format=%s', 'main')).split('\n');
    for (let n = 0; n < CLIENTS; n += 1) {
      assert.equal(subjects.filter((s) => s === `Client ${n}`).length, 1, `client ${n}'s commit once`);
    }
    const bare = path.join(t.forge.config.git.reposDir, 'pkg.git');
    const fsck = await gitRun(bare, ['fsck', '--strict', '--no-dangling']);
    assert.equal(fsck.code, 0, fsck.stderr);

    await t.drainEvents(60_000);
    const [{ count }] = (await t.forge.db.knex('forge_events').where({ topic: 'git.receive' }).count('* as count')) as [
      { count: string | number },
    ];
    assert.equal(Number(count), CLIENTS, 'one git.receive per landed push');
    await assertEachEventDeliveredOnce(t);
  });
});
