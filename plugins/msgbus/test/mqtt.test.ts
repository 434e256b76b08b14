// MQTT as the second transport, with the real Mosquitto: each message on
// <prefix>/pagure/<topic as a path>, at QoS 1, with the same JSON body as AMQP's; nothing of a
// private project; everything, in order, once the broker is back after an outage.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { createTestForge, describeModes, eventually, type TestForge } from '@pagurus/core/testing';
import { Proxy } from './support/broker.js';

describeModes('msgbus: publishing to Mosquitto over MQTT', (mode) => {
  let t: TestForge;
  let proxy: Proxy;
  let subscriber: MqttClient;
  let auth: Record<string, string>;
  const prefix = `pagurus-test-${randomBytes(6).toString('hex')}`;
  const received: Array<{ topic: string; body: Record<string, unknown>; qos: number }> = [];

  before(async function () {
    this.timeout(180_000);
    subscriber = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { reconnectPeriod: 0 });
    subscriber.on('message', (topic, payload, packet) =>
      received.push({ topic, body: JSON.parse(payload.toString('utf8')) as Record<string, unknown>, qos: packet.qos }),
    );
    await subscriber.subscribeAsync(`${prefix}/pagure/#`, { qos: 1 });
    proxy = await new Proxy(1883).start();
    t = await createTestForge({
      mode,
      plugins: [
        {
          name: '@pagurus/plugin-msgbus',
          options: {
            mqtt: { url: `mqtt://127.0.0.1:${proxy.port}`, topic_prefix: prefix },
            backoff_ms: 50,
            max_backoff_ms: 200,
            sweep_interval_ms: 200,
          },
        },
      ],
    });
    await t.createUser('alice');
    auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    await t.createProject('alice', 'zsh', { readme: true });
    await t.createProject('alice', 'hidden', { private: true, readme: true });
  });
  after(async function () {
    this.timeout(60_000);
    await t?.close();
    await subscriber?.endAsync();
    await proxy?.stop();
  });

  const newIssue = async (project: string, title: string) => {
    const res = await t.api('POST', `/api/0/${project}/new_issue`, { title, issue_content: title }, auth);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const titled = (title: string) => (m: (typeof received)[number]) =>
    m.topic === `${prefix}/pagure/issue/new` && (m.body.issue as { title: string }).title === title;

  it('publishes issue.new on <prefix>/pagure/issue/new with its body and agent, nothing of a private project or one with mqtt_notifications off', async () => {
    await t.createProject('alice', 'muted', { readme: true });
    const off = await t.api('POST', '/api/0/muted/options/update', { mqtt_notifications: false }, auth);
    assert.equal(off.status, 200, JSON.stringify(off.body));
    await newIssue('muted', 'Muted');
    await newIssue('alice/hidden', 'Private');
    await newIssue('zsh', 'Public');
    const message = await eventually(() => received.find(titled('Public')), 'issue.new over MQTT');
    assert.equal(message.body.agent, 'alice');
    assert.equal((message.body.project as { fullname: string }).fullname, 'zsh');
    assert.equal(received.find(titled('Private')), undefined);
    assert.equal(received.find(titled('Muted')), undefined);
  });

  it('publishes everything, in order, once the broker is back', async function () {
    this.timeout(60_000);
    await proxy.cut();
    const titles = ['Cut 1', 'Cut 2', 'Cut 3'];
    for (const title of titles) await newIssue('zsh', title);
    await proxy.restore();
    await eventually(() => received.find(titled('Cut 3')), 'the last one', 20_000);
    assert.deepEqual(
      received.filter((m) => titles.some((title) => titled(title)(m))).map((m) => (m.body.issue as { title: string }).title),
      titles,
    );
  });
});
