// Pagure's magic words in commit messages, as the push hook reads them, and what a push
// of them does.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { commitReferences } from '../src/services/tickets/commit-references.js';
import { cloneUrl, commitFile, gitOk, tempDir } from './support/git-client.js';
import { eventually } from './support/wait.js';

const BASE = 'https://src.example.org/';
const refs = (text: string) =>
  commitReferences(text, BASE).map((r) => `${r.kind} ${r.project ?? ''}#${r.id}${r.type ? ` (${r.type})` : ''}`);

describe('commit message references', () => {
  it('reads every spelling of the closing words, in any case, with or without a colon', () => {
    for (const word of [
      'Fix',
      'fixes',
      'FIXED',
      'Fixe',
      'close',
      'Closes',
      'closed',
      'merge',
      'Merges',
      'merged',
      'resolve',
      'Resolves',
      'resolved',
    ]) {
      assert.deepEqual(refs(`Some change\n\n${word} #12`), ['fixes #12'], word);
      assert.deepEqual(refs(`${word}: #3`), ['fixes #3'], `${word}:`);
    }
  });

  it('reads "relates" with or without "to", and keeps each reference once, in order', () => {
    assert.deepEqual(refs('Relates to #4\nrelated #5\nFixes #6 and fixes #7, fixes #6'), [
      'relates #4',
      'relates #5',
      'fixes #6',
      'fixes #7',
    ]);
  });

  it('reads full URLs of this forge, naming the project and what it is', () => {
    assert.deepEqual(
      refs('Fixes https://src.example.org/rpms/pkg/issue/9\nmerges https://src.example.org/fork/alice/pkg/pull-request/10'),
      ['fixes rpms/pkg#9 (issue)', 'fixes fork/alice/pkg#10 (pull-request)'],
    );
    assert.deepEqual(refs('Relates to https://src.example.org/rpms/pkg/issue/2'), ['relates rpms/pkg#2 (issue)']);
  });

  it('ignores words inside other words, other forges, and #0', () => {
    assert.deepEqual(refs('prefixes #1\nunresolved #2\nFixes https://other.example.org/rpms/pkg/issue/3\nfixes #0\nfix issue 4'), []);
  });
});

