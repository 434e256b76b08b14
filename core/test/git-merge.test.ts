// The git side of merging and rebasing pull requests, on real repositories: what a merge
// would do, merge commits written without a working tree, the compare-and-swap that
// publishes them, and rebases in a throw-away clone. This layer touches neither the database
// nor the queue, but runs under both modes like every suite, so a mode's run covers it too.
import assert from 'node:assert/strict';
import path from 'node:path';
import { analyseMerge, commitMessages, fetchRef, moveBranch, rebaseCommits, treeOf, writeCommit } from '../src/git/index.js';
import { describeModes } from '../src/testing/index.js';
import { commitFile, gitOk, tempDir } from './support/git-client.js';

describeModes('git merges for pull requests', () => {
  let bare: string;
  let work: string;
  let base: string;
  let ff: string;
  let clean: string;
  let conflict: string;
  let mainHead: string;
  const me = { name: 'Merge Bot', email: 'bot@example.test' };

  before(async () => {
    const root = await tempDir();
    bare = path.join(root, 'repo.git');
    work = path.join(root, 'work');
    await gitOk(root, 'init', '-q', '--bare', '-b', 'main', bare);
    await gitOk(root, 'clone', '-q', bare, work);
    await gitOk(work, 'checkout', '-q', '-b', 'main');
    base = await commitFile(work, 'a.txt', 'one\ntwo\nthree\n');
    await gitOk(work, 'push', '-q', 'origin', 'main');
    await gitOk(work, 'checkout', '-q', '-b', 'ff');
    ff = await commitFile(work, 'b.txt', 'b\n', { message: 'Add b\n\nSigned-off-by: A <a@example.test>' });
    await gitOk(work, 'checkout', '-q', '-b', 'clean', base);
    clean = await commitFile(work, 'c.txt', 'c\n');
    await gitOk(work, 'checkout', '-q', '-b', 'conflict', base);
    conflict = await commitFile(work, 'a.txt', 'ONE\ntwo\nthree\n');
    await gitOk(work, 'checkout', '-q', 'main');
    mainHead = await commitFile(work, 'a.txt', 'uno\ntwo\nthree\n');
    await gitOk(work, 'push', '-q', 'origin', 'main', 'ff', 'clean', 'conflict');
  });

  it('tells no change, fast-forward, merge and conflicts apart', async () => {
    assert.deepEqual(await analyseMerge(bare, mainHead, base), { kind: 'NO_CHANGE' });
    assert.deepEqual(await analyseMerge(bare, base, ff), { kind: 'FFORWARD' });
    assert.deepEqual(await analyseMerge(bare, undefined, ff), { kind: 'FFORWARD' }, 'an empty target takes anything');
    const merge = await analyseMerge(bare, mainHead, clean);
    assert.equal(merge.kind, 'MERGE');
    assert.deepEqual(await analyseMerge(bare, mainHead, conflict), { kind: 'CONFLICTS' });
  });

  it('writes a merge commit without a working tree and publishes it with a compare-and-swap', async () => {
    const merge = await analyseMerge(bare, mainHead, clean);
    assert.equal(merge.kind, 'MERGE');
    const commit = await writeCommit(bare, {
      tree: (merge as { tree: string }).tree,
      parents: [mainHead, clean],
      message: 'Merge #2 `Add c`',
      author: me,
    });
    // Someone else moved main first: the merge is not published.
    await assert.rejects(moveBranch(bare, 'main', commit, base, 'stale merge'));
    assert.equal(await gitOk(bare, 'rev-parse', 'main'), mainHead);
    await moveBranch(bare, 'main', commit, mainHead, 'merge');
    assert.equal(await gitOk(bare, 'rev-parse', 'main'), commit);
    assert.equal(
      await gitOk(bare, 'log', '-1', '--format=%P%n%an <%ae>%n%s', 'main'),
      `${mainHead} ${clean}\nMerge Bot <bot@example.test>\nMerge #2 \`Add c\``,
    );
    assert.equal(await gitOk(bare, 'show', 'main:c.txt'), 'c');
    assert.equal(await gitOk(bare, 'show', 'main:a.txt'), 'uno\ntwo\nthree');
    // A merge commit over a fast-forward keeps the source's tree.
    const always = await writeCommit(bare, { tree: await treeOf(bare, ff), parents: [base, ff], message: 'Merge #1', author: me });
    assert.equal(await gitOk(bare, 'rev-parse', `${always}^{tree}`), await treeOf(bare, ff));
  });

  it('lists the commits a source brings, newest first, with their messages', async () => {
    const commits = await commitMessages(bare, ff, base);
    assert.deepEqual(commits, [{ hash: ff, message: 'Add b\n\nSigned-off-by: A <a@example.test>' }]);
    assert.deepEqual(await commitMessages(bare, base, mainHead), []);
  });

  it('copies a branch of another repository into a pull ref', async () => {
    const root = await tempDir();
    const other = path.join(root, 'fork.git');
    await gitOk(root, 'clone', '-q', '--bare', bare, other);
    assert.equal(await fetchRef(bare, other, 'refs/heads/ff', 'refs/pull/7/head'), ff);
    assert.equal(await gitOk(bare, 'rev-parse', 'refs/pull/7/head'), ff);
    assert.equal(await fetchRef(bare, other, 'refs/heads/nope', 'refs/pull/8/head'), undefined);
    assert.equal(await fetchRef(bare, bare, 'refs/heads/clean', 'refs/pull/9/head'), clean);
  });

  it('rebases onto the target in a throw-away clone, and refuses a conflicting rebase', async () => {
    const current = await gitOk(bare, 'rev-parse', 'main');
    const done = await rebaseCommits(bare, ff, bare, current, me, 'refs/pagurus/rebase/x');
    assert.equal(done.ok, true);
    const head = (done as { head: string }).head;
    assert.equal(await gitOk(bare, 'rev-parse', 'refs/pagurus/rebase/x'), head);
    assert.equal(await gitOk(bare, 'rev-parse', `${head}^`), current);
    assert.equal(await gitOk(bare, 'log', '-1', '--format=%cn', head), 'Merge Bot');
    assert.equal(await gitOk(bare, 'rev-parse', 'ff'), ff, "the branch itself is the caller's to move");
    const refused = await rebaseCommits(bare, conflict, bare, current, me, 'refs/pagurus/rebase/y');
    assert.deepEqual(refused, { ok: false, reason: 'Did not manage to rebase this pull-request' });
  });
});
