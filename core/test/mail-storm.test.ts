// The storm guard on notification mail: a script closing a dozen issues sends their owner the
// first mail.batch_after mails at once and the rest as one digest when the window ends; the
// next window starts afresh; mail held when no digest job is queued (the embedded queue
// forgets on restart) is sent once jobs start.
import assert from 'node:assert/strict';
import { heldExcerpt } from '../src/services/index.js';
import { createMailbox, createTestForge, describeModes, drainJobs, type Mailbox, type TestForge } from '../src/testing/index.js';

const ACLS = ['issue_create', 'issue_comment', 'issue_update', 'modify_project'];
const BATCH_AFTER = 3;
const WINDOW_SECONDS = 3;

describeModes('the notification mail storm guard', (mode) => {
  let t: TestForge;
  let mailbox: Mailbox;
  const headers: Record<string, Record<string, string>> = {};

  before(async function () {
    this.timeout(120_000);
    mailbox = await createMailbox();
    t = await createTestForge({
      mode,
      config: { 'mail.smtp_url': mailbox.url, 'mail.batch_after': BATCH_AFTER, 'mail.batch_window_seconds': WINDOW_SECONDS },
    });
    for (const name of ['alice', 'bob']) {
      await t.createUser(name);
      headers[name] = { Authorization: `token ${await t.createToken(name, ACLS)}` };
    }
    await t.createProject('alice', 'pkg');
    const granted = await t.api('POST', '/api/0/pkg/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'ticket' }, headers.alice);
    assert.equal(granted.status, 200);
  });
  after(async () => {
    await t?.close();
    await mailbox?.close();
  });

  const toAlice = () => mailbox.mailsTo('alice@example.test');

  it('sends the first mails of a bulk change at once and the rest as one digest when the window ends', async () => {
    // alice opens the issues (nobody else watches them), then bob's script closes them all.
    const ids: number[] = [];
    for (let n = 1; n <= 12; n++) {
      const opened = await t.api<{ issue: { id: number } }>(
        'POST',
        '/api/0/pkg/new_issue',
        { title: `Task ${n}`, issue_content: 'todo' },
        headers.alice,
      );
      ids.push(opened.body.issue.id);
    }
    const closedAt = Date.now();
    for (const id of ids) {
      const closed = await t.api('POST', `/api/0/pkg/issue/${id}/status`, { status: 'Closed' }, headers.bob);
      assert.equal(closed.status, 200);
    }
    await t.drainEvents();
    const first = await Promise.all(
      ids
        .slice(0, BATCH_AFTER)
        .map((id) => mailbox.waitFor((m) => m.subject === `[pkg] Metadata update on issue #${id}: Task ${ids.indexOf(id) + 1}`)),
    );
    assert.deepEqual(
      first.map((m) => m.envelope.to),
      Array.from({ length: BATCH_AFTER }, () => ['alice@example.test']),
    );
    assert.match(first[0]!.text, /^bob wrote:\n\n\*\*Metadata Update from @bob\*\*:\n- Issue status updated to: Closed \(was: Open\)\n/);

    const digest = await mailbox.waitFor((m) => m.subject.endsWith('notifications held back'), (WINDOW_SECONDS + 15) * 1000);
    assert.ok(Date.now() - closedAt >= WINDOW_SECONDS * 1000, 'the digest waited for the window to end');
    assert.equal(digest.subject, `[Pagurus] ${ids.length - BATCH_AFTER} notifications held back`);
    assert.deepEqual(digest.envelope.to, ['alice@example.test']);
    assert.match(
      digest.text,
      new RegExp(`^${ids.length - BATCH_AFTER} more notifications arrived for you after the first ${BATCH_AFTER} within 1 minute`),
    );
    const listed = [...digest.text.matchAll(/^-------- \[pkg\] Metadata update on issue #(\d+): /gm)].map((m) => Number(m[1]));
    assert.deepEqual(listed, ids.slice(BATCH_AFTER), 'every held mail, oldest first');
    for (const id of ids.slice(BATCH_AFTER)) assert.ok(digest.text.includes(`${t.url}/pkg/issue/${id}\n`), `the link to #${id}`);
    await drainJobs(t);
    assert.equal(toAlice().length, BATCH_AFTER + 1, 'twelve changes, four mails');
    assert.equal(Number((await t.forge.db.knex('mail_held').count({ n: '*' }))[0]!.n), 0, 'nothing left held');
  });

  it('starts a new window after the digest: the next mail goes at once', async () => {
    const before = toAlice().length;
    const id = 1;
    const said = await t.api(
      'POST',
      `/api/0/pkg/issue/${id}/comment`,
      { comment: 'Closed by my script, sorry for the noise' },
      headers.bob,
    );
    assert.equal(said.status, 200);
    const mail = await mailbox.waitFor((m) => m.subject === `[pkg] Comment on issue #${id}: Task 1`);
    assert.match(mail.text, /sorry for the noise/);
    assert.equal(toAlice().length, before + 1);
  });

  it('mails a change that makes several events (tags and a dependency) once, with its one note', async () => {
    // bob commented on #1, so he watches it.
    const edited = await t.api(
      'POST',
      '/api/0/pkg/issue/1',
      { title: 'Task 1', issue_content: 'todo', tag: 'cleanup,script', depending: '2' },
      headers.alice,
    );
    assert.equal(edited.status, 200);
    await t.drainEvents();
    await drainJobs(t);
    const mails = mailbox.mailsTo('bob@example.test').filter((m) => m.subject === '[pkg] Metadata update on issue #1: Task 1');
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.text, /- Issue tagged with: cleanup, script\n- Issue marked as depending on: #2\n/);
  });

  it('changes that leave no metadata note (a title edit) mail nobody', async () => {
    await drainJobs(t);
    const before = mailbox.messages.length;
    const edited = await t.api('POST', '/api/0/pkg/issue/2', { title: 'Task two', issue_content: 'todo' }, headers.alice);
    assert.equal(edited.status, 200);
    await t.drainEvents();
    await drainJobs(t);
    assert.equal(mailbox.messages.length, before);
  });
});

describeModes('mail held without a digest job', (mode) => {
  let t: TestForge;
  let mailbox: Mailbox;
  after(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('is sent as a digest once jobs start', async function () {
    this.timeout(120_000);
    mailbox = await createMailbox();
    t = await createTestForge({ mode, processJobs: false, config: { 'mail.smtp_url': mailbox.url } });
    // What a crash leaves: mails held for a digest whose job is gone.
    await t.forge.db.knex('mail_held').insert([
      { address: 'carol@example.test', subject: '[pkg] Comment on issue #7: Lost', text: 'dave wrote:\n\nfirst\n' },
      { address: 'carol@example.test', subject: '[pkg] Comment on issue #8: Found', text: 'dave wrote:\n\nsecond\n' },
    ]);
    await t.forge.startJobs();
    const digest = await mailbox.waitFor((m) => m.subject === '[Pagurus] 2 notifications held back');
    assert.deepEqual(digest.envelope.to, ['carol@example.test']);
    assert.match(
      digest.text,
      /-------- \[pkg\] Comment on issue #7: Lost\n\ndave wrote:\n\nfirst\n\n-------- \[pkg\] Comment on issue #8: Found\n/,
    );
  });
});

describe('a held mail in the digest', () => {
  it("keeps a long text's start and its last line, the link", () => {
    const text = `bob wrote:\n\n${'x'.repeat(5000)}\n\nhttps://forge.example/pkg/issue/3\n`;
    const kept = heldExcerpt(text, 200);
    assert.ok(kept.length <= 200, `${kept.length} characters`);
    assert.match(kept, /^bob wrote:\n\nx+\n\[…\]\nhttps:\/\/forge\.example\/pkg\/issue\/3\n$/);
    assert.equal(heldExcerpt('short\nhttps://x\n', 200), 'short\nhttps://x\n');
  });
});
