// The queue port: what the forge needs from a job queue, whatever runs it.

/** Jobs carry ids and plain values, never objects: a handler reloads what it needs. */
export type JobValue = string | number | boolean | null;
export type JobData = Readonly<Record<string, JobValue | readonly JobValue[]>>;

/** Celery's state names, which Pagure's /task/<id>/status reports. */
export type TaskState = 'PENDING' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE';

export interface TaskStatus {
  id: string;
  name: string;
  state: TaskState;
  /** What the handler returned, once SUCCESS. */
  result?: JobData | undefined;
  /** The failure's message, once FAILURE. */
  error?: string | undefined;
}

export function isFinished(state: TaskState): boolean {
  return state === 'SUCCESS' || state === 'FAILURE';
}

export interface QueuedJob {
  id: string;
  name: string;
  data: JobData;
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: number;
}

export type JobProcessor = (job: QueuedJob) => Promise<JobData | void>;

export interface EnqueueOptions {
  /** Runs in all, retries included. */
  attempts: number;
  /** Delay before the first retry; doubles after each. */
  backoffMs: number;
  /** 1 runs first; jobs of equal priority run in the order queued. */
  priority: number;
  /** An idempotency key: while a task with this key is known, enqueuing answers that task instead. */
  key?: string | undefined;
  /** Wait this long before the first run (a held job counts as pending). */
  delayMs?: number | undefined;
}

/** The queue priorities of a job definition's 'high', 'normal' and 'low'. */
export const PRIORITY_RANKS = { high: 1, normal: 2, low: 3 } as const;

export interface QueuePort {
  readonly kind: 'inline' | 'bull';
  /** Adds a job; resolves with its task id. */
  enqueue(name: string, data: JobData, options: EnqueueOptions): Promise<string>;
  /** The task's state, or undefined if the id is unknown (or expired). */
  status(id: string): Promise<TaskStatus | undefined>;
  /** Resolves when the task has finished (or `timeoutMs` has passed), with its last status. */
  wait(id: string, timeoutMs: number): Promise<TaskStatus | undefined>;
  /** How many jobs are waiting, running or waiting for a retry (test kits drain the queue with it). */
  pending(): Promise<number>;
  /** Starts running jobs in this process. */
  process(processor: JobProcessor, concurrency: number): void;
  /** Throws if the backing service is unreachable. */
  ping(): Promise<void>;
  /** Stops taking jobs and waits for running ones to end. */
  close(): Promise<void>;
}

export interface PubSub {
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(channel: string, listener: (message: unknown) => void): () => void;
  close(): Promise<void>;
}

/** Throws a TypeError unless `data` is a flat record of plain values. */
export function assertJobData(name: string, data: unknown): asserts data is JobData {
  const plain = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);
  if (typeof data !== 'object' || data === null || Array.isArray(data) || Object.getPrototypeOf(data) !== Object.prototype) {
    throw new TypeError(`job "${name}": data must be a plain object of ids and values`);
  }
  for (const [key, value] of Object.entries(data)) {
    const ok = Array.isArray(value) ? value.every(plain) : plain(value);
    if (!ok || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new TypeError(
        `job "${name}": data.${key} must be a string, number, boolean, null or a list of them (jobs carry ids, not objects)`,
      );
    }
  }
}

/**
 * A failure that retrying cannot fix (a merge conflict, a refused operation): the task ends
 * as FAILURE at once, whatever attempts its definition allows.
 */
export class FinalJobError extends Error {
  override readonly name = 'FinalJobError';
  readonly final = true;
}

export function isFinalJobError(error: unknown): boolean {
  return error instanceof Error && (error as { final?: unknown }).final === true;
}
