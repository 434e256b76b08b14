// Every git read is bounded: a commit with a huge message (a few KB of pack, tens of MB
// once inflated) answers promptly, cut and marked, on the commit page, the API and the
// commits list; a push bringing an object over git.max_object_size_mb is refused.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';
import { runGit, GitOutputTooLarge } from '../src/git/index.js';

const HUGE = 12 * 1024 * 1024;

describeModes('bounded git reads', (mode) => {
  let t: TestForge;
  let work: string;
  let huge: string;
  const as = { user: 'alice', secret: 'alice-password1' };
  const dir = (name: string) => path.join(work, name);

  before(async function () {
    this.timeout(60_000);
    t = await createTestForge({ mode, config: { 'git.max_object_size_mb': 16 } });
    work = await tempDir();
    await t.createUser('alice');
    await t.createProject('alice', 'big', { readme: true });
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'big', as), dir('big'));
    // One line of 12 MB after the subject: it compresses to almost nothing in the pack.
    await writeFile(dir('message'), `Huge message subject\n\n${'x'.repeat(HUGE)}\nTHE-END-OF-THE-MESSAGE\n`);
    huge = await gitOk(dir('big'), 'commit-tree', 'HEAD^{tree}', '-p', 'HEAD', '-F', dir('message'));
    await gitOk(dir('big'), 'push', '-q', 'origin', `${huge}:refs/heads/main`);
  });
  after(() => t?.close());

  it('answers the commit API promptly with the message cut and marked', async () => {
    const started = Date.now();
    const info = await t.api<{ hash: string; message: string }>('GET', `/api/0/big/c/${huge}/info`);
    assert.equal(info.status, 200);
    assert.equal(info.body.hash, huge);
    assert.ok(info.body.message.startsWith('Huge message subject\n\nxxx'));
    assert.ok(info.body.message.length < 2 * 1024 * 1024, `a cut message, not ${info.body.message.length} characters`);
    assert.match(info.body.message, /\[message truncated\]\n$/);
    assert.doesNotMatch(info.body.message, /THE-END-OF-THE-MESSAGE/);
    assert.ok(Date.now() - started < 10_000, 'promptly');
  });

  it('shows the first part of the message on the commit page, with a notice', async () => {
    const response = await t.fetch(`/big/c/${huge}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /Huge message subject/);
    assert.match(html, /\[message truncated\]/);
    assert.doesNotMatch(html, /THE-END-OF-THE-MESSAGE/);
    assert.ok(html.length < 4 * 1024 * 1024, `a page of ${html.length} characters`);
  });

  it('lists the commit with a cut subject', async () => {
    await writeFile(dir('one-line'), `${'y'.repeat(HUGE)}\n`);
    const long = await gitOk(dir('big'), 'commit-tree', `${huge}^{tree}`, '-p', huge, '-F', dir('one-line'));
    await gitOk(dir('big'), 'push', '-q', 'origin', `${long}:refs/heads/one-line`);
    const response = await t.fetch('/big/commits/one-line');
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /y{900}/);
    assert.doesNotMatch(html, /y{1001}/, 'the subject is cut');
    assert.match(html, /Huge message subject/);
  });

  it('stops a read past its cap instead of buffering it', async () => {
    const repo = t.forge.repositories.pathOf('big.git');
    await assert.rejects(runGit(['cat-file', 'commit', huge], { cwd: repo, maxBytes: 1024 }), GitOutputTooLarge);
  });

  it('refuses a push bringing an object over git.max_object_size_mb, and names it', async () => {
    await gitOk(dir('big'), 'checkout', '-q', '-B', 'main', 'origin/main');
    await writeFile(dir('big/blob.bin'), Buffer.alloc(17 * 1024 * 1024, 'z'));
    const blob = await gitOk(dir('big'), 'hash-object', 'blob.bin');
    await gitOk(dir('big'), 'add', 'blob.bin');
    await gitOk(dir('big'), 'commit', '-q', '-m', 'Add a large file');
    const push = await gitRun(dir('big'), ['push', 'origin', 'HEAD:refs/heads/large']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, new RegExp(`blob ${blob} is 17\\.0 MiB: this forge accepts objects of at most 16\\.0 MiB`));
    const refs = await gitOk(work, 'ls-remote', cloneUrl(t.url, 'big'));
    assert.doesNotMatch(refs, /refs\/heads\/large/);
    // A push under the limit still goes through.
    await gitOk(dir('big'), 'reset', '-q', '--hard', 'HEAD^');
    await commitFile(dir('big'), 'small.txt', 'small\n');
    await gitOk(dir('big'), 'push', '-q', 'origin', 'HEAD:refs/heads/small');
  });
});
