// From the event log to the broker: the durable subscriber writes each public event to the
// outbox with its cursor (exactly once), and one drain at a time, in any process, publishes
// the outbox oldest first, deleting a row only once the broker confirmed its message. A
// broker that fails ends the drain; a timer tries again after a growing delay, and a sweep
// finds what a dead process left. Delivery is at least once: a message confirmed just
// before a crash may be sent again, with the same message_id.
import { isPublicEvent, type ForgeApi, type ForgeEvent, type ProjectRecord, type SubscriberContext } from '@pagurus/core';
import { AmqpPublisher } from './amqp.js';
import { amqpMessage, routingKey, type OutgoingMessage } from './message.js';
import { MqttPublisher, mqttTopic } from './mqtt.js';
import type { MsgbusOptions } from './options.js';

export const DRAIN_JOB = 'msgbus.drain';

export type TransportName = 'amqp' | 'mqtt';

/** A way to the bus: publish resolves once the broker confirmed the message. */
interface Transport {
  name: TransportName;
  publish(message: OutgoingMessage): Promise<void>;
  close(): Promise<void>;
}

function transportsOf(options: MsgbusOptions): Transport[] {
  const transports: Transport[] = [];
  const { amqp, mqtt } = options;
  if (amqp) {
    const publisher = new AmqpPublisher(amqp.url, amqp.connect_timeout_ms, amqp.tls);
    transports.push({
      name: 'amqp',
      publish: (message) => {
        const { content, properties } = amqpMessage(message);
        return publisher.publish(amqp.exchange, routingKey(amqp.topic_prefix, message.topic), content, properties);
      },
      close: () => publisher.close(),
    });
  }
  if (mqtt) {
    const publisher = new MqttPublisher(mqtt.url, mqtt.connect_timeout_ms, mqtt.tls);
    transports.push({
      name: 'mqtt',
      publish: (message) => publisher.publish(mqttTopic(mqtt.topic_prefix, message.topic), amqpMessage(message).content),
      close: () => publisher.close(),
    });
  }
  return transports;
}
const BATCH = 200;

interface OutboxRow {
  transport: TransportName;
  sequence: string | number;
  message_id: string;
  project_id: number | null;
  topic: string;
  body: string;
  agent: string | null;
}

/** Pagure's per-project switches: fedmsg_notifications (AMQP) or mqtt_notifications off publishes nothing of the project. */
const SWITCHES: Record<TransportName, string> = { amqp: 'fedmsg_notifications', mqtt: 'mqtt_notifications' };

function publishes(project: ProjectRecord | undefined, transport: TransportName): boolean {
  const value = project?.settings[SWITCHES[transport]];
  return !(value === false || value === 'false' || value === 0 || value === '0');
}

