// The production queue: bull on Redis. Any number of web processes enqueue, any number
// of `pagurus worker` processes run jobs; a job whose worker dies is picked up again.
import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import Bull from 'bull';
import type { Redis } from 'ioredis';
import { createRedis } from './redis.js';
import type { EnqueueOptions, JobData, JobProcessor, QueuePort, TaskState, TaskStatus } from './types.js';
import { isFinalJobError, isFinished } from './types.js';

const KEEP_COMPLETED_SECONDS = 24 * 3600;
const KEEP_FAILED_SECONDS = 7 * 24 * 3600;
const WAIT_POLL_MS = 1000;
/** bull's global events this queue listens to, to learn that a job anywhere ended. */
const GLOBAL_EVENTS = ['global:completed', 'global:failed'] as const;
/** How long close() waits for bull's background subscription before closing anyway. */
const SUBSCRIBE_WAIT_MS = 2000;

function stateOf(bullState: string, attemptsMade: number): TaskState {
  switch (bullState) {
    case 'completed':
      return 'SUCCESS';
    case 'failed':
      return 'FAILURE';
    case 'active':
      return 'STARTED';
    default:
      // waiting, delayed, paused: a job that already failed once is waiting to be retried.
      return attemptsMade > 0 ? 'RETRY' : 'PENDING';
  }
}

export class BullQueue implements QueuePort {
  readonly kind = 'bull' as const;
  private readonly queue: Bull.Queue;
  private readonly client: Redis;
  private readonly subscriber: Redis;
  /** Job id → "it finished (or failed an attempt)", from bull's global events. */
  private readonly finished = new EventEmitter().setMaxListeners(0);

  /**
   * `lockMs`: how long a running job's lock lasts (renewed at half of it while the worker
   * lives), and how often workers look for jobs whose worker died (bull's stalled jobs), which
   * go back to the queue and run again: a killed worker's job is taken up within about twice this.
   */
  constructor(url: string, prefix: string, onError: (error: Error) => void, options: { lockMs?: number } = {}) {
    this.client = createRedis(url, 'client', onError);
    this.subscriber = createRedis(url, 'subscriber', onError);
    const lockMs = options.lockMs ?? 30_000;
    this.queue = new Bull('jobs', {
      prefix: `${prefix}:bull`,
      settings: { lockDuration: lockMs, lockRenewTime: lockMs / 2, stalledInterval: lockMs, maxStalledCount: 2 },
      createClient: (type) => {
        if (type === 'client') return this.client;
        if (type === 'subscriber') return this.subscriber;
        return createRedis(url, 'blocking', onError);
      },
    });
    this.queue.on('error', onError);
    // Subscribed once, at start, so no completion published later is missed.
    const signal = (jobId: string | number) => this.finished.emit(String(jobId));
    this.subscribed = Promise.all(GLOBAL_EVENTS.map((name) => once(this.queue, `registered:${name}`)));
    // A rejection here is only ever the close below racing the subscription; it is waited for there.
    this.subscribed.catch(() => undefined);
    for (const name of GLOBAL_EVENTS) this.queue.on(name, signal);
  }

  /** Settles once bull has subscribed to the global events (it does so in the background). */
  private readonly subscribed: Promise<unknown>;

  async enqueue(name: string, data: JobData, options: EnqueueOptions): Promise<string> {
    const job = await this.queue.add(name, data, {
      // Bull ignores a job whose id it already holds: the key makes enqueuing idempotent.
      jobId: options.key ?? randomUUID(),
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      // Every job carries one, so bull keeps the wait list ordered by it, FIFO within a rank.
      priority: options.priority,
      ...(options.delayMs ? { delay: options.delayMs } : {}),
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
    });
    return String(job.id);
  }

  async status(id: string): Promise<TaskStatus | undefined> {
    const job = await this.queue.getJob(id);
    if (!job) return undefined;
    const state = stateOf(await job.getState(), job.attemptsMade);
    return {
      id,
      name: job.name,
      state,
      result: state === 'SUCCESS' ? ((job.returnvalue as JobData | null) ?? undefined) : undefined,
      error: state === 'FAILURE' || state === 'RETRY' ? job.failedReason : undefined,
    };
  }

  /** Bull's global events wake the check; a slow poll covers any event that got lost. */
  async wait(id: string, timeoutMs: number): Promise<TaskStatus | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Listen before reading the state, so a completion during the read is not missed.
      let signalled = false;
      let wake = () => void (signalled = true);
      const listener = () => wake();
      this.finished.on(id, listener);
      try {
        const status = await this.status(id);
        const left = deadline - Date.now();
        if (!status || isFinished(status.state) || left <= 0) return status;
        if (!signalled) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, WAIT_POLL_MS));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        this.finished.off(id, listener);
      }
    }
  }

  async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts();
    return counts.waiting + counts.active + counts.delayed;
  }

  process(processor: JobProcessor, concurrency: number): void {
    void this.queue.process('*', concurrency, async (job) => {
      try {
        return (await processor({ id: String(job.id), name: job.name, data: job.data as JobData, attempt: job.attemptsMade + 1 })) ?? null;
      } catch (error) {
        // bull types discard() as a Promise, but it only sets a flag, synchronously.
        if (isFinalJobError(error)) void job.discard();
        throw error;
      }
    });
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    // bull subscribes in the background and leaves that promise unhandled: closing the
    // connections under it made a short-lived process (a CLI command) die of an unhandled
    // rejection. Let the subscription finish first (briefly: a dead Redis must not hold us).
    await Promise.race([this.subscribed, new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref())]).catch(() => undefined);
    await this.queue.close();
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}
