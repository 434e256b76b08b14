// The message bus under load (RabbitMQ on this machine): issues opened by 16 clients for
// PAGURUS_BENCH_SECONDS (10), each an issue.new message published with confirms; reports the
// sustained messages per second the consumer received, and the lag from the event's commit
// to its arrival at p50 and p99.
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { createTestForge, serverServices } from '@pagurus/core/testing';

const SECONDS = Number(process.env.PAGURUS_BENCH_SECONDS ?? 10);
const CLIENTS = 16;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export default async function benchmark() {
  if (!serverServices()) return [{ skipped: 'needs PAGURUS_TEST_DATABASE_URL and PAGURUS_TEST_REDIS_URL' }];
  const exchange = `pagurus-bench-${randomBytes(4).toString('hex')}`;
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '#');
  const arrivals = new Map();
  await channel.consume(queue, (message) => message && arrivals.set(message.properties.messageId, Date.now()), { noAck: true });
  const t = await createTestForge({
    mode: 'server',
    plugins: [{ name: '@pagurus/plugin-msgbus', options: { amqp: { url: 'amqp://guest:guest@127.0.0.1:5672/', exchange } } }],
  });
  try {
    await t.createUser('loader');
    await t.createProject('loader', 'busy');
    const auth = { Authorization: `token ${await t.createToken('loader', 'all')}` };
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    let opened = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < deadline) {
          const res = await t.api('POST', '/api/0/busy/new_issue', { title: `Load ${opened}`, issue_content: 'x' }, auth);
          if (res.status !== 200) throw new Error(`new_issue answered ${res.status}`);
          opened += 1;
        }
      }),
    );
    // Every issue.new (and the project's own events) reaches the consumer.
    const events = await t.forge.db.knex('forge_events').where('topic', 'issue.new').select('uuid', 'created_at');
    const until = Date.now() + 60_000;
    while (events.some((e) => !arrivals.has(e.uuid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const lags = events.filter((e) => arrivals.has(e.uuid)).map((e) => arrivals.get(e.uuid) - new Date(e.created_at).getTime());
    lags.sort((a, b) => a - b);
    const last = Math.max(...events.map((e) => arrivals.get(e.uuid) ?? 0));
    return [
      {
        mode: 'server',
        'issues opened': opened,
        'messages received': lags.length,
        'opened per s': Math.round(opened / SECONDS),
        'published per s': Math.round(lags.length / ((last - started) / 1000)),
        'lag p50 ms': percentile(lags, 50),
        'lag p99 ms': percentile(lags, 99),
      },
    ];
  } finally {
    await t.close();
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  }
}
