// The repository service owns every ref the forge writes (branches and tags through the API,
// merges) and alone asks plugins' canPush: a veto refuses the write with the plugin's message
// and leaves the ref as it was; without one the write happens and is announced as a push.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { gitOk, tempDir } from './support/git-client.js';
import { prProject } from './support/pull-request-project.js';
import { eventually } from './support/wait.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const VETO = 'fixture refuses pushes to refs/heads/forbidden';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : name.endsWith('.ts') ? [file] : [];
  });
}

describe('the repository service', () => {
  it('is the only part of core that fires the canPush hook', () => {
    const callers = sources(SRC)
      .filter((file) => /\.canPush\s*\.\s*(promise|call|callAsync)\s*\(/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(SRC, file).split(path.sep).join('/'));
    assert.ok(callers.length > 0, 'someone fires canPush');
    assert.deepEqual(
      callers.filter((file) => !file.startsWith('services/repository/')),
      [],
    );
  });
});

describeModes('ref writes through the repository service', (mode) => {
  let t: TestForge;
  let work: string;
  let alice: Record<string, string>;
  const project = () => prProject(t, work, 'alice', alice);
  const refOf = (bare: string, ref: string) => gitOk(bare, 'for-each-ref', '--format=%(objectname)', ref);

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    work = await tempDir();
    await t.createUser('alice');
    const acls = ['create_branch', 'modify_project', 'pull_request_create', 'pull_request_merge'];
    alice = { Authorization: `token ${await t.createToken('alice', acls)}` };
  });
  after(() => t?.close());

  it('creates a branch through the API, and refuses a vetoed one with the plugin message, writing nothing', async () => {
    const p = await project();
    const bare = t.forge.repositories.pathOf(`${p.repo}.git`);
    const main = await refOf(bare, 'refs/heads/main');
    const ok = await t.api('POST', `${p.api}/git/branch`, { branch: 'feature' }, alice);
    assert.deepEqual([ok.status, ok.body], [200, { message: 'Project branch was created' }]);
    assert.equal(await refOf(bare, 'refs/heads/feature'), main);

    const vetoed = await t.api('POST', `${p.api}/git/branch`, { branch: 'forbidden' }, alice);
    assert.equal(vetoed.status, 400);
    assert.deepEqual(vetoed.body, { error: VETO, error_code: 'ENOCODE' });
    assert.equal(await refOf(bare, 'refs/heads/forbidden'), '', 'no branch was made');
  });

  it('announces an API-made branch as a push (the git.branch.creation event)', async () => {
    const p = await project();
    await t.api('POST', `${p.api}/git/branch`, { branch: 'announced' }, alice);
    await eventually(async () => {
      const events = (await t.api<{ events: Array<{ topic: string; body: { branch?: string } }> }>('GET', '/api/0/_fixture/events')).body
        .events;
      return events.some((e) => e.topic === 'git.branch.creation' && e.body.branch === 'announced') || undefined;
    }, 'the branch creation event');
  });

  it('merges a pull request, and refuses to merge into a vetoed branch, leaving it unchanged', async () => {
    const p = await project();
    const bare = t.forge.repositories.pathOf(`${p.repo}.git`);
    // canPush vetoes every write of refs/heads/forbidden, so the branch is made on disk.
    await gitOk(bare, 'branch', 'forbidden', 'main');
    const before = await refOf(bare, 'refs/heads/forbidden');
    await p.branch('into-forbidden', 'veto.txt', 'veto\n', 'origin/forbidden');
    const vetoed = (await p.open({ title: 'Vetoed', branch_to: 'forbidden', branch_from: 'into-forbidden' })).body;
    await p.settled(vetoed.id);
    const refused = await t.api<{ errors: unknown }>('POST', `${p.api}/pull-request/${vetoed.id}/merge`, {}, alice);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.errors, VETO);
    assert.equal(await refOf(bare, 'refs/heads/forbidden'), before);
    assert.equal((await p.get(vetoed.id)).body.status, 'Open');

    const head = await p.branch('feature', 'feature.txt', 'feature\n');
    const pr = (await p.open({ title: 'Feature', branch_to: 'main', branch_from: 'feature' })).body;
    await p.settled(pr.id);
    const merged = await t.api('POST', `${p.api}/pull-request/${pr.id}/merge`, {}, alice);
    assert.deepEqual(merged.body, { message: 'Changes merged!' });
    assert.equal(await refOf(bare, 'refs/heads/main'), head);
  });

  it('deletes a branch under the push rules: never the default branch, never a vetoed one', async () => {
    const p = await project();
    const bare = t.forge.repositories.pathOf(`${p.repo}.git`);
    const target = (await t.forge.services.projectQueries.find({ namespace: 'rpms', name: p.repo.split('/')[1]!, forkOwner: null }))!;
    const user = (await t.forge.services.users.byName('alice'))!;
    const repository = t.forge.services.repository;
    const main = await refOf(bare, 'refs/heads/main');
    await gitOk(bare, 'branch', 'gone', 'main');
    await gitOk(bare, 'branch', 'forbidden', 'main');

    assert.equal(await repository.deleteBranch(user, target, 'gone'), main);
    assert.equal(await refOf(bare, 'refs/heads/gone'), '');
    await assert.rejects(repository.deleteBranch(user, target, 'main'), /default branch/);
    await assert.rejects(repository.deleteBranch(user, target, 'forbidden'), { message: VETO });
    assert.equal(await refOf(bare, 'refs/heads/forbidden'), main);
    await assert.rejects(repository.deleteBranch(user, target, 'never-was'), { code: 'EBRANCHNOTFOUND' });
  });
});
