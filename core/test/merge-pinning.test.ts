// A merge is pinned to the head the merger saw: commits that reach the source branch after
// (before the refresh records them, or after the page was shown) are not merged unseen. The
// merge is refused, the target branch stays, and once the new head is shown, it merges.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { cloneUrl, commitFile, gitOk, tempDir } from './support/git-client.js';
import { Browser } from './support/page-client.js';
import { eventually } from './support/wait.js';

interface Pr {
  id: number;
  status: string;
  commit_stop: string | null;
  cached_merge_status: string;
}

const moved = (from: string, to: string) =>
  `The pull-request's branch moved since it was reviewed (${from.slice(0, 7)} → ${to.slice(0, 7)}); review the new commits and merge again`;

describeModes('merges pinned to the reviewed head', (mode) => {
  let t: TestForge;
  let work: string;
  let bare: string;
  let headers: Record<string, string>;
  const credentials = { user: 'alice', secret: 'alice-password1' };

  const get = async (id: number) => (await t.api<Pr>('GET', `/api/0/pkg/pull-request/${id}`)).body;
  const settled = (id: number, head: string) =>
    eventually(async () => {
      const pr = await get(id);
      return pr.commit_stop === head && pr.cached_merge_status !== 'unknown' ? pr : undefined;
    }, `pull request #${id} to show ${head}`);
  const main = () => gitOk(bare, 'rev-parse', 'refs/heads/main');

  /** A branch of one commit on main, pushed through the forge, and a pull request from it once refreshed. */
  async function openFrom(branch: string): Promise<{ id: number; head: string }> {
    await gitOk(work, 'fetch', '-q', 'origin');
    await gitOk(work, 'checkout', '-q', '-b', branch, 'origin/main');
    const head = await commitFile(work, `${branch}.txt`, 'reviewed\n', { message: `Add ${branch}` });
    await gitOk(work, 'push', '-q', 'origin', branch);
    const res = await t.api<Pr>('POST', '/api/0/pkg/pull-request/new', { title: branch, branch_to: 'main', branch_from: branch }, headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await settled(res.body.id, head);
    return { id: res.body.id, head };
  }

  /** A commit added to the branch in the repository on disk, behind the forge's back: no refresh records it. */
  async function sneakIn(branch: string): Promise<string> {
    const next = await commitFile(work, `${branch}.txt`, 'unreviewed\n', { message: 'Not reviewed' });
    await gitOk(bare, 'fetch', '-q', work, `refs/heads/${branch}:refs/heads/${branch}`);
    assert.equal(await gitOk(bare, 'rev-parse', `refs/heads/${branch}`), next);
    return next;
  }

  before(async () => {
    t = await createTestForge({ mode });
    await t.createUser('alice');
    await t.createProject('alice', 'pkg', { readme: true });
    bare = t.forge.repositories.pathOf('pkg.git');
    headers = { Authorization: `token ${await t.createToken('alice', ['pull_request_create', 'pull_request_merge'])}` };
    const root = await tempDir();
    work = path.join(root, 'pkg');
    await gitOk(root, 'clone', '-q', cloneUrl(t.url, 'pkg', credentials), work);
  });
  after(() => t?.close());

  it('refuses an API merge when the branch moved past the recorded head, and merges once the refresh shows it', async () => {
    const { id, head } = await openFrom('api-moved');
    const next = await sneakIn('api-moved');
    assert.equal((await get(id)).commit_stop, head, 'the recorded head is stale');
    const before = await main();

    const refused = await t.api<{ error: string; error_code: string; errors: unknown }>(
      'POST',
      `/api/0/pkg/pull-request/${id}/merge`,
      { wait: true },
      headers,
    );
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error_code, 'EPRCONFLICTS');
    assert.equal(refused.body.errors, moved(head, next));
    assert.equal(await main(), before, 'the target branch did not move');
    assert.equal((await get(id)).status, 'Open');

    // The refusal asks for a refresh: the pull request now shows the new commit, which merges.
    await settled(id, next);
    const merged = await t.api('POST', `/api/0/pkg/pull-request/${id}/merge`, { wait: true }, headers);
    assert.deepEqual(merged.body, { message: 'Changes merged!' });
    assert.equal(await main(), next);
    assert.equal((await get(id)).status, 'Merged');
  });

  it('refuses the merge button of a page showing an old head, and merges from the page showing the new one', async () => {
    const alice = new Browser(t);
    await alice.logIn('alice', 'alice-password1');
    const { id, head } = await openFrom('web-moved');
    const page = `/pkg/pull-request/${id}`;
    const shown = (html: string) => html.match(/<input type="hidden" name="head" value="([^"]*)">/)?.[1];
    const stale = await alice.getForm(page);
    assert.equal(shown(stale.html), head);

    // A push through the forge this time: the refresh records the new head, but the page was shown before.
    const next = await commitFile(work, 'web-moved.txt', 'pushed later\n', { message: 'Pushed after the review' });
    await gitOk(work, 'push', '-q', 'origin', 'web-moved');
    await settled(id, next);
    const before = await main();

    const refused = await alice.post(`${page}/merge`, { csrf_token: stale.token, head: shown(stale.html)! });
    assert.equal(refused.status, 409);
    assert.ok(
      refused.html.replace(/&#x27;/g, "'").includes(`<p class="form-error" role="alert">The merge failed: ${moved(head, next)}</p>`),
      refused.html,
    );
    assert.equal(await main(), before, 'the target branch did not move');
    assert.equal((await get(id)).status, 'Open');

    // A page that names no commit is refused before any job runs.
    const garbled = await alice.submit(`${page}/merge`, { head: 'not-a-commit' }, page);
    assert.equal(garbled.status, 400);
    assert.equal(await main(), before);

    const fresh = await alice.getForm(page);
    assert.equal(shown(fresh.html), next);
    const merged = await alice.post(`${page}/merge`, { csrf_token: fresh.token, head: shown(fresh.html)! });
    assert.equal(merged.status, 302, merged.html);
    assert.equal(await main(), next);
    assert.equal((await get(id)).status, 'Merged');
  });
});
