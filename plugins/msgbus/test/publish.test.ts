// The message bus with the real RabbitMQ: each core topic arrives as fedora-messaging sends
// it (routing key, body, properties, headers), nothing of a private project or of a project
// that turned its notifications off, and everything, in order, after the broker was away.
import assert from 'node:assert/strict';
import type { ConsumeMessage } from 'amqplib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, eventually, pushTo, runCli, type TestForge } from '@pagurus/core/testing';
import { Consumer, Proxy } from './support/broker.js';

const PLUGIN = '@pagurus/plugin-msgbus';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describeModes('msgbus: publishing to RabbitMQ', (mode) => {
  let t: TestForge;
  let consumer: Consumer;
  let proxy: Proxy;
  let auth: Record<string, string>;

  before(async function () {
    this.timeout(180_000);
    consumer = await Consumer.start();
    proxy = await new Proxy().start();
    t = await createTestForge({
      mode,
      config: { namespaces: ['rpms'] },
      plugins: [
        {
          name: PLUGIN,
          options: {
            amqp: {
              url: `amqp://guest:guest@127.0.0.1:${proxy.port}/`,
              exchange: consumer.exchange,
              topic_prefix: 'org.fedoraproject.test',
            },
            backoff_ms: 50,
            max_backoff_ms: 200,
            sweep_interval_ms: 200,
          },
        },
      ],
    });
    await t.createUser('alice');
    auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    await t.createProject('alice', 'bash', { namespace: 'rpms', readme: true });
  });
  after(async function () {
    this.timeout(60_000);
    await t?.close();
    await consumer?.close();
    await proxy?.stop();
  });

  const newIssue = async (project: string, title: string) => {
    const res = await t.api<{ issue: { id: number } }>('POST', `/api/0/${project}/new_issue`, { title, issue_content: title }, auth);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.issue.id;
  };
  const arrived = (predicate: (message: ConsumeMessage) => boolean, what: string, timeoutMs = 15_000) =>
    eventually(() => consumer.messages.find(predicate), what, timeoutMs);
  const titled = (title: string) => (m: ConsumeMessage) =>
    m.fields.routingKey.endsWith('.issue.new') && (consumer.body(m).issue as { title: string }).title === title;

  it('sends issue.new as fedora-messaging does: routing key, body, properties and headers', async () => {
    await newIssue('rpms/bash', 'It crashes');
    const message = await arrived(titled('It crashes'), 'issue.new');
    assert.equal(message.fields.routingKey, 'org.fedoraproject.test.pagure.issue.new');
    assert.equal(message.fields.exchange, consumer.exchange);
    const body = consumer.body(message);
    assert.deepEqual(Object.keys(body).sort(), ['agent', 'issue', 'project']);
    assert.equal(body.agent, 'alice');
    assert.equal((body.project as { fullname: string }).fullname, 'rpms/bash');
    const p = message.properties;
    assert.deepEqual(
      { contentType: p.contentType, contentEncoding: p.contentEncoding, deliveryMode: p.deliveryMode },
      { contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 2 },
    );
    assert.match(String(p.messageId), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const headers = p.headers as Record<string, unknown>;
    assert.match(String(headers['sent-at']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.deepEqual(
      { ...headers, 'sent-at': undefined },
      {
        fedora_messaging_schema: 'pagure.issue.new',
        fedora_messaging_severity: 20,
        'sent-at': undefined,
        priority: 0,
        fedora_messaging_user_alice: true,
        fedora_messaging_rpm_bash: true,
      },
    );
  });

  it('sends git.receive for a push, and nothing of a private project or of one with fedmsg_notifications off', async () => {
    await t.createProject('alice', 'secret', { private: true, readme: true });
    await t.createProject('alice', 'quiet', { namespace: 'rpms', readme: true });
    const off = await t.api('POST', '/api/0/rpms/quiet/options/update', { fedmsg_notifications: false }, auth);
    assert.equal(off.status, 200, JSON.stringify(off.body));
    await newIssue('alice/secret', 'Private matter');
    await newIssue('rpms/quiet', 'Quiet matter');
    const pushed = await pushTo(t, 'rpms/bash', { user: 'alice', files: { 'bash.spec': 'Name: bash\n' } });
    assert.equal(pushed.code, 0, pushed.stderr);
    const receive = await arrived(
      (m) => m.fields.routingKey.endsWith('.git.receive') && consumer.body(m).end_commit === pushed.commit,
      'git.receive',
    );
    assert.equal((receive.properties.headers as Record<string, unknown>).fedora_messaging_rpm_bash, true);
    // Published in the log's order: the two issues came before the push.
    await newIssue('rpms/bash', 'After the others');
    await arrived(titled('After the others'), 'the marker');
    assert.equal(consumer.messages.find(titled('Private matter')), undefined, 'a private project publishes nothing');
    assert.equal(consumer.messages.find(titled('Quiet matter')), undefined, 'fedmsg_notifications off publishes nothing');
  });

  it('publishes everything, in order, once the broker is back after an outage', async function () {
    this.timeout(60_000);
    await proxy.cut();
    const titles = Array.from({ length: 5 }, (_, i) => `During the outage ${i + 1}`);
    for (const title of titles) await newIssue('rpms/bash', title);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(titles.filter((title) => consumer.messages.some(titled(title))).length, 0, 'nothing got through the cut');
    await proxy.restore();
    await arrived(titled(titles[4]!), 'the last one', 20_000);
    const order = consumer.messages
      .filter((m) => titles.some((title) => titled(title)(m)))
      .map((m) => (consumer.body(m).issue as { title: string }).title);
    assert.deepEqual(order, titles, 'each once, in order');
  });

  // The CLI shares the database: the server mode only (PGlite belongs to one process).
  if (mode === 'server')
    it('pagurus msgbus status: the broker, the outbox, what was sent and the last error', async function () {
      this.timeout(120_000);
      // An outage of its own, so that there is an error to report.
      await proxy.cut();
      await newIssue('rpms/bash', 'Before the status');
      await eventually(
        async () => ((await t.forge.db.knex('msgbus_status').whereNotNull('last_error').first()) ? true : undefined),
        'an error',
      );
      await proxy.restore();
      await arrived(titled('Before the status'), 'the issue, after the outage');
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pagurus-msgbus-'));
      const config = path.join(dir, 'pagurus.config.yaml');
      const amqp = {
        url: `amqp://guest:secret-password@127.0.0.1:${proxy.port}/`,
        exchange: consumer.exchange,
        topic_prefix: 'org.fedoraproject.test',
      };
      writeFileSync(config, `plugins:\n  - name: '${PLUGIN}'\n    options: ${JSON.stringify({ amqp })}\n`);
      const ran = await runCli(['--config', config, 'msgbus', 'status'], { env: t.env, cwd: ROOT });
      assert.equal(ran.code, 0, ran.stderr);
      const lines = ran.stdout.trim().split('\n');
      assert.equal(
        lines[0],
        `amqp: amqp://guest:***@127.0.0.1:${proxy.port}/ exchange ${consumer.exchange}, routing keys org.fedoraproject.test.pagure.<topic>`,
      );
      assert.match(lines[1]!, /^broker: not reachable \(/, 'guest with a wrong password is refused');
      assert.equal(lines[2], 'outbox: 0 waiting');
      assert.match(lines[3]!, /^sent: \d+ in all, the last at \d{4}-/);
      assert.match(lines[4]!, /^last error: .+ \(at \d{4}-/, 'the outage left its error');
      assert.doesNotMatch(ran.stdout, /secret-password/);
      writeFileSync(
        config,
        `plugins:\n  - name: '${PLUGIN}'\n    options: ${JSON.stringify({ amqp: { ...amqp, url: amqp.url.replace('secret-password', 'guest') } })}\n`,
      );
      const good = await runCli(['--config', config, 'msgbus', 'status'], { env: t.env, cwd: ROOT });
      assert.equal(good.stdout.trim().split('\n')[1], 'broker: reachable', good.stderr);
    });
});
