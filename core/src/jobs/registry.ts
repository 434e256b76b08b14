// Job definitions by name (core's and plugins'), and the queue facade the rest of the
// forge enqueues through: names are checked, data is checked, and a job queued inside a
// transaction reaches the queue only once it commits.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { afterCommit } from '../db/index.js';
import { faultPoint } from '../domain/index.js';
import type { EnqueueJobOptions, EnqueuedTask, JobDefinition, JobQueueApi, JobRegistry } from '../plugins/index.js';
import { assertJobData, PRIORITY_RANKS, type JobData, type QueuePort } from '../queue/index.js';
import type { JobOutbox } from './outbox.js';

const JOB_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 1000;

export class Jobs implements JobRegistry, JobQueueApi {
  private readonly definitions = new Map<string, JobDefinition>();
  private sealed = false;
  /** Tasks queued with a transaction that committed, on their way to the queue (settle when there or dropped). */
  private readonly queueing = new Map<string, Promise<void>>();

  constructor(
    private readonly queue: QueuePort,
    private readonly log: Logger,
    /** Where durable jobs are written down until they finish. */
    readonly outbox?: JobOutbox,
  ) {}

  define<D extends JobData>(definition: JobDefinition<D>): void {
    if (this.sealed) throw new Error(`job "${definition.name}" defined after start-up; define jobs in the jobs hook`);
    if (!JOB_NAME.test(definition.name)) {
      throw new Error(`job name "${definition.name}" must be lower-case letters, digits and . _ -`);
    }
    if (this.definitions.has(definition.name)) throw new Error(`job "${definition.name}" is defined twice`);
    this.definitions.set(definition.name, definition);
  }

  /** No more definitions: every process now knows the same set. */
  seal(): void {
    this.sealed = true;
  }

  get(name: string): JobDefinition | undefined {
    return this.definitions.get(name);
  }

  names(): string[] {
    return [...this.definitions.keys()];
  }

  async enqueue(name: string, data: JobData, options: EnqueueJobOptions = {}): Promise<EnqueuedTask | undefined> {
    const definition = this.definitions.get(name);
    if (!definition) throw new Error(`no job named "${name}" is defined`);
    assertJobData(name, data);
    if (options.delayMs !== undefined && !(Number.isFinite(options.delayMs) && options.delayMs >= 0)) {
      throw new TypeError(`job "${name}": delayMs must be a number of milliseconds, not ${options.delayMs}`);
    }
    // A durable job always has a key: its task id, by which the outbox knows it (a bare UUID,
    // the form clients know task ids in, when the caller gave none).
    const durable = definition.durable === true && this.outbox !== undefined;
    const key = options.key !== undefined ? `${name}:${options.key}` : durable ? randomUUID() : undefined;
    const add = async () => ({ id: await this.add(name, data, key, options.delayMs) });
    if (durable) await this.outbox.add(key!, name, data, options.trx);
    if (!options.trx) return add();
    const settle = key === undefined ? () => undefined : this.trackQueueing(key);
    afterCommit(
      options.trx,
      async () => {
        try {
          await faultPoint('jobs:committed');
          await add();
        } finally {
          settle();
        }
      },
      (error) =>
        this.log.error(
          { err: error, job: name },
          durable
            ? 'could not queue a durable job after its transaction committed; the outbox queues it again later'
            : 'could not queue a job after its transaction committed',
        ),
      settle,
    );
    // A keyed task's id is its key, known before it reaches the queue.
    return key === undefined ? undefined : { id: key };
  }

  /** Marks `key` as on its way to the queue; answers the function that says it got there (or never will). */
  private trackQueueing(key: string): () => void {
    let settle: () => void = () => undefined;
    const queueing = new Promise<void>((resolve) => (settle = resolve));
    this.queueing.set(key, queueing);
    return () => {
      if (this.queueing.get(key) === queueing) this.queueing.delete(key);
      settle();
    };
  }

  private add(name: string, data: JobData, key: string | undefined, delayMs?: number): Promise<string> {
    const definition = this.definitions.get(name)!;
    return this.queue.enqueue(name, data, {
      attempts: definition.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: definition.backoffMs ?? DEFAULT_BACKOFF_MS,
      priority: PRIORITY_RANKS[definition.priority ?? 'normal'],
      key,
      delayMs,
    });
  }

  /** Whether the job's outbox entry goes once this run ends (durable jobs: on success, or their last failure). */
  isDurable(name: string): boolean {
    return this.definitions.get(name)?.durable === true && this.outbox !== undefined;
  }

  attemptsOf(name: string): number {
    return this.definitions.get(name)?.attempts ?? DEFAULT_ATTEMPTS;
  }

  /** Durable jobs written down more than `olderThanMs` ago that the queue lost: queued again (see JobOutbox). */
  reconcile(olderThanMs: number): Promise<number> {
    if (!this.outbox) return Promise.resolve(0);
    return this.outbox.reconcile(
      this.queue,
      async (name, data, taskId) => {
        if (!this.definitions.has(name)) return;
        await this.add(name, data, taskId);
      },
      olderThanMs,
      this.log,
    );
  }

  async wait(id: string, timeoutMs: number) {
    // A task this process queues once its transaction commits: first wait for it to get there.
    const queueing = this.queueing.get(id);
    const started = Date.now();
    if (queueing) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([queueing, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    return this.queue.wait(id, Math.max(0, timeoutMs - (Date.now() - started)));
  }

  status(id: string) {
    return this.queue.status(id);
  }
}
