// The event bus: services record events inside their transaction, as rows of the event log
// (db/event-log.ts). Once the transaction commits, the in-memory `event` hook sees the event
// in this process and worker processes are woken to feed durable subscribers from the log.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { afterCommit, appendEvent, eventKept, type EventRow } from '../db/index.js';
import type { DurableSubscriber, EventsApi, ForgeEvent, ForgeHooks } from '../plugins/index.js';
import type { PubSub } from '../queue/index.js';

/** The channel a commit publishes on, so that every worker process reads the log at once. */
export const EVENTS_APPENDED_CHANNEL = 'pagurus.events.appended';

const SUBSCRIBER_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export class EventBus implements EventsApi {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly subscribers = new Map<string, DurableSubscriber>();
  private sealed = false;
  /** Called after each commit that recorded events: the dispatcher of this process reads the log. */
  onAppended: () => void = () => undefined;

  constructor(
    private readonly hooks: ForgeHooks,
    private readonly db: Knex,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
  ) {}

  emit: EventsApi['emit'] = async (trx, topic, body, options = {}) => {
    const uuid = randomUUID();
    const visibility = Object.freeze({
      projectId: options.project?.id ?? null,
      projectPrivate: options.project?.private ?? false,
      issuePrivate: options.issuePrivate ?? false,
    });
    const agent = options.agent ?? null;
    const row = await appendEvent(trx, {
      uuid,
      topic,
      body,
      agent,
      projectId: visibility.projectId,
      projectPrivate: visibility.projectPrivate,
      issuePrivate: visibility.issuePrivate,
    });
    const event = Object.freeze({
      id: uuid,
      sequence: row.id,
      topic,
      body: body,
      agent,
      timestamp: row.createdAt.toISOString(),
      visibility,
    });
    afterCommit(
      trx as Knex,
      () => this.deliver(event),
      (error) => this.log.error({ err: error, topic }, 'event delivery failed'),
    );
    return event;
  };

  subscribe(subscriber: DurableSubscriber): void {
    if (this.sealed) throw new Error(`durable subscriber "${subscriber.name}" registered after start-up; subscribe in apply`);
    if (!SUBSCRIBER_NAME.test(subscriber.name)) {
      throw new Error(`durable subscriber name "${subscriber.name}" must be lower-case letters, digits and . _ -`);
    }
    if (this.subscribers.has(subscriber.name)) throw new Error(`durable subscriber "${subscriber.name}" is registered twice`);
    this.subscribers.set(subscriber.name, subscriber);
  }

  async replay(name: string, afterSequence: number): Promise<void> {
    if (!this.subscribers.has(name)) throw new Error(`no durable subscriber is named "${name}"`);
    if (!Number.isSafeInteger(afterSequence) || afterSequence < 0 || !(await eventKept(this.db, afterSequence))) {
      throw new Error(`event ${afterSequence} is not in the event log (older than its retention, or never recorded)`);
    }
    await this.db('forge_event_cursors')
      .where({ name })
      .update({ event_id: afterSequence, attempts: 0, retry_at: null, last_error: null, updated_at: this.db.fn.now() });
    this.onAppended();
  }

  /** No more subscribers: every process now knows the same set. */
  seal(): void {
    this.sealed = true;
  }

  registered(): DurableSubscriber[] {
    return [...this.subscribers.values()];
  }

  private deliver(event: ForgeEvent): Promise<void> {
    this.onAppended();
    this.pubsub.publish(EVENTS_APPENDED_CHANNEL, { sequence: event.sequence }).catch((error: unknown) => {
      this.log.warn({ err: error }, 'could not wake the worker processes; they will find the event at their next poll');
    });
    // Listener errors are caught and logged per tap (see instrumentHooks).
    const delivery = this.hooks.event.promise(event).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
    return delivery;
  }

  /** Resolves once every event delivered so far has reached all `event` hook listeners. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}

/** An event as a durable subscriber receives it, from its row. */
export function eventOfRow(row: EventRow): ForgeEvent {
  return Object.freeze({
    id: row.uuid,
    sequence: row.id,
    topic: row.topic,
    body: row.body,
    agent: row.agent,
    timestamp: new Date(row.created_at).toISOString(),
    visibility: Object.freeze({
      projectId: row.project_id,
      projectPrivate: row.project_private,
      issuePrivate: row.issue_private,
    }),
  });
}
