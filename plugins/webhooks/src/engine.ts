// The delivery pipeline: the durable subscriber records each event (atomically with its
// cursor), a per-project fan-out job turns events into one delivery per URL, and a per-URL
// drain job sends that URL's deliveries oldest first, one at a time. A delivery that must
// wait for a retry ends the drain; a timer (and, after a crash, the sweep) starts it again,
// so a failing URL holds up only itself.
import { isPublicEvent, projectFullname, type ForgeApi, type ForgeEvent, type SubscriberContext } from '@pagurus/core';
import { messageBody, messageHeaders, pagureMsgId } from './message.js';
import { NetworkGuard, RefusedTarget } from './network-guard.js';
import type { WebhooksOptions } from './options.js';
import { EXCERPT_BYTES, post, verdict } from './send.js';
import { hookUrls, Store, urlKey, type DeliveryRow } from './store.js';

export const FANOUT_JOB = 'webhooks.fanout';
export const DRAIN_JOB = 'webhooks.drain';
const FANOUT_BATCH = 100;
const PRUNE_EVERY_MS = 3600_000;

export class Engine {
  readonly store: Store;
  private readonly guard: NetworkGuard;
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private lastPrune = 0;

  constructor(
    private readonly forge: ForgeApi,
    private readonly options: WebhooksOptions,
  ) {
    this.store = new Store(forge.db);
    this.guard = new NetworkGuard(options.allowed_networks);
  }

  get instanceUrl(): string {
    return this.forge.config.url;
  }

  // ---- the durable subscriber ----

  async record(event: ForgeEvent, { trx }: SubscriberContext): Promise<void> {
    const projectId = event.visibility.projectId;
    if (projectId === null) return;
    if (!this.options.private_projects && !isPublicEvent(event)) return;
    // Written with the cursor's transaction: the event is recorded exactly once.
    await trx('webhooks_events')
      .insert({
        sequence: event.sequence,
        msg_id: pagureMsgId(event.id, event.timestamp),
        project_id: projectId,
        topic: event.topic,
        body: JSON.stringify(event.body),
        timestamp: event.timestamp,
      })
      .onConflict('sequence')
      .ignore();
    // Queued once the cursor commits; if this process dies in between, the sweep finds the row.
    await this.forge.jobs.enqueue(FANOUT_JOB, { project: projectId }, { trx, key: `webhooks.fanout:${event.sequence}` });
  }

  // ---- fan-out: events → deliveries, per project, in log order ----

  async fanOut(projectId: number): Promise<void> {
    const project = await this.forge.services.projects.byId(projectId);
    const touched = new Map<string, string>();
    for (;;) {
      const events = await this.store.eventsToFanOut(projectId, FANOUT_BATCH);
      if (!events.length) break;
      const urls = project ? hookUrls(project.settings) : [];
      const fullname = project ? projectFullname(project) : '';
      await this.forge.db.transaction(async (trx) => {
        for (const event of events) {
          const payload = messageBody({
            topic: event.topic,
            body: JSON.parse(event.body) as Record<string, unknown>,
            msgId: event.msg_id,
            timestamp: event.timestamp,
            instanceUrl: this.instanceUrl,
            projectFullname: fullname,
          });
          for (const url of urls) {
            await trx('webhooks_deliveries')
              .insert({
                event_sequence: event.sequence,
                project_id: projectId,
                project_fullname: fullname,
                msg_id: event.msg_id,
                topic: event.topic,
                payload,
                url,
                url_key: urlKey(url),
              })
              .onConflict(['event_sequence', 'url'])
              .ignore();
            touched.set(urlKey(url), event.sequence);
          }
        }
        // The outbox row has served: the deliveries (or nothing, without URLs) replace it.
        await trx('webhooks_events')
          .whereIn(
            'sequence',
            events.map((e) => e.sequence),
          )
          .delete();
      });
    }
    for (const [key, sequence] of touched) await this.kick(key, `${sequence}`);
  }

  // ---- drain: one URL's deliveries, oldest first, one at a time ----

  /** Queues a drain of the URL's queue; `reason` makes the idempotency key (the same reason queues once). */
  async kick(key: string, reason: string): Promise<void> {
    await this.forge.jobs.enqueue(DRAIN_JOB, { url: key }, { key: `webhooks.drain:${key}:${reason}` });
  }

  async drain(key: string): Promise<{ sent: number }> {
    let sent = 0;
    while (!this.closed) {
      const head = await this.store.head(key);
      if (!head) break;
      if (head.wait_ms > 0) {
        this.wake(key, head.wait_ms);
        break;
      }
      if (!(await this.attempt(head))) break;
      sent++;
    }
    return { sent };
  }

