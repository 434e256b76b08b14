// "Merge when ready": a committer asks, and the pull request merges itself in the worker once
// its flags pass (every flag on the head, or those plugins require) and the score allows;
// a failing flag or a new push cancels it, with a note on the pull request.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, eventually, gitOk, PageClient, tempDir, type TestForge } from '../src/testing/index.js';
import { prProject, type Pr, type PrProject } from './support/pull-request-project.js';
import { commitFile } from './support/git-client.js';

const VAULT_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/vault', import.meta.url));

interface State {
  message?: string;
  merge_when_ready: { user: string; date: string; required: string[] } | null;
  error_code?: string;
}

describeModes('merge when ready', (mode) => {
  let t: TestForge;
  let work: string;
  const auth: Record<string, Record<string, string>> = {};

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [VAULT_PLUGIN], config: { namespaces: ['rpms'] } });
    work = await tempDir();
    for (const name of ['alice', 'bob', 'ci']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
  });
  after(() => t?.close());

  /** A project with a pull request whose merge status is known. */
  const opened = async (): Promise<{ p: PrProject; id: number; pr: Pr }> => {
    const p = await prProject(t, work, 'alice', auth.alice!);
    await p.branch('feature', 'feature.txt', 'new\n');
    const { id } = (await p.open({ title: 'Feature', branch_to: 'main', branch_from: 'feature' })).body;
    return { p, id, pr: await p.settled(id) };
  };
  const setIt = (p: PrProject, id: number, as: string, enable: unknown = true) =>
    t.api<State>('POST', `${p.api}/pull-request/${id}/merge-when-ready`, { enable }, auth[as]);
  const flag = (p: PrProject, id: number, username: string, status: string) =>
    t.api(
      'POST',
      `${p.api}/pull-request/${id}/flag`,
      { username, status, comment: status, url: 'https://ci.example.org/1', uid: `uid-${username}` },
      auth.ci,
    );
  const notes = async (p: PrProject, id: number) => (await p.get(id)).body.comments.filter((c) => c.notification).map((c) => c.comment);

  it('merges once every flag on the head passed, as the committer who asked', async () => {
    const { p, id } = await opened();
    const set = await setIt(p, id, 'alice');
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.message, 'Merge when ready set');
    assert.deepEqual([set.body.merge_when_ready?.user, set.body.merge_when_ready?.required], ['alice', []]);
    assert.deepEqual((await t.api<State>('GET', `${p.api}/pull-request/${id}/merge-when-ready`)).body.merge_when_ready?.user, 'alice');
    // No flag yet: nothing to wait on is not a pass.
    await t.drainEvents();
    assert.equal((await p.get(id)).body.status, 'Open');
    await flag(p, id, 'Koji', 'pending');
    await t.drainEvents();
    assert.equal((await p.get(id)).body.status, 'Open', 'a pending flag waits');
    await flag(p, id, 'Koji', 'success');
    const merged = await eventually(async () => {
      const now = (await p.get(id)).body;
      return now.status === 'Merged' ? now : undefined;
    }, 'the merge');
    assert.equal(merged.closed_by!.name, 'alice');
    assert.ok((await notes(p, id)).some((n) => n.startsWith('**Merge when ready** set by @alice')));
    assert.equal((await t.api<State>('GET', `${p.api}/pull-request/${id}/merge-when-ready`)).body.merge_when_ready, null);
  });

  it('is cancelled by a failing flag, with a note, and nothing merges', async () => {
    const { p, id } = await opened();
    await setIt(p, id, 'alice');
    await flag(p, id, 'Koji', 'pending');
    await flag(p, id, 'Zuul', 'failure');
    await flag(p, id, 'Koji', 'success');
    await eventually(
      async () => ((await notes(p, id)).includes('**Merge when ready** cancelled: Zuul reports failure.') ? true : undefined),
      'the note',
    );
    await t.drainEvents();
    assert.equal((await p.get(id)).body.status, 'Open');
    assert.equal((await t.api<State>('GET', `${p.api}/pull-request/${id}/merge-when-ready`)).body.merge_when_ready, null);
  });

  it('is cancelled by a new push to the source branch', async () => {
    const { p, id } = await opened();
    await setIt(p, id, 'alice');
    await commitFile(p.dir, 'feature.txt', 'newer\n', { message: 'More' });
    await gitOk(p.dir, 'push', '-q', 'origin', 'feature');
    await eventually(
      async () => ((await notes(p, id)).includes('**Merge when ready** cancelled: new commits were pushed.') ? true : undefined),
      'the note',
    );
    await flag(p, id, 'Koji', 'success');
    await t.drainEvents();
    assert.equal((await p.get(id)).body.status, 'Open', 'the new head is not merged unseen');
  });

  it('waits for the flags plugins require, and for the score', async () => {
    const { p, id } = await opened();
    assert.equal((await t.api('POST', `${p.api}/plugins/vault`, { url: 'https://vault.example.org' }, auth.alice)).status, 200);
    assert.equal((await t.api('POST', `${p.api}/options/update`, { 'Minimum_score_to_merge_pull-request': '1' }, auth.alice)).status, 200);
    const set = await setIt(p, id, 'alice');
    assert.deepEqual(set.body.merge_when_ready?.required, ['Vault CI']);
    await flag(p, id, 'Koji', 'success');
    await t.drainEvents();
    assert.equal((await p.get(id)).body.status, 'Open', 'not the required flag');
    await flag(p, id, 'Vault CI', 'success');
    await t.drainEvents();
    assert.equal((await p.get(id)).body.status, 'Open', 'the score is 0');
    await t.api('POST', `${p.api}/pull-request/${id}/comment`, { comment: '+1' }, auth.bob);
    await eventually(async () => ((await p.get(id)).body.status === 'Merged' ? true : undefined), 'the merge once +1');
  });

  it('is for committers, on open pull requests, and can be cancelled', async () => {
    const { p, id } = await opened();
    const refused = await setIt(p, id, 'bob');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error_code, 'ENOPRCLOSE');
    assert.equal((await t.api('POST', `${p.api}/pull-request/${id}/merge-when-ready`, {})).status, 401, 'no token');
    await setIt(p, id, 'alice');
    const cancelled = await setIt(p, id, 'alice', 'false');
    assert.deepEqual(cancelled.body, { message: 'Merge when ready cancelled', merge_when_ready: null });
    assert.ok((await notes(p, id)).includes('**Merge when ready** cancelled by @alice.'));
    await flag(p, id, 'Koji', 'success');
    await t.drainEvents();
    assert.equal((await p.get(id)).body.status, 'Open');
    await t.api('POST', `${p.api}/pull-request/${id}/close`, {}, auth.alice);
    const closed = await setIt(p, id, 'alice');
    assert.equal(closed.status, 400);
  });

  it('is set and cancelled from the pull-request page, which says what it waits for', async () => {
    const { p, id } = await opened();
    const path = `/${p.repo}/pull-request/${id}`;
    const bob = new PageClient(t);
    await bob.logIn('bob');
    assert.ok(!(await bob.get(path)).html.includes('Merge when ready</button>'), 'not for those who cannot merge');
    const page = new PageClient(t);
    await page.logIn('alice');
    const form = await page.getForm(path);
    assert.match(form.html, /<button type="submit">Merge when ready<\/button>/);
    const set = await page.post(`${path}/merge-when-ready`, { csrf_token: form.token, enable: 'true' });
    assert.equal(set.status, 302);
    const shown = await page.get(path);
    assert.match(shown.html, /Merges when ready, as <a [^>]*>alice<\/a> asked: waiting for every flag on its head to pass\./);
    assert.match(shown.html, /<button type="submit">Cancel merge when ready<\/button>/);
    await page.post(`${path}/merge-when-ready`, { csrf_token: form.token, enable: 'false' });
    assert.ok(!(await page.get(path)).html.includes('id="merge-when-ready"'));
  });
});
