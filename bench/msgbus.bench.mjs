// The message bus under load (RabbitMQ on this machine): issues opened by 16 clients for
// PAGURUS_BENCH_SECONDS (10), each an issue.new message published with confirms; reports the
// sustained messages per second the consumer received, and the lag from the event's commit
// to its arrival at p50 and p99. Then the publisher's own ceiling: BACKLOG issues opened while
// no process takes jobs, and a `pagurus worker` started to publish them (it reads the log into
// the outbox and drains it); reports the messages per second from its start to the last arrival.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { createTestForge, serverServices, startCli } from '@pagurus/core/testing';

const SECONDS = Number(process.env.PAGURUS_BENCH_SECONDS ?? 10);
const CLIENTS = 16;
const BACKLOG = Number(process.env.PAGURUS_BENCH_BACKLOG ?? 3000);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function consumerOn(channel, exchange) {
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '#');
  const arrivals = new Map();
  await channel.consume(queue, (message) => message && arrivals.set(message.properties.messageId, Date.now()), { noAck: true });
  return arrivals;
}

/** Waits (a minute at most) until every event of `topic` arrived; answers the events. */
async function arrived(t, arrivals, topic) {
  const events = await t.forge.db.knex('forge_events').where('topic', topic).select('uuid', 'created_at');
  const until = Date.now() + 120_000;
  while (events.some((e) => !arrivals.has(e.uuid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return events;
}

async function openIssues(t, auth, { seconds, count }) {
  const deadline = Date.now() + seconds * 1000;
  let opened = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < deadline && opened < count) {
        opened += 1;
        const res = await t.api('POST', '/api/0/busy/new_issue', { title: `Load ${opened}`, issue_content: 'x' }, auth);
        if (res.status !== 200) throw new Error(`new_issue answered ${res.status}`);
      }
    }),
  );
  return opened;
}

async function sustained(channel, exchange) {
  const arrivals = await consumerOn(channel, exchange);
  const t = await createTestForge({
    mode: 'server',
    plugins: [{ name: '@pagurus/plugin-msgbus', options: { amqp: { url: 'amqp://guest:guest@127.0.0.1:5672/', exchange } } }],
  });
  try {
    await t.createUser('loader');
    await t.createProject('loader', 'busy');
    const auth = { Authorization: `token ${await t.createToken('loader', 'all')}` };
    const started = Date.now();
    const opened = await openIssues(t, auth, { seconds: SECONDS, count: Infinity });
    // Every issue.new reaches the consumer.
    const events = await arrived(t, arrivals, 'issue.new');
    const lags = events.filter((e) => arrivals.has(e.uuid)).map((e) => arrivals.get(e.uuid) - new Date(e.created_at).getTime());
    lags.sort((a, b) => a - b);
    const last = Math.max(...events.map((e) => arrivals.get(e.uuid) ?? 0));
    return {
      mode: 'server',
      phase: 'sustained',
      'issues opened': opened,
      'messages received': lags.length,
      'opened per s': Math.round(opened / SECONDS),
      'published per s': Math.round(lags.length / ((last - started) / 1000)),
      'lag p50 ms': percentile(lags, 50),
      'lag p99 ms': percentile(lags, 99),
    };
  } finally {
    await t.close();
  }
}

async function backlog(channel, exchange) {
  const arrivals = await consumerOn(channel, exchange);
  const plugins = [{ name: '@pagurus/plugin-msgbus', options: { amqp: { url: 'amqp://guest:guest@127.0.0.1:5672/', exchange } } }];
  const t = await createTestForge({ mode: 'server', processJobs: false, plugins });
  const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pagurus-msgbus-bench-')), 'pagurus.config.yaml');
  writeFileSync(configFile, `plugins: ${JSON.stringify(plugins)}\n`);
  const startWorker = () => startCli(['--config', configFile, 'worker'], /worker is taking jobs/, { env: t.env, timeoutMs: 120_000 });
  let worker;
  try {
    // A worker creates the project's repository, and stops.
    worker = await startWorker();
    await t.createUser('loader');
    await t.createProject('loader', 'busy');
    await worker.stop();
    const auth = { Authorization: `token ${await t.createToken('loader', 'all')}` };
    const opened = await openIssues(t, auth, { seconds: 600, count: BACKLOG });
    // The events wait in the log: the worker's subscriber fills the outbox, and its jobs drain it.
    worker = await startWorker();
    const started = Date.now();
    const events = await arrived(t, arrivals, 'issue.new');
    const received = events.filter((e) => arrivals.has(e.uuid)).length;
    const last = Math.max(...events.map((e) => arrivals.get(e.uuid) ?? 0));
    return {
      mode: 'server',
      phase: 'backlog, one worker',
      'issues opened': opened,
      'messages received': received,
      'published per s': Math.round(received / ((last - started) / 1000)),
    };
  } finally {
    await worker?.stop();
    await t.close();
  }
}

export default async function benchmark() {
  if (!serverServices()) return [{ skipped: 'needs PAGURUS_TEST_DATABASE_URL and PAGURUS_TEST_REDIS_URL' }];
  const exchange = `pagurus-bench-${randomBytes(4).toString('hex')}`;
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  try {
    return [await sustained(channel, exchange), await backlog(channel, exchange)];
  } finally {
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  }
}