  /** One try of the head; false when it must wait for a retry (the drain ends). */
  private async attempt(delivery: DeliveryRow): Promise<boolean> {
    const attempt = delivery.attempt + 1;
    // Counted before sending: a delivery that kills its worker every time still runs out of tries.
    await this.store.startAttempt(delivery.id, attempt);
    const token = await this.store.token(delivery.project_id);
    const headers = messageHeaders(delivery.payload, token, delivery.topic, this.instanceUrl, delivery.project_fullname);
    let outcome: 'delivered' | 'retry' | 'failed';
    let fields: Partial<DeliveryRow>;
    try {
      const target = await this.guard.check(delivery.url);
      const result = await post(target, delivery.payload, headers, this.options.timeout_ms);
      outcome = verdict(result);
      fields = { response_status: result.status, duration_ms: result.durationMs, response_excerpt: result.excerpt };
    } catch (error) {
      if (!(error instanceof RefusedTarget)) throw error;
      outcome = error.retryable ? 'retry' : 'failed';
      fields = { response_status: null, duration_ms: 0, response_excerpt: `Refused: ${error.message}`.slice(0, EXCERPT_BYTES) };
    }
    if (outcome === 'retry' && attempt < this.options.attempts) {
      const delay = this.backoff(attempt);
      await this.store.postpone(delivery.id, delay, fields);
      this.wake(delivery.url_key, delay);
      return false;
    }
    await this.store.update(delivery.id, { ...fields, status: outcome === 'delivered' ? 'delivered' : 'failed' });
    return true;
  }

  /** Exponential, with jitter (between half and all of the doubled delay) so failing receivers are not hit in step. */
  backoff(attempt: number): number {
    const full = Math.min(this.options.max_backoff_ms, this.options.backoff_ms * 2 ** (attempt - 1));
    return Math.round(full / 2 + (Math.random() * full) / 2);
  }

  /** Drains the URL again in `delayMs`, in this process; the sweep covers a process that dies first. */
  private wake(key: string, delayMs: number): void {
    if (this.closed) return;
    const at = Date.now() + delayMs;
    const current = this.timers.get(key);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.kick(key, `at:${at}`).catch((error: unknown) =>
          this.forge.log.error({ err: error, url: key }, 'cannot queue a web-hook retry'),
        );
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  // ---- the sweep: work a dead process left behind ----

  startSweeping(): void {
    const run = () => {
      this.sweep().catch((error: unknown) => this.forge.log.error({ err: error }, 'web-hook sweep failed'));
    };
    run();
    this.sweeper = setInterval(run, this.options.sweep_interval_ms);
    this.sweeper.unref();
  }

  async sweep(): Promise<void> {
    if (this.closed) return;
    const bucket = Math.floor(Date.now() / this.options.sweep_interval_ms);
    for (const project of await this.store.projectsToFanOut()) {
      await this.forge.jobs.enqueue(FANOUT_JOB, { project }, { key: `webhooks.fanout:${project}:sweep:${bucket}` });
    }
    for (const key of await this.store.dueUrls()) await this.kick(key, `sweep:${bucket}`);
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      const pruned = await this.store.prune(this.options.keep_days);
      if (pruned) this.forge.log.info({ pruned }, `removed web-hook deliveries older than ${this.options.keep_days} days`);
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  // ---- test events and redeliveries ----

  /** A new pending delivery with the same message as `original` (same msg_id: receivers that dedupe will drop it). */
  async redeliver(original: DeliveryRow): Promise<DeliveryRow> {
    const row = await this.store.insertDelivery(this.forge.db, {
      project_id: original.project_id,
      project_fullname: original.project_fullname,
      msg_id: original.msg_id,
      topic: original.topic,
      payload: original.payload,
      url: original.url,
      redelivery_of: original.id,
    });
    await this.kick(row.url_key, `delivery:${row.id}`);
    return row;
  }

  /** Pagure's "Test.notification" to each URL of the project. */
  async sendTest(project: { id: number; fullname: string; settings: Record<string, unknown> }, eventId: string): Promise<DeliveryRow[]> {
    const timestamp = new Date().toISOString();
    const msgId = pagureMsgId(eventId, timestamp);
    const payload = messageBody({
      topic: 'Test.notification',
      body: { content: 'Test message' },
      msgId,
      timestamp,
      instanceUrl: this.instanceUrl,
      projectFullname: project.fullname,
    });
    const rows: DeliveryRow[] = [];
    for (const url of hookUrls(project.settings)) {
      const row = await this.store.insertDelivery(this.forge.db, {
        project_id: project.id,
        project_fullname: project.fullname,
        msg_id: msgId,
        topic: 'Test.notification',
        payload,
        url,
      });
      rows.push(row);
      await this.kick(row.url_key, `delivery:${row.id}`);
    }
    return rows;
  }
}
