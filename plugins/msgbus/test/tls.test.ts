// Brokers behind TLS that ask for a client certificate, as Fedora's RabbitMQ does: the forge
// presents the certificate and trusts the CA its options name, over AMQP and MQTT; a
// certificate the broker refuses keeps the messages in the outbox, with the error; a CA file
// that cannot be read stops the start, naming it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { createTestForge, describeModes, eventually, type TestForge } from '@pagurus/core/testing';
import { Consumer } from './support/broker.js';
import { makePki, TlsFront, type Pki } from './support/tls.js';

describeModes('msgbus: brokers behind TLS with client certificates', (mode) => {
  let pki: Pki;
  let amqpFront: TlsFront;
  let mqttFront: TlsFront;
  let consumer: Consumer;
  let subscriber: MqttClient;
  const prefix = `pagurus-test-${randomBytes(6).toString('hex')}`;
  const mqttTopics: string[] = [];
  const forges: TestForge[] = [];

  const open = async (cert: { cert_file: string; key_file: string }) => {
    const tls = { ca_file: pki.ca, ...cert };
    const t = await createTestForge({
      mode,
      plugins: [
        {
          name: '@pagurus/plugin-msgbus',
          options: {
            amqp: {
              url: `amqps://guest:guest@localhost:${amqpFront.port}/`,
              exchange: consumer.exchange,
              topic_prefix: 'org.fedoraproject.test',
              tls,
            },
            mqtt: { url: `mqtts://localhost:${mqttFront.port}`, topic_prefix: prefix, tls },
            backoff_ms: 50,
            max_backoff_ms: 200,
            sweep_interval_ms: 200,
          },
        },
      ],
    });
    forges.push(t);
    await t.createUser('alice');
    return t;
  };
  const projectsOnAmqp = () =>
    consumer.messages
      .filter((m) => m.fields.routingKey.endsWith('.project.new'))
      .map((m) => (consumer.body(m).project as { name: string }).name);

  before(async function () {
    this.timeout(120_000);
    pki = makePki();
    amqpFront = await new TlsFront(pki, 5672).start();
    mqttFront = await new TlsFront(pki, 1883).start();
    consumer = await Consumer.start();
    subscriber = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { reconnectPeriod: 0 });
    subscriber.on('message', (topic) => mqttTopics.push(topic));
    await subscriber.subscribeAsync(`${prefix}/pagure/#`, { qos: 1 });
  });
  after(async function () {
    this.timeout(60_000);
    for (const t of forges) await t.close();
    await subscriber?.endAsync();
    await consumer?.close();
    await amqpFront?.stop();
    await mqttFront?.stop();
    pki?.remove();
  });

  it("publishes over amqps:// and mqtts:// with the forge's certificate, trusting the CA it names", async function () {
    this.timeout(180_000);
    const t = await open({ cert_file: pki.clientCert, key_file: pki.clientKey });
    await t.createProject('alice', 'secure');
    await eventually(() => projectsOnAmqp().includes('secure') || undefined, 'project.new over AMQP behind TLS', 30_000);
    await eventually(() => mqttTopics.includes(`${prefix}/pagure/project/new`) || undefined, 'project.new over MQTT behind TLS', 30_000);
    assert.ok(amqpFront.clients.includes('pagurus') && mqttFront.clients.includes('pagurus'), 'the broker saw the certificate');
  });

  it('keeps the messages, with the error, while the broker refuses its certificate', async function () {
    this.timeout(180_000);
    const refusedBefore = amqpFront.refused;
    const t = await open({ cert_file: pki.strangerCert, key_file: pki.strangerKey });
    await t.createProject('alice', 'refused');
    const errors = await eventually(
      async () => {
        const rows = (await t.forge.db.knex('msgbus_status').whereNotNull('last_error').orderBy('transport')) as Array<{
          transport: string;
          last_error: string;
        }>;
        return rows.length === 2 ? rows : undefined;
      },
      'the errors recorded, for both transports',
      30_000,
    );
    assert.deepEqual(
      errors.map((row) => row.transport),
      ['amqp', 'mqtt'],
    );
    assert.ok(amqpFront.refused > refusedBefore, 'the broker refused the handshake');
    const waiting = (await t.forge.db.knex('msgbus_outbox').where({ topic: 'project.new' }).select('transport', 'body')) as Array<{
      transport: string;
      body: string;
    }>;
    assert.deepEqual(
      waiting
        .filter((row) => row.body.includes('"refused"'))
        .map((row) => row.transport)
        .sort(),
      ['amqp', 'mqtt'],
      'the message waits in both outboxes',
    );
    assert.ok(!projectsOnAmqp().includes('refused'), 'nothing reached the consumer');
  });

  it('stops the start when a TLS file cannot be read, naming it', async () => {
    await assert.rejects(
      createTestForge({
        mode,
        plugins: [
          {
            name: '@pagurus/plugin-msgbus',
            options: { amqp: { url: 'amqps://localhost/', tls: { ca_file: `${pki.dir}/nosuch.crt` } } },
          },
        ],
      }),
      (error: Error) => {
        assert.match(error.message, /bad options: amqp\.tls\.ca_file: cannot read the CA file .*nosuch\.crt/);
        return true;
      },
    );
    await assert.rejects(
      createTestForge({
        mode,
        plugins: [{ name: '@pagurus/plugin-msgbus', options: { mqtt: { url: 'mqtts://localhost/', tls: { cert_file: pki.clientCert } } } }],
      }),
      /cert_file and key_file go together/,
    );
  });
});
