// Mail about issues and pull requests: who hears about a change (watchers, the owner,
// @mentions, minus the writer and who unsubscribed, and for a private issue only who may
// see it). Mail goes to the log when no SMTP server is configured; the test reads the log
// once the mail subscriber has handled every event and its mail.send jobs have run.
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createTestForge, describeModes, drainJobs, type TestForge } from '../src/testing/index.js';
import { cloneUrl, commitFile, gitOk, tempDir } from './support/git-client.js';

interface LoggedMail {
  to: string;
  subject: string;
  text: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
}

describeModes('mail about issues and pull requests', (mode) => {
  let t: TestForge;
  const mails: LoggedMail[] = [];
  /** Every mail logged, never cleared. */
  const all: LoggedMail[] = [];
  const headers: Record<string, Record<string, string>> = {};
  const acls = ['issue_create', 'issue_comment', 'issue_subscribe', 'pull_request_create', 'pull_request_comment', 'pull_request_merge'];

  before(async function () {
    // The first embedded forge of a run builds the database template: slow on a busy machine.
    this.timeout(120_000);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as { mail?: LoggedMail };
          if (!entry.mail) continue;
          mails.push(entry.mail);
          all.push(entry.mail);
        }
        done();
      },
    });
    t = await createTestForge({ mode, logger: pino({ level: 'info' }, sink) });
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      await t.createUser(name);
      headers[name] = { Authorization: `token ${await t.createToken(name, acls)}` };
    }
    await t.createProject('alice', 'pkg', { readme: true });
  });
  after(() => t?.close());

  /** Every event handled by the mail subscriber and every queued mail sent. */
  const settle = async () => {
    await t.drainEvents();
    await drainJobs(t);
  };

  /** Who was mailed about subjects containing `about`, sorted; clears the log. */
  const mailedAbout = async (about: string): Promise<string[]> => {
    await settle();
    const to = mails.filter((m) => m.subject.includes(about)).map((m) => m.to.replace('@example.test', ''));
    mails.length = 0;
    return to.sort();
  };

  it('mails issue watchers and the @mentioned, never the writer, the unsubscribed or those a private issue is hidden from', async () => {
    const issue = (
      await t.api<{ issue: { id: number } }>('POST', '/api/0/pkg/new_issue', { title: 'Crash', issue_content: 'It crashes' }, headers.bob)
    ).body.issue;
    assert.deepEqual(await mailedAbout(`New issue #${issue.id}: Crash`), ['alice'], 'the owner hears, the author does not');
    await t.api('POST', `/api/0/pkg/issue/${issue.id}/comment`, { comment: 'Same here, cc @dave' }, headers.carol);
    assert.deepEqual(await mailedAbout(`Comment on issue #${issue.id}`), ['alice', 'bob', 'dave']);
    await t.api('POST', `/api/0/pkg/issue/${issue.id}/comment`, { comment: 'Me too, @dave' }, headers.bob);
    await settle();
    const [mail] = mails.filter((m) => m.to === 'dave@example.test');
    assert.match(mail!.subject, /^\[pkg\] Comment on issue #\d+: Crash$/);
    assert.match(mail!.text, new RegExp(`^bob wrote:\\n\\nMe too, @dave\\n\\n${t.url}/pkg/issue/${issue.id}\\n$`));
    mails.length = 0;
    // Commenting subscribed carol; unsubscribing takes her out again.
    await t.api('POST', `/api/0/pkg/issue/${issue.id}/subscribe`, { status: false }, headers.carol);
    await t.api('POST', `/api/0/pkg/issue/${issue.id}/comment`, { comment: 'Fixed in git' }, headers.alice);
    assert.deepEqual(await mailedAbout(`Comment on issue #${issue.id}`), ['bob']);

    const secret = (
      await t.api<{ issue: { id: number } }>(
        'POST',
        '/api/0/pkg/new_issue',
        { title: 'Hole', issue_content: 'Security hole, @carol', private: true },
        headers.bob,
      )
    ).body.issue;
    assert.deepEqual(await mailedAbout(`New issue #${secret.id}: Hole`), ['alice'], 'carol may not see the private issue');
  });

  it('mails about pull requests: opened, commented, merged', async () => {
    const work = await tempDir();
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'pkg', { user: 'alice', secret: 'alice-password1' }), 'pkg');
    const clone = path.join(work, 'pkg');
    await gitOk(clone, 'checkout', '-q', '-b', 'feature');
    await commitFile(clone, 'feature.txt', 'feature\n');
    await gitOk(clone, 'push', '-q', 'origin', 'feature');
    const pr = (
      await t.api<{ id: number }>(
        'POST',
        '/api/0/pkg/pull-request/new',
        { title: 'Feature', branch_to: 'main', branch_from: 'feature', initial_comment: 'Review please, @carol' },
        headers.alice,
      )
    ).body;
    assert.deepEqual(await mailedAbout(`New pull request #${pr.id}: Feature`), ['carol']);
    await t.api('POST', `/api/0/pkg/pull-request/${pr.id}/comment`, { comment: 'Looks good' }, headers.bob);
    assert.deepEqual(await mailedAbout(`Comment on pull request #${pr.id}`), ['alice']);
    // One thread per pull request: its first mail is the root, later ones answer it.
    const root = all.find((m) => m.subject.includes(`New pull request #${pr.id}`))!;
    const reply = all.find((m) => m.subject.includes(`Comment on pull request #${pr.id}`))!;
    assert.match(root.messageId!, /^<pkg-pull-request-[0-9a-f]+@127\.0\.0\.1>$/);
    assert.equal(root.inReplyTo, undefined);
    assert.equal(reply.inReplyTo, root.messageId);
    assert.deepEqual(reply.references, [root.messageId]);
    const merged = await t.api('POST', `/api/0/pkg/pull-request/${pr.id}/merge`, { wait: true }, headers.alice);
    assert.deepEqual(merged.body, { message: 'Changes merged!' });
    assert.deepEqual(await mailedAbout(`Merged pull request #${pr.id}`), ['bob']);
  });
});
