// Replies by mail, over real SMTP both ways: the forge's notification (caught by the test
// kit's mailbox) carries a reply address; the test answers it with nodemailer to the forge's
// own SMTP listener (the plugin's `port`), and the answer becomes the recipient's comment on
// the issue or pull request. Forged and foreign addresses, another sender, a mail that is not
// a reply, one over the size limit, an HTML-only one and a Latin-1 one get their SMTP codes.
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import {
  createMailbox,
  createTestForge,
  freePort,
  describeModes,
  drainJobs,
  openPullRequest,
  PageClient,
  type Mailbox,
  type ReceivedMail,
  type TestForge,
} from '@pagurus/core/testing';

const DOMAIN = 'replies.example.test';

describeModes('milter: replies by mail become comments', (mode) => {
  let t: TestForge;
  let mailbox: Mailbox;
  let port: number;
  const auth: Record<string, Record<string, string>> = {};

  before(async function () {
    this.timeout(120_000);
    mailbox = await createMailbox();
    port = await freePort();
    t = await createTestForge({
      mode,
      listen: true,
      plugins: [{ name: '@pagurus/plugin-milter', options: { domain: DOMAIN, port, max_bytes: 64 * 1024 } }],
      config: { 'mail.smtp_url': mailbox.url },
    });
    for (const name of ['alice', 'bob']) {
      await t.createUser(name);
      auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    }
    await t.createProject('alice', 'pkg', { readme: true });
  });
  after(async () => {
    await t?.close();
    await mailbox?.close();
  });

  /** Sends a mail to the milter over SMTP; answers the server's reply line, or its refusal's code. */
  const send = async (
    mail: nodemailer.SendMailOptions & { envelopeTo?: string },
  ): Promise<{ ok: boolean; code?: number; response: string }> => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    try {
      const info = await transport.sendMail({ ...mail, envelope: { from: String(mail.from), to: mail.envelopeTo ?? String(mail.to) } });
      return { ok: true, response: info.response };
    } catch (error) {
      const e = error as { responseCode?: number; response?: string };
      return { ok: false, code: e.responseCode, response: e.response ?? String(error) };
    } finally {
      transport.close();
    }
  };
  /** The reply a recipient's mail client would send: to Reply-To, in the thread, quoting the notification. */
  const replyTo = (notification: ReceivedMail, from: string, text: string) => ({
    from,
    to: notification.replyTo!,
    subject: `Re: ${notification.subject}`,
    inReplyTo: notification.messageId,
    references: [...notification.references, notification.messageId!],
    text: `${text}\n\nOn Mon, 7 Dec 2026, Pagurus wrote:\n${notification.text
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n')}\n`,
  });
  const commentsOf = async (path: string) =>
    (await t.api<{ comments: Array<{ comment: string; user: { name: string } }> }>('GET', `/api/0/pkg/${path}`)).body.comments.filter(
      (c) => !(c as { notification?: boolean }).notification,
    );

  it("gives each notification a reply address; a reply becomes its recipient's comment on the issue", async () => {
    const opened = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/pkg/new_issue',
      { title: 'Crash', issue_content: 'It crashes' },
      auth.bob,
    );
    const id = opened.body.issue.id;
    const notification = await mailbox.waitFor(
      (m) => m.subject.includes(`New issue #${id}`) && m.envelope.to.includes('alice@example.test'),
    );
    assert.match(notification.replyTo!, new RegExp(`^reply\\+i\\d+-${id}-[0-9a-f]{16}-alice@${DOMAIN.replace(/\./g, '\\.')}$`));
    assert.equal(notification.headers['mail-followup-to'], notification.replyTo);
    const answer = await send(replyTo(notification, 'alice@example.test', 'Fixed in **main**.'));
    assert.ok(answer.ok, answer.response);
    assert.match(answer.response, /^250 /);
    assert.deepEqual(
      (await commentsOf(`issue/${id}`)).map((c) => [c.user.name, c.comment]),
      [['alice', 'Fixed in **main**.']],
      'the reply, without the quoted notification',
    );
  });

  it('takes a reply about a pull request, HTML-only or in ISO-8859-1', async () => {
    await t.api('POST', '/api/0/pkg/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'commit' }, auth.alice);
    const { id } = await openPullRequest(t, 'pkg', { user: 'bob', token: auth.bob!.Authorization!.slice(6), title: 'Feature' });
    const notification = await mailbox.waitFor((m) => m.subject.includes(`#${id}`) && m.envelope.to.includes('alice@example.test'));
    assert.match(notification.replyTo!, /^reply\+p/);
    const html = replyTo(notification, 'alice@example.test', '');
    const htmlOnly = await send({
      ...html,
      text: undefined,
      html: '<p>Looks <b>good</b>, see <a href="https://docs.example.org/x">the docs</a>.</p><blockquote>old</blockquote>',
    });
    assert.ok(htmlOnly.ok, htmlOnly.response);
    const raw = Buffer.concat([
      Buffer.from(
        [
          'From: alice@example.test',
          `To: ${notification.replyTo}`,
          `Subject: Re: ${notification.subject}`,
          `In-Reply-To: ${notification.messageId}`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=ISO-8859-1',
          'Content-Transfer-Encoding: 8bit',
          '',
          '',
        ].join('\r\n'),
      ),
      Buffer.from('Caf\xe9 cr\xe8me: na\xefve but fine.\r\n', 'latin1'),
    ]);
    const sent = await send({ envelopeTo: notification.replyTo!, from: 'alice@example.test', raw });
    assert.ok(sent.ok, sent.response);
    const texts = (await commentsOf(`pull-request/${id}`)).map((c) => c.comment);
    const fromHtml = texts.find((c) => c.startsWith('Looks'));
    assert.ok(fromHtml?.includes('the docs (https://docs.example.org/x)') && !fromHtml.includes('old'), texts.join(' | '));
    assert.ok(texts.includes('Café crème: naïve but fine.'), texts.join(' | '));
  });

  it('refuses, with the SMTP code, what is not a reply by its recipient', async () => {
    const opened = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/pkg/new_issue',
      { title: 'Slow', issue_content: 'Slow' },
      auth.bob,
    );
    const id = opened.body.issue.id;
    const notification = await mailbox.waitFor(
      (m) => m.subject.includes(`New issue #${id}`) && m.envelope.to.includes('alice@example.test'),
    );
    const good = replyTo(notification, 'alice@example.test', 'Mine');
    const forged = notification.replyTo!.replace(
      /-([0-9a-f]{16})-/,
      (_m, mac: string) => `-${mac.replace(/^./, (c) => (c === '0' ? '1' : '0'))}-`,
    );
    const cases: Array<[string, Parameters<typeof send>[0], number]> = [
      ['a forged address', { ...good, to: forged }, 550],
      ['an address of no reply', { ...good, to: `someone@${DOMAIN}` }, 550],
      ['another sender', { ...good, from: 'bob@example.test' }, 550],
      ['a sender the forge does not know', { ...good, from: 'mallory@example.test' }, 550],
      ['not a reply', { ...good, inReplyTo: undefined, references: undefined }, 554],
      [
        'only the quoted notification',
        {
          ...good,
          text: notification.text
            .split('\n')
            .map((line) => `> ${line}`)
            .join('\n'),
        },
        554,
      ],
      ['over the size limit', { ...good, text: 'x'.repeat(70 * 1024) }, 552],
    ];
    for (const [what, mail, code] of cases) {
      const answer = await send(mail);
      assert.equal(answer.code, code, `${what}: ${answer.response}`);
    }
    assert.deepEqual(await commentsOf(`issue/${id}`), [], 'nothing was written');
  });

  it('lets a user turn replies by mail, or notification mails, off in their settings', async () => {
    const newIssue = async (title: string) =>
      (await t.api<{ issue: { id: number } }>('POST', '/api/0/pkg/new_issue', { title, issue_content: 'x' }, auth.bob)).body.issue.id;
    const before = await newIssue('Before');
    const earlier = await mailbox.waitFor(
      (m) => m.subject.includes(`New issue #${before}`) && m.envelope.to.includes('alice@example.test'),
    );
    const page = new PageClient(t);
    await page.logIn('alice');
    assert.match((await page.get('/settings')).html, /<a href="\/settings\/mail" data-settings-link="milter">Mail and replies<\/a>/);
    const form = await page.getForm('/settings/mail');
    assert.match(form.html, /id="milter-replies" name="replies" value="on" checked/);
    assert.equal((await page.post('/settings/mail', { csrf_token: form.token, notifications: 'on' })).status, 302);

    const quiet = await newIssue('Replies off');
    const plain = await mailbox.waitFor((m) => m.subject.includes(`New issue #${quiet}`) && m.envelope.to.includes('alice@example.test'));
    assert.equal(plain.replyTo, undefined, 'no reply address');
    const refused = await send(replyTo(earlier, 'alice@example.test', 'Too late'));
    assert.equal(refused.code, 550, refused.response);
    assert.match(refused.response, /turned replies by mail off/);

    assert.equal((await page.post('/settings/mail', { csrf_token: form.token })).status, 302);
    const silent = await newIssue('Mails off');
    await t.drainEvents();
    await drainJobs(t);
    assert.equal(mailbox.messages.filter((m) => m.subject.includes(`New issue #${silent}`)).length, 0, 'no mail at all');
    assert.equal((await page.post('/settings/mail', { csrf_token: form.token, notifications: 'on', replies: 'on' })).status, 302);
  });
});