export class Engine {
  readonly transports: Transport[];
  private readonly failures = new Map<TransportName, number>();
  private readonly retries = new Map<TransportName, NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly forge: ForgeApi,
    private readonly options: MsgbusOptions,
  ) {
    this.transports = transportsOf(options);
  }

  // ---- the durable subscriber ----

  async record(event: ForgeEvent, { trx }: SubscriberContext): Promise<void> {
    // Pagure never publishes a private project's changes (nor a private issue's).
    if (!this.transports.length || !isPublicEvent(event)) return;
    for (const { name } of this.transports) {
      await trx('msgbus_outbox')
        .insert({
          transport: name,
          sequence: event.sequence,
          message_id: event.id,
          project_id: event.visibility.projectId,
          topic: event.topic,
          body: JSON.stringify(event.body),
          agent: event.agent,
        })
        .onConflict(['transport', 'sequence'])
        .ignore();
      await this.forge.jobs.enqueue(DRAIN_JOB, { transport: name }, { trx, key: `msgbus.drain:${name}:${event.sequence}` });
    }
  }

  // ---- the drain: the outbox, oldest first, one confirmed message at a time ----

  async drain(name: TransportName): Promise<{ sent: number }> {
    const transport = this.transports.find((t) => t.name === name);
    if (!transport || this.closed) return { sent: 0 };
    let sent = 0;
    for (;;) {
      const rows = (await this.forge.db('msgbus_outbox').where({ transport: name }).orderBy('sequence').limit(BATCH)) as OutboxRow[];
      if (!rows.length) break;
      // The projects' switches as they are when their messages leave (read once per batch).
      const projects = new Map<number, ProjectRecord | undefined>();
      // The batch goes out pipelined (the channel keeps its order), and counts as sent once
      // the broker confirmed every message of it; a failure sends the whole batch again.
      const outgoing: Array<Promise<void>> = [];
      for (const row of rows) {
        if (row.project_id !== null && !projects.has(row.project_id))
          projects.set(row.project_id, await this.forge.services.projects.byId(row.project_id));
        if (row.project_id === null || publishes(projects.get(row.project_id), name))
          outgoing.push(
            transport.publish({
              id: row.message_id,
              topic: row.topic,
              body: JSON.parse(row.body) as Record<string, unknown>,
              agent: row.agent,
            }),
          );
      }
      const outcomes = await Promise.allSettled(outgoing);
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failure) {
        await this.failed(name, failure.reason);
        return { sent };
      }
      const batch = outgoing.length;
      await this.forge
        .db('msgbus_outbox')
        .where({ transport: name })
        .whereIn(
          'sequence',
          rows.map((row) => row.sequence),
        )
        .delete();
      this.failures.delete(name);
      await this.recordSent(name, batch);
      sent += batch;
    }
    return { sent };
  }

  private async recordSent(name: TransportName, count: number): Promise<void> {
    if (!count) return;
    const now = new Date();
    await this.forge
      .db('msgbus_status')
      .insert({ transport: name, last_sent_at: now, sent: count })
      .onConflict('transport')
      .merge({ last_sent_at: now, sent: this.forge.db.raw('msgbus_status.sent + ?', [count]) });
  }

  private async failed(name: TransportName, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const failures = (this.failures.get(name) ?? 0) + 1;
    this.failures.set(name, failures);
    const delay = Math.min(this.options.max_backoff_ms, this.options.backoff_ms * 2 ** (failures - 1));
    this.forge.log.warn(
      { err: error, transport: name, retryInMs: delay },
      'publishing to the message bus failed; the outbox keeps the messages',
    );
    const now = new Date();
    await this.forge
      .db('msgbus_status')
      .insert({ transport: name, last_error: message, last_error_at: now })
      .onConflict('transport')
      .merge({ last_error: message, last_error_at: now });
    if (this.closed) return;
    clearTimeout(this.retries.get(name));
    const timer = setTimeout(() => void this.kick(name, `retry:${Date.now()}`), delay);
    timer.unref();
    this.retries.set(name, timer);
  }

  private async kick(name: TransportName, reason: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.forge.jobs.enqueue(DRAIN_JOB, { transport: name }, { key: `msgbus.drain:${name}:${reason}` });
    } catch (error) {
      this.forge.log.error({ err: error }, 'could not queue the message-bus drain');
    }
  }

  // ---- the sweep: what a dead process, or a broker outage, left in the outbox ----

  startSweeping(): void {
    if (this.sweeper || !this.transports.length) return;
    this.sweeper = setInterval(() => {
      void (async () => {
        const waiting = (await this.forge.db('msgbus_outbox').distinct('transport')) as Array<{ transport: TransportName }>;
        const bucket = Math.floor(Date.now() / this.options.sweep_interval_ms);
        for (const { transport } of waiting) await this.kick(transport, `sweep:${bucket}`);
      })().catch((error: unknown) => this.forge.log.error({ err: error }, 'message-bus sweep failed'));
    }, this.options.sweep_interval_ms);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const timer of this.retries.values()) clearTimeout(timer);
    for (const transport of this.transports) await transport.close();
  }
}
