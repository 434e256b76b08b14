// Feeds durable subscribers from the event log, in the processes that run jobs. Each
// subscriber has a cursor row; a process works on a subscriber only while it holds that
// row's lock (FOR UPDATE SKIP LOCKED), so any number of workers share the work and one
// that dies mid-batch leaves the batch to be read again. A handler runs in a savepoint of
// the batch's transaction: what it writes commits with the cursor, exactly once.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { ensureCursor, eventsAfter, lastEventId, lockCursor, pruneEvents, readableHorizon, readCursor, saveCursor } from '../db/index.js';
import type { DurableSubscriber } from '../plugins/index.js';
import type { PubSub } from '../queue/index.js';
import { EVENTS_APPENDED_CHANNEL, eventOfRow, type EventBus } from './event-bus.js';

const BATCH = 100;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 5 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;
/** Writers busy with events: look again this soon, and wait for them once the horizon is this old. */
const HORIZON_RETRY_MS = 20;
const HORIZON_PATIENCE_MS = 250;

export interface SubscriberOptions {
  pollMs: number;
  retentionDays: number;
}

function matches(topics: readonly string[] | undefined, topic: string): boolean {
  if (!topics) return true;
  return topics.some((pattern) => (pattern.endsWith('*') ? topic.startsWith(pattern.slice(0, -1)) : pattern === topic));
}

/** The delay before try `attempts + 1` of a failing event: doubling, capped, with jitter. */
export function retryDelayMs(attempts: number): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

export class SubscriberDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;
  private lastPrune = 0;
  /** Every event up to this id is final: see db/event-log.ts. */
  private horizon = 0;
  /** When the horizon was last found: trying for it without waiting is fine until it gets old. */
  private horizonAt = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly db: Knex,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
    private readonly options: SubscriberOptions,
  ) {}

  /** Creates missing cursors and starts reading the log. */
  async start(): Promise<void> {
    const subscribers = this.bus.registered();
    this.stopped = false;
    for (const subscriber of subscribers) {
      await ensureCursor(this.db, subscriber.name, subscriber.startAt === 'beginning' ? 0 : await lastEventId(this.db));
    }
    this.bus.onAppended = () => this.wake();
    this.unsubscribe = this.pubsub.subscribe(EVENTS_APPENDED_CHANNEL, () => this.wake());
    this.wake();
  }

  /** Whether this process is feeding durable subscribers (between start and stop). */
  get active(): boolean {
    return !this.stopped;
  }

  /** Reads the log now (or right after the current round). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.round()
      .catch((error: unknown) => this.log.error({ err: error }, 'reading the event log failed; trying again at the next poll'))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          this.timer = setTimeout(() => this.wake(), this.options.pollMs);
        }
      });
  }

  private async round(): Promise<void> {
    const found = await readableHorizon(this.db, { wait: Date.now() - this.horizonAt > HORIZON_PATIENCE_MS });
    if (found === undefined) this.schedule(HORIZON_RETRY_MS);
    else [this.horizon, this.horizonAt] = [found, Date.now()];
    let more = true;
    while (more && !this.stopped) {
      more = false;
      for (const subscriber of this.bus.registered()) {
        if (this.stopped) return;
        if (await this.batch(subscriber)) more = true;
      }
    }
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      const pruned = await pruneEvents(this.db, this.options.retentionDays);
      if (pruned) this.log.info({ pruned }, `removed events older than ${this.options.retentionDays} days from the event log`);
    }
  }

  /** Handles one batch of a subscriber's events; true when a full batch suggests more. */
  private async batch(subscriber: DurableSubscriber): Promise<boolean> {
    const log = this.log.child({ subscriber: subscriber.name });
    return this.db.transaction(async (trx) => {
      const cursor = await lockCursor(trx, subscriber.name);
      if (!cursor) return false; // another process has it
      if (cursor.retry_at && cursor.retry_at.getTime() > Date.now()) return false;
      const rows = await eventsAfter(trx, cursor.event_id, this.horizon, BATCH);
      let at = cursor.event_id;
      let attempts = cursor.attempts;
      for (const row of rows) {
        if (matches(subscriber.topics, row.topic)) {
          const event = eventOfRow(row);
          try {
            await trx.transaction((savepoint) => subscriber.handle(event, { trx: savepoint, attempt: attempts + 1, log }));
          } catch (error) {
            attempts += 1;
            const delay = retryDelayMs(attempts);
            const message = error instanceof Error ? error.message : String(error);
            log.warn(
              { err: error, topic: row.topic, sequence: row.id, attempt: attempts },
              `durable subscriber failed on event ${row.id}; retrying in ${delay} ms`,
            );
            await saveCursor(trx, subscriber.name, at, { attempts, retryAt: new Date(Date.now() + delay), error: message });
            this.schedule(delay);
            return false;
          }
        }
        at = row.id;
        attempts = 0;
      }
      if (rows.length) await saveCursor(trx, subscriber.name, at);
      return rows.length === BATCH;
    });
  }

  private schedule(delayMs: number): void {
    setTimeout(() => this.wake(), delayMs).unref();
  }

  /**
   * Resolves once every durable subscriber has handled every event of an ended transaction
   * (for tests and for shutting down cleanly); rejects after `timeoutMs`.
   */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = await lastEventId(this.db);
      let behind: string | undefined;
      for (const subscriber of this.bus.registered()) {
        const cursor = await readCursor(this.db, subscriber.name);
        if (!cursor) continue;
        if (cursor.event_id < end) behind = `${subscriber.name}${cursor.last_error ? ` (failing: ${cursor.last_error})` : ''}`;
      }
      if (!behind) return;
      if (Date.now() > deadline) throw new Error(`durable subscriber ${behind} has not caught up with the event log`);
      this.wake();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    this.bus.onAppended = () => undefined;
    await this.running;
  }
}
