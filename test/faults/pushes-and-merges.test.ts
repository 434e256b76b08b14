// Pushes to a branch while pull requests into it merge, all at once: every merge and every
// push either lands or is refused as git refuses a stale push (and then lands after a
// rebase), and at the end the branch holds every commit of every pushed change and every
// merged pull request, once.
import assert from 'node:assert/strict';
import path from 'node:path';
import { cloneUrl, commitFile, createTestForge, gitOk, gitRun, serverServices, tempDir, type TestForge } from '@pagurus/core/testing';
import { assertEachEventDeliveredOnce, DURABLE_SUBSCRIBER } from './support.js';

const PULL_REQUESTS = 6;
const PUSHERS = 6;

describe('faults: pushes to a branch while pull requests into it merge', () => {
  let t: TestForge;
  let work: string;
  let url: string;
  let auth: Record<string, string>;

  before(async function () {
    if (!serverServices()) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
    this.timeout(180_000);
    t = await createTestForge({
      mode: 'server',
      listen: true,
      config: { 'git.max_concurrent_per_address': 100, 'worker.concurrency': 4 },
      plugins: [DURABLE_SUBSCRIBER],
    });
    await t.createUser('alice');
    await t.createProject('alice', 'pkg', { readme: true });
    auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    work = await tempDir('pagurus-mixed-');
    url = cloneUrl(t.url, 'pkg', { user: 'alice', secret: 'alice-password1' });
    await gitOk(work, 'clone', '-q', url, 'seed');
    const seed = path.join(work, 'seed');
    for (let n = 0; n < PULL_REQUESTS; n += 1) {
      await gitOk(seed, 'checkout', '-q', '-b', `feature-${n}`, 'origin/main');
      await commitFile(seed, `feature-${n}.txt`, `feature ${n}\n`, { message: `Feature ${n}` });
      await gitOk(seed, 'push', '-q', 'origin', `feature-${n}`);
      const opened = await t.api(
        'POST',
        '/api/0/pkg/pull-request/new',
        { title: `Feature ${n}`, branch_to: 'main', branch_from: `feature-${n}` },
        auth,
      );
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
    }
    for (let n = 0; n < PUSHERS; n += 1) {
      await gitOk(work, 'clone', '-q', url, `p${n}`);
      await commitFile(path.join(work, `p${n}`), `push-${n}.txt`, `push ${n}\n`, { message: `Push ${n}` });
    }
  });
  after(() => t?.close());

  /** Pushes until it lands, fetching and rebasing after each refusal; answers the number of tries. */
  async function pushUntilLanded(n: number): Promise<number> {
    const dir = path.join(work, `p${n}`);
    for (let tries = 1; tries <= 50; tries += 1) {
      const pushed = await gitRun(dir, ['push', 'origin', 'HEAD:main']);
      if (pushed.code === 0) return tries;
      assert.match(
        pushed.stderr,
        /\[rejected\].*\((fetch first|non-fast-forward)\)|\[remote rejected\].*\((failed to update ref|cannot lock ref[^)]*)\)/,
        pushed.stderr,
      );
      await gitOk(dir, 'pull', '-q', '--rebase', 'origin', 'main');
    }
    throw new Error(`push ${n} never landed`);
  }

  /** Merges pull request #id, asking again while the branch keeps moving under it. */
  async function mergeUntilMerged(id: number): Promise<void> {
    for (let tries = 1; tries <= 50; tries += 1) {
      const merged = await t.api<{ message?: string; error?: string }>('POST', `/api/0/pkg/pull-request/${id}/merge`, {}, auth);
      if (merged.status === 200) return;
      // The branch moved between the merge's look and its compare-and-swap: Pagure's 409, try again.
      assert.ok([409, 400].includes(merged.status), `merge #${id}: ${merged.status} ${JSON.stringify(merged.body)}`);
      const pr = await t.api<{ status: string }>('GET', `/api/0/pkg/pull-request/${id}`);
      if (pr.body.status === 'Merged') return;
    }
    throw new Error(`pull request #${id} never merged`);
  }

  it('loses no commit', async function () {
    this.timeout(300_000);
    await Promise.all([
      ...Array.from({ length: PUSHERS }, (_, n) => pushUntilLanded(n)),
      ...Array.from({ length: PULL_REQUESTS }, (_, n) => mergeUntilMerged(n + 1)),
    ]);
    for (let id = 1; id <= PULL_REQUESTS; id += 1) {
      assert.equal((await t.api<{ status: string }>('GET', `/api/0/pkg/pull-request/${id}`)).body.status, 'Merged', `#${id}`);
    }
    const check = await tempDir('pagurus-mixed-check-');
    await gitOk(check, 'clone', '-q', url, 'final');
    const subjects = (await gitOk(path.join(check, 'final'), 'log', '--format=%s', 'main')).split('\n');
    for (let n = 0; n < PUSHERS; n += 1) assert.equal(subjects.filter((s) => s === `Push ${n}`).length, 1, `push ${n} once`);
    for (let n = 0; n < PULL_REQUESTS; n += 1) assert.equal(subjects.filter((s) => s === `Feature ${n}`).length, 1, `feature ${n} once`);
    const fsck = await gitRun(path.join(t.forge.config.git.reposDir, 'pkg.git'), ['fsck', '--strict', '--no-dangling']);
    assert.equal(fsck.code, 0, fsck.stderr);
    await assertEachEventDeliveredOnce(t);
  });
});