// Pushed with the real git client: a reference acts only where the pusher could do the same
// by hand, and a pull request is marked merged only once its commits are in its target branch.
describeModes('commit references in pushed commits', (mode) => {
  let t: TestForge;
  let work: string;
  const as = (user: string) => ({ user, secret: `${user}-password1` });
  type Comments = { comments: Array<{ comment: string; user: { name: string } }> };
  type Issue = Comments & { status: string; close_status: string | null; closed_by: { name: string } | null };
  type PullRequest = Comments & { status: string; cached_merge_status: string; commit_stop: string };
  const issue = async (repo: string, id: number) => (await t.api<Issue>('GET', `/api/0/${repo}/issue/${id}`)).body;
  const pullRequest = async (repo: string, id: number) => (await t.api<PullRequest>('GET', `/api/0/${repo}/pull-request/${id}`)).body;
  const noted = (ticket: Comments, text: string) => ticket.comments.some((c) => c.comment.endsWith(text));
  let alice: Record<string, string>;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode });
    work = await tempDir();
    for (const name of ['alice', 'bob']) await t.createUser(name);
    await t.createProject('bob', 'beta', { readme: true });
    alice = { Authorization: `token ${await t.createToken('alice', ['issue_create', 'pull_request_create'])}` };
  });
  after(() => t?.close());

  /**
   * A project of alice's for one test (so no test sees another's pushes): an open issue; a pull
   * request whose commit alice pushed to main by hand (so it is in its target, still Open); and
   * one whose commit is not in main. Ids are read from the answers.
   */
  async function aliceProject(repo: string): Promise<{ dir: string; issue: number; landed: number; unlanded: number }> {
    await t.createProject('alice', repo, { readme: true });
    const opened = await t.api<{ issue: { id: number } }>(
      'POST',
      `/api/0/${repo}/new_issue`,
      { title: 'Broken', issue_content: 'Please fix' },
      alice,
    );
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const dir = path.join(work, repo);
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, repo, as('alice')), dir);
    await gitOk(dir, 'checkout', '-q', '-b', 'landed');
    await commitFile(dir, 'landed.txt', 'landed\n');
    await gitOk(dir, 'checkout', '-q', '-b', 'unlanded', 'main');
    await commitFile(dir, 'unlanded.txt', 'not yet\n');
    await gitOk(dir, 'push', '-q', 'origin', 'landed', 'unlanded');
    const requests: number[] = [];
    for (const [title, branch] of [
      ['Landed', 'landed'],
      ['Not landed', 'unlanded'],
    ]) {
      const made = await t.api<{ id: number }>(
        'POST',
        `/api/0/${repo}/pull-request/new`,
        { title, branch_to: 'main', branch_from: branch },
        alice,
      );
      assert.equal(made.status, 200, JSON.stringify(made.body));
      requests.push(made.body.id);
    }
    for (const id of requests)
      await eventually(
        async () => ((await pullRequest(repo, id)).cached_merge_status !== 'unknown' ? true : undefined),
        `pull request #${id} refreshed`,
      );
    await gitOk(dir, 'push', '-q', 'origin', 'landed:main');
    return { dir, issue: opened.body.issue.id, landed: requests[0]!, unlanded: requests[1]! };
  }

  it("does not close another project's issue or merge its pull request for a pusher who may not", async function () {
    // Its own project, cloned and pushed: git work that takes a while on a busy machine.
    this.timeout(120_000);
    const { issue: target, landed, unlanded } = await aliceProject('alpha');
    const bob = { Authorization: `token ${await t.createToken('bob', ['issue_create', 'issue_change_status', 'pull_request_close'])}` };
    // By hand, bob may do neither.
    assert.equal(
      (await t.api<{ error_code: string }>('POST', `/api/0/alpha/issue/${target}/status`, { status: 'Closed', close_status: 'Fixed' }, bob))
        .status,
      403,
    );
    assert.equal((await t.api<{ error_code: string }>('POST', `/api/0/alpha/pull-request/${landed}/close`, {}, bob)).status, 403);
    // So he says it in a commit to his own project, next to a fix of his own issue.
    const mine = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/beta/new_issue',
      { title: 'Mine', issue_content: 'Mine to fix' },
      bob,
    );
    assert.equal(mine.status, 200);
    const beta = path.join(work, 'beta');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'beta', as('bob')), beta);
    const message = [
      'Sneaky',
      '',
      `Fixes #${mine.body.issue.id}`,
      `Fixes ${t.url}/alpha/issue/${target}`,
      `Merges ${t.url}/alpha/pull-request/${landed}`,
      `Merges ${t.url}/alpha/pull-request/${unlanded}`,
    ].join('\n');
    const sneaky = await commitFile(beta, 'sneaky.txt', 'x\n', { message });
    await gitOk(beta, 'push', '-q', 'origin', 'main');
    const mention = `Commit [${sneaky.slice(0, 8)}]`;
    // The last reference of the commit: once it is noted, the push job is done.
    const named = (ticket: Comments) => ticket.comments.some((c) => c.comment.startsWith(` ${mention}`));
    await eventually(
      async () => (named(await pullRequest('alpha', unlanded)) ? true : undefined),
      'the commit noted on the last pull request',
    );
    assert.equal((await issue('beta', mine.body.issue.id)).status, 'Closed', "bob's own issue is closed");

    const theirs = await issue('alpha', target);
    assert.equal(theirs.status, 'Open');
    assert.equal(theirs.close_status, null);
    assert.ok(
      theirs.comments.some(
        (c) =>
          c.comment === ` ${mention}(${t.url.replace(/\/+$/, '')}/beta/c/${sneaky.slice(0, 8)}) relates to this ticket` &&
          c.user.name === 'bob',
      ),
    );
    assert.ok(!noted(theirs, 'fixes this issue'));
    for (const id of [landed, unlanded]) {
      const pr = await pullRequest('alpha', id);
      assert.equal(pr.status, 'Open', `pull request #${id}`);
      assert.ok(noted(pr, 'relates to this pull-request'), `pull request #${id} mentions the commit`);
      assert.ok(!noted(pr, 'fixes this pull-request'));
    }
    const closed = await t.api<{ requests: unknown[] }>('GET', '/api/0/alpha/pull-requests?status=Merged');
    assert.equal(closed.body.requests.length, 0);
  });

  it('closes the issue and marks merged only the pull request whose commits landed, for one who may', async function () {
    // Its own project, cloned and pushed: git work that takes a while on a busy machine.
    this.timeout(120_000);
    const { dir, issue: target, landed, unlanded } = await aliceProject('gamma');
    await gitOk(dir, 'checkout', '-q', 'main');
    await gitOk(dir, 'pull', '-q', 'origin', 'main');
    const message = `Fix it\n\nFixes #${target}\nMerges #${landed}\nMerges #${unlanded}`;
    const fix = await commitFile(dir, 'fix.txt', 'fixed\n', { message });
    await gitOk(dir, 'push', '-q', 'origin', 'main');
    const closed = await eventually(async () => {
      const now = await issue('gamma', target);
      return now.status === 'Closed' ? now : undefined;
    }, 'the issue to be closed by the pushed commit');
    assert.equal(closed.close_status, 'Fixed');
    assert.equal(closed.closed_by?.name, 'alice');
    assert.ok(
      closed.comments.some(
        (c) => c.comment === ` Commit [${fix.slice(0, 8)}](${t.url.replace(/\/+$/, '')}/gamma/c/${fix.slice(0, 8)}) fixes this issue`,
      ),
    );
    const merged = await eventually(async () => {
      const now = await pullRequest('gamma', landed);
      return now.status === 'Merged' ? now : undefined;
    }, 'the landed pull request to be marked merged');
    assert.ok(noted(merged, 'fixes this pull-request'));
    // The last reference of the commit: once it is noted, the push job is done with it.
    const waiting = await eventually(async () => {
      const now = await pullRequest('gamma', unlanded);
      return now.comments.some(
        (c) => c.comment.startsWith(` Commit [${fix.slice(0, 8)}]`) && c.comment.endsWith('relates to this pull-request'),
      )
        ? now
        : undefined;
    }, 'the mention on the unlanded pull request');
    assert.equal(waiting.status, 'Open');
    assert.ok(!noted(waiting, 'fixes this pull-request'));
  });
});
