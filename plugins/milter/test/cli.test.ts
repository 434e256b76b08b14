// `pagurus milter` as an admin runs it beside the server (PostgreSQL: the embedded database
// belongs to the server's process): --stdin takes one mail from the MTA's pipe transport and
// exits with a sysexits code Postfix understands (0, 67 for an address that is not a valid
// reply address, 65 for a mail that is not a reply); --port listens for SMTP.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMailbox, createTestForge, runCli, serverServices, startCli, type Mailbox, type TestForge } from '@pagurus/core/testing';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOMAIN = 'replies.example.test';

describe('pagurus milter, the command', () => {
  let t: TestForge;
  let mailbox: Mailbox;
  let configFile: string;

  before(async function () {
    if (!serverServices()) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
    this.timeout(120_000);
    mailbox = await createMailbox();
    const plugins = [{ name: '@pagurus/plugin-milter', options: { domain: DOMAIN } }];
    t = await createTestForge({ mode: 'server', plugins, config: { 'mail.smtp_url': mailbox.url } });
    configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pagurus-milter-')), 'pagurus.config.yaml');
    writeFileSync(configFile, `plugins: ${JSON.stringify(plugins)}\nsecret: ${JSON.stringify(t.forge.secret)}\n`);
    for (const name of ['alice', 'bob']) await t.createUser(name);
    await t.createProject('alice', 'pkg');
  });
  after(async () => {
    await t?.close();
    await mailbox?.close();
  });

  const reply = async () => {
    const token = await t.createToken('bob', 'all');
    const opened = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/pkg/new_issue',
      { title: 'Piped', issue_content: 'x' },
      { Authorization: `token ${token}` },
    );
    const id = opened.body.issue.id;
    const notification = await mailbox.waitFor((m) => m.subject.includes(`New issue #${id}`));
    const mail = (to: string, extra = '') =>
      [
        `From: alice@example.test`,
        `To: ${to}`,
        `Subject: Re: ${notification.subject}`,
        extra,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Through the pipe.',
        '',
      ]
        .filter((line, i) => line !== '' || i > 3)
        .join('\r\n');
    return { id, to: notification.replyTo!, inReply: `In-Reply-To: ${notification.messageId}`, mail };
  };

  it('--stdin: posts a piped reply and exits 0; 67 for a forged address, 65 for a mail that is not a reply', async function () {
    this.timeout(120_000);
    const { id, to, inReply, mail } = await reply();
    const run = (recipient: string, input: string) =>
      runCli(['--config', configFile, 'milter', '--stdin', '--recipient', recipient], { env: t.env, cwd: ROOT, input });
    const forged = await run(
      to.replace(/-([0-9a-f])/, (_m, c: string) => `-${c === '0' ? '1' : '0'}`),
      mail(to, inReply),
    );
    assert.equal(forged.code, 67, forged.stdout + forged.stderr);
    const notReply = await run(to, mail(to));
    assert.equal(notReply.code, 65, notReply.stdout + notReply.stderr);
    const ok = await run(to, mail(to, inReply));
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^250 /m);
    const comments = (await t.api<{ comments: Array<{ comment: string; user: { name: string } }> }>('GET', `/api/0/pkg/issue/${id}`)).body
      .comments;
    assert.deepEqual(
      comments.map((c) => [c.user.name, c.comment]),
      [['alice', 'Through the pipe.']],
    );
  });

  it('--port: listens for SMTP, and says where', async function () {
    this.timeout(120_000);
    const cli = await startCli(['--config', configFile, 'milter', '--port', '0'], /milter listening on 127\.0\.0\.1:(\d+)/, {
      env: t.env,
      cwd: ROOT,
      timeoutMs: 60_000,
    });
    try {
      assert.ok(Number(cli.match[1]) > 0);
    } finally {
      assert.equal(await cli.stop(), 0);
    }
  });
});
