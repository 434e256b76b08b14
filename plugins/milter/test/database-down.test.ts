// A reply that arrives while the database is away is refused with 451 (SMTP) or EX_TEMPFAIL
// (the pipe), so the sender's MTA keeps it and tries again; nothing is written meanwhile, and
// the retry, once the database is back, makes the comment exactly once. The database goes away
// behind a TCP proxy the test cuts (PostgreSQL itself keeps running for everything else).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import {
  createMailbox,
  createTestForge,
  freePort,
  runCli,
  serverServices,
  startTcpProxy,
  type Mailbox,
  type ReceivedMail,
  type TcpProxy,
  type TestForge,
} from '@pagurus/core/testing';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOMAIN = 'replies.example.test';

describe('milter: a reply while the database is down', () => {
  let t: TestForge;
  let mailbox: Mailbox;
  let proxy: TcpProxy;
  let smtpPort: number;
  let proxiedUrl: string;
  let configFile: string;
  let bob: Record<string, string>;

  before(async function () {
    const services = serverServices();
    if (!services) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
    this.timeout(120_000);
    mailbox = await createMailbox();
    proxy = await startTcpProxy(services.databaseUrl);
    const url = new URL(services.databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    proxiedUrl = url.toString();
    smtpPort = await freePort();
    const plugins = [{ name: '@pagurus/plugin-milter', options: { domain: DOMAIN, port: smtpPort } }];
    t = await createTestForge({ mode: 'server', plugins, config: { 'mail.smtp_url': mailbox.url, 'database.url': proxiedUrl } });
    configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pagurus-milter-')), 'pagurus.config.yaml');
    writeFileSync(
      configFile,
      `plugins: ${JSON.stringify([{ name: '@pagurus/plugin-milter', options: { domain: DOMAIN } }])}\nsecret: ${JSON.stringify(t.forge.secret)}\n`,
    );
    for (const name of ['alice', 'bob']) await t.createUser(name);
    bob = { Authorization: `token ${await t.createToken('bob', 'all')}` };
    await t.createProject('alice', 'pkg');
  });
  after(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await mailbox?.close();
  });

  /** A new issue by bob, and alice's notification of it. */
  const notified = async (title: string): Promise<{ id: number; notification: ReceivedMail }> => {
    const opened = await t.api<{ issue: { id: number } }>('POST', '/api/0/pkg/new_issue', { title, issue_content: 'x' }, bob);
    const id = opened.body.issue.id;
    const notification = await mailbox.waitFor((m) => m.subject.includes(`New issue #${id}: ${title}`));
    return { id, notification };
  };
  const rawReply = (notification: ReceivedMail, text: string) =>
    [
      'From: alice@example.test',
      `To: ${notification.replyTo}`,
      `Subject: Re: ${notification.subject}`,
      `In-Reply-To: ${notification.messageId}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      '',
    ].join('\r\n');
  const commentsOf = async (id: number) =>
    (await t.api<{ comments: Array<{ comment: string; user: { name: string } }> }>('GET', `/api/0/pkg/issue/${id}`)).body.comments.map(
      (c) => [c.user.name, c.comment],
    );

  it('SMTP: answers 451 while the database is away, and takes the retry once it is back', async function () {
    this.timeout(120_000);
    const { id, notification } = await notified('Outage');
    const send = async () => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
      try {
        const info = await transport.sendMail({
          envelope: { from: 'alice@example.test', to: notification.replyTo! },
          raw: rawReply(notification, 'Sent while the database was down.'),
        });
        return { code: Number(info.response.slice(0, 3)), response: info.response };
      } catch (error) {
        const e = error as { responseCode?: number; response?: string };
        return { code: e.responseCode, response: e.response ?? String(error) };
      } finally {
        transport.close();
      }
    };
    await proxy.cut();
    const refused = await send();
    assert.equal(refused.code, 451, refused.response);
    assert.match(refused.response, /4\.3\.0 The forge cannot take the reply now; try again later/);
    await proxy.restore();
    const retried = await send();
    assert.equal(retried.code, 250, retried.response);
    assert.deepEqual(await commentsOf(id), [['alice', 'Sent while the database was down.']], 'one comment, from the retry');
  });

  it('pipe: exits with EX_TEMPFAIL (75) while the database is away, and 0 for the retry', async function () {
    this.timeout(120_000);
    const { id, notification } = await notified('Piped outage');
    const run = () =>
      runCli(['--config', configFile, 'milter', '--stdin', '--recipient', notification.replyTo!], {
        env: { ...t.env, PAGURUS_DATABASE_URL: proxiedUrl },
        cwd: ROOT,
        input: rawReply(notification, 'Piped while the database was down.'),
      });
    await proxy.cut();
    const refused = await run();
    assert.equal(refused.code, 75, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /^451 4\.3\.0 The forge cannot take the reply now/m);
    await proxy.restore();
    const retried = await run();
    assert.equal(retried.code, 0, retried.stdout + retried.stderr);
    assert.deepEqual(await commentsOf(id), [['alice', 'Piped while the database was down.']]);
  });
});
