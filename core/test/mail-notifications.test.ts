// Notification mail end to end through a real SMTP server on loopback: the "mail" durable
// subscriber queues one mail.send job per recipient, threaded per ticket (Message-ID,
// In-Reply-To, References), retried while the server is away, changed by notificationMail
// taps, and never sent about a private issue to someone who may not see it.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import {
  createMailbox,
  createTestForge,
  describeModes,
  drainJobs,
  type Mailbox,
  type ReceivedMail,
  type TestForge,
} from '../src/testing/index.js';
import { eventually } from './support/wait.js';

const MAIL_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/mail-reply-to', import.meta.url));
const ACLS = ['issue_create', 'issue_comment', 'issue_subscribe', 'issue_update', 'modify_project'];

describeModes('notification mail through SMTP', (mode) => {
  let t: TestForge;
  let mailbox: Mailbox;
  const headers: Record<string, Record<string, string>> = {};
  /** The log lines of failed mail.send tries. */
  const failedSends: string[] = [];

  before(async function () {
    // The first embedded forge of a run builds the database template: slow on a busy machine.
    this.timeout(120_000);
    mailbox = await createMailbox();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as { job?: string; msg?: string };
          if (entry.job === 'mail.send' && entry.msg === 'job failed') failedSends.push(line);
        }
        done();
      },
    });
    t = await createTestForge({
      mode,
      logger: pino({ level: 'info' }, sink),
      plugins: [{ name: MAIL_PLUGIN, options: { silence: ['erin'] } }],
      config: { 'mail.smtp_url': mailbox.url },
    });
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      await t.createUser(name);
      headers[name] = { Authorization: `token ${await t.createToken(name, ACLS)}` };
    }
    await t.createProject('alice', 'pkg');
  });
  after(async () => {
    await t?.close();
    await mailbox?.close();
  });

  /** Every event handled by the mail subscriber and every queued mail sent. */
  const settle = async () => {
    await t.drainEvents();
    await drainJobs(t);
  };
  const host = () => new URL(t.url).hostname;
  const about = (subject: string) => (m: ReceivedMail) => m.subject.includes(subject);
  const mailedAbout = (subject: string) =>
    mailbox.messages
      .filter(about(subject))
      .map((m) => m.envelope.to.join(','))
      .sort();
  const openIssue = async (who: string, fields: Record<string, unknown>) =>
    (await t.api<{ issue: { id: number } }>('POST', '/api/0/pkg/new_issue', fields, headers[who])).body.issue.id;
  const comment = (who: string, id: number, text: string) =>
    t.api('POST', `/api/0/pkg/issue/${id}/comment`, { comment: text }, headers[who]);

  it("threads an issue's mails: the first is the root, each comment answers it", async () => {
    const id = await openIssue('bob', { title: 'Crash', issue_content: 'It crashes' });
    const first = await mailbox.waitFor((m) => m.subject === `[pkg] New issue #${id}: Crash`);
    assert.deepEqual(first.envelope.to, ['alice@example.test'], 'the owner hears, the author does not');
    assert.match(first.messageId!, new RegExp(`^<pkg-ticket-[0-9a-f]+@${host().replace(/\./g, '\\.')}>$`));
    assert.equal(first.inReplyTo, undefined);
    assert.deepEqual(first.references, []);
    assert.equal(first.headers['x-pagure-project'], 'pkg');
    assert.equal(first.headers['x-pagure-reporter'], 'bob');
    assert.equal(first.headers['x-pagure'], t.url);
    assert.equal(first.text, `bob wrote:\n\nIt crashes\n\n${t.url}/pkg/issue/${id}\n`);

    await comment('carol', id, 'Same here, cc @dave');
    await settle();
    const subject = `[pkg] Comment on issue #${id}: Crash`;
    assert.deepEqual(mailedAbout(subject), ['alice@example.test', 'bob@example.test', 'dave@example.test']);
    const replies = mailbox.messages.filter(about(subject));
    for (const reply of replies) {
      assert.equal(reply.inReplyTo, first.messageId);
      assert.deepEqual(reply.references, [first.messageId]);
      assert.ok(
        reply.messageId!.startsWith(`${first.messageId!.split('@')[0]}-`),
        `${reply.messageId} is a reply in the thread of ${first.messageId}`,
      );
      assert.equal(reply.text, `carol wrote:\n\nSame here, cc @dave\n\n${t.url}/pkg/issue/${id}\n`);
    }
    assert.equal(new Set(replies.map((r) => r.messageId)).size, 1, 'one message, sent to each recipient');
  });

  it('delivers a mail queued while the SMTP server was down once it is back', async () => {
    const id = await openIssue('bob', { title: 'Outage', issue_content: 'Mail server is down' });
    await mailbox.waitFor(about(`New issue #${id}: Outage`));
    const port = mailbox.port;
    await mailbox.close();
    const failures = failedSends.length;
    await comment('bob', id, 'Anyone there?');
    await eventually(() => failedSends.length > failures || undefined, 'a failed try of mail.send');
    mailbox = await createMailbox({ port });
    const mail = await mailbox.waitFor(about(`Comment on issue #${id}: Outage`), 20_000);
    assert.deepEqual(mail.envelope.to, ['alice@example.test']);
    assert.equal(mail.text, `bob wrote:\n\nAnyone there?\n\n${t.url}/pkg/issue/${id}\n`);
    await settle();
    assert.equal(mailbox.messages.filter(about(`Comment on issue #${id}: Outage`)).length, 1, 'sent once');
  });

  it('sends what a notificationMail tap made of the mail (Reply-To added), and nothing a tap dropped', async () => {
    const id = await openIssue('bob', { title: 'Replies', issue_content: 'Answer by mail, @carol and @erin' });
    await settle();
    assert.deepEqual(mailedAbout(`New issue #${id}: Replies`), ['alice@example.test', 'carol@example.test'], "the tap dropped erin's");
    const mail = mailbox.mailsTo('carol@example.test').find(about(`New issue #${id}: Replies`))!;
    assert.match(mail.replyTo!, /^reply\+issue-[0-9a-f]+-carol@replies\.example\.test$/);
    assert.equal(mail.headers['x-fixture-ticket'], `pkg/issue/${id}`);
    assert.deepEqual(mailbox.mailsTo('erin@example.test'), []);
  });

  it('never mails a private issue to someone who may not see it', async () => {
    const granted = await t.api('POST', '/api/0/pkg/git/modifyacls', { user_type: 'user', name: 'dave', acl: 'ticket' }, headers.alice);
    assert.equal(granted.status, 200);
    const secret = await openIssue('bob', { title: 'Hole', issue_content: 'Security hole, @carol @dave', private: true });
    await comment('bob', secret, 'More details, @carol @dave');
    await settle();
    assert.deepEqual(mailedAbout(`New issue #${secret}: Hole`), ['alice@example.test', 'dave@example.test']);
    assert.deepEqual(mailedAbout(`Comment on issue #${secret}: Hole`), ['alice@example.test', 'dave@example.test']);
    assert.ok(!mailbox.mailsTo('carol@example.test').some(about('Hole')), 'carol, who may not see it, is not mailed');
  });

  it('never mails about a private project to someone without access to it, even when @mentioned', async () => {
    // A private project without a namespace lives in its owner's, as in Pagure.
    await t.createProject('alice', 'hidden', { private: true });
    const granted = await t.api(
      'POST',
      '/api/0/alice/hidden/git/modifyacls',
      { user_type: 'user', name: 'dave', acl: 'ticket' },
      headers.alice,
    );
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const created = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/alice/hidden/new_issue',
      { title: 'Plans', issue_content: 'Thoughts, @carol @dave?' },
      headers.alice,
    );
    assert.equal(created.status, 200);
    await settle();
    const subject = `[alice/hidden] New issue #${created.body.issue.id}: Plans`;
    assert.deepEqual(mailedAbout(subject), ['dave@example.test'], 'dave has access, carol does not, alice wrote it');
  });
});
