// From the event log to the broker: the durable subscriber writes each public event to the
// outbox with its cursor (exactly once), and one drain at a time, in any process, publishes
// the outbox oldest first, deleting a row only once the broker confirmed its message. A
// broker that fails ends the drain; a timer tries again after a growing delay, and a sweep
// finds what a dead process left. Delivery is at least once: a message confirmed just
// before a crash may be sent again, with the same message_id.
import { isPublicEvent, type ForgeApi, type ForgeEvent, type ProjectRecord, type SubscriberContext } from '@pagurus/core';
import { AmqpPublisher } from './amqp.js';
import { amqpMessage, routingKey } from './message.js';
import type { MsgbusOptions } from './options.js';

export const DRAIN_JOB = 'msgbus.drain';
const BATCH = 200;

interface OutboxRow {
  sequence: string | number;
  message_id: string;
  project_id: number | null;
  topic: string;
  body: string;
  agent: string | null;
}

/** Pagure's per-project switch: fedmsg_notifications off publishes nothing of the project. */
function publishes(project: ProjectRecord | undefined): boolean {
  const value = project?.settings.fedmsg_notifications;
  return !(value === false || value === 'false' || value === 0 || value === '0');
}

export class Engine {
  readonly amqp: AmqpPublisher | undefined;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly forge: ForgeApi,
    private readonly options: MsgbusOptions,
  ) {
    this.amqp = options.amqp ? new AmqpPublisher(options.amqp.url, options.amqp.connect_timeout_ms) : undefined;
  }

  // ---- the durable subscriber ----

  async record(event: ForgeEvent, { trx }: SubscriberContext): Promise<void> {
    // Pagure never publishes a private project's changes (nor a private issue's).
    if (!this.amqp || !isPublicEvent(event)) return;
    await trx('msgbus_outbox')
      .insert({
        sequence: event.sequence,
        message_id: event.id,
        project_id: event.visibility.projectId,
        topic: event.topic,
        body: JSON.stringify(event.body),
        agent: event.agent,
      })
      .onConflict('sequence')
      .ignore();
    await this.forge.jobs.enqueue(DRAIN_JOB, {}, { trx, key: `msgbus.drain:${event.sequence}` });
  }

  // ---- the drain: the outbox, oldest first, one confirmed message at a time ----

  async drain(): Promise<{ sent: number }> {
    const amqp = this.amqp;
    const config = this.options.amqp;
    if (!amqp || !config || this.closed) return { sent: 0 };
    let sent = 0;
    for (;;) {
      const rows = (await this.forge.db('msgbus_outbox').orderBy('sequence').limit(BATCH)) as OutboxRow[];
      if (!rows.length) break;
      // The projects' switches as they are when their messages leave (read once per batch).
      const projects = new Map<number, ProjectRecord | undefined>();
      for (const row of rows) {
        if (row.project_id !== null && !projects.has(row.project_id))
          projects.set(row.project_id, await this.forge.services.projects.byId(row.project_id));
        if (row.project_id === null || publishes(projects.get(row.project_id))) {
          const { content, properties } = amqpMessage({
            id: row.message_id,
            topic: row.topic,
            body: JSON.parse(row.body) as Record<string, unknown>,
            agent: row.agent,
          });
          try {
            await amqp.publish(config.exchange, routingKey(config.topic_prefix, row.topic), content, properties);
          } catch (error) {
            await this.failed(error);
            return { sent };
          }
          sent += 1;
        }
        await this.forge.db('msgbus_outbox').where({ sequence: row.sequence }).delete();
      }
      this.failures = 0;
      await this.forge
        .db('msgbus_status')
        .insert({ transport: 'amqp', last_sent_at: new Date(), sent })
        .onConflict('transport')
        .merge({ last_sent_at: new Date(), sent: this.forge.db.raw('msgbus_status.sent + ?', [sent]) });
      sent = 0;
    }
    return { sent };
  }

  private async failed(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.failures += 1;
    const delay = Math.min(this.options.max_backoff_ms, this.options.backoff_ms * 2 ** (this.failures - 1));
    this.forge.log.warn({ err: error, retryInMs: delay }, 'publishing to the message bus failed; the outbox keeps the messages');
    await this.forge
      .db('msgbus_status')
      .insert({ transport: 'amqp', last_error: message, last_error_at: new Date() })
      .onConflict('transport')
      .merge({ last_error: message, last_error_at: new Date() });
    if (this.closed) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.kick(`retry:${Date.now()}`), delay);
    this.retry.unref();
  }

  private async kick(reason: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.forge.jobs.enqueue(DRAIN_JOB, {}, { key: `msgbus.drain:${reason}` });
    } catch (error) {
      this.forge.log.error({ err: error }, 'could not queue the message-bus drain');
    }
  }

  // ---- the sweep: what a dead process, or a broker outage, left in the outbox ----

  startSweeping(): void {
    if (this.sweeper || !this.amqp) return;
    this.sweeper = setInterval(() => {
      void (async () => {
        const waiting = await this.forge.db('msgbus_outbox').first('sequence');
        if (waiting) await this.kick(`sweep:${Math.floor(Date.now() / this.options.sweep_interval_ms)}`);
      })().catch((error: unknown) => this.forge.log.error({ err: error }, 'message-bus sweep failed'));
    }, this.options.sweep_interval_ms);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    clearTimeout(this.retry);
    await this.amqp?.close();
  }
}
