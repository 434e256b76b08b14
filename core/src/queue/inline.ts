// The in-process queue of the embedded mode: same handlers, same retries, nothing
// survives a restart. Task records are kept in memory for the status endpoint.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { EnqueueOptions, JobData, JobProcessor, QueuePort, TaskStatus } from './types.js';
import { isFinalJobError, isFinished } from './types.js';

interface Task extends TaskStatus {
  data: JobData;
  options: EnqueueOptions;
  attempt: number;
}

const KEEP_FINISHED = 10_000;

export class InlineQueue implements QueuePort {
  readonly kind = 'inline' as const;
  private readonly tasks = new Map<string, Task>();
  private readonly waiting: Task[] = [];
  private readonly finished = new EventEmitter().setMaxListeners(0);
  private processor: JobProcessor | undefined;
  private concurrency = 1;
  private running = 0;
  private readonly active = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Idempotency keys → task ids. */
  private readonly keyed = new Map<string, string>();

  async enqueue(name: string, data: JobData, options: EnqueueOptions): Promise<string> {
    if (this.closed) throw new Error('the queue is closed');
    const known = options.key === undefined ? undefined : this.keyed.get(options.key);
    if (known && this.tasks.has(known)) return known;
    // A keyed task's id is its key, as in Redis (bull's jobId): the job outbox finds it by it.
    const task: Task = { id: options.key ?? randomUUID(), name, state: 'PENDING', data, options, attempt: 0 };
    this.tasks.set(task.id, task);
    if (options.key !== undefined) this.keyed.set(options.key, task.id);
    if (options.delayMs) this.later(task, options.delayMs);
    else {
      this.queueUp(task);
      this.pump();
    }
    return task.id;
  }

  async status(id: string): Promise<TaskStatus | undefined> {
    const task = this.tasks.get(id);
    return task && { id: task.id, name: task.name, state: task.state, result: task.result, error: task.error };
  }

  async wait(id: string, timeoutMs: number): Promise<TaskStatus | undefined> {
    const task = this.tasks.get(id);
    if (!task || isFinished(task.state)) return this.status(id);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.finished.off(id, done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.finished.once(id, done);
    });
    return this.status(id);
  }

  async pending(): Promise<number> {
    return this.waiting.length + this.running + this.timers.size;
  }

  process(processor: JobProcessor, concurrency: number): void {
    this.processor = processor;
    this.concurrency = concurrency;
    this.pump();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.active]);
  }

  /** After every waiting task of the same or a higher priority (a lower rank). */
  private queueUp(task: Task): void {
    let at = this.waiting.length;
    while (at > 0 && this.waiting[at - 1]!.options.priority > task.options.priority) at--;
    this.waiting.splice(at, 0, task);
  }

  private pump(): void {
    while (this.processor && !this.closed && this.running < this.concurrency && this.waiting.length) {
      const task = this.waiting.shift()!;
      this.running++;
      const run = this.run(this.processor, task).finally(() => {
        this.running--;
        this.active.delete(run);
        this.pump();
      });
      this.active.add(run);
    }
  }

  private async run(processor: JobProcessor, task: Task): Promise<void> {
    task.attempt++;
    task.state = 'STARTED';
    try {
      const result = await processor({ id: task.id, name: task.name, data: task.data, attempt: task.attempt });
      this.finish(task, 'SUCCESS', { result: result ?? undefined });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (task.attempt < task.options.attempts && !this.closed && !isFinalJobError(error)) {
        task.state = 'RETRY';
        task.error = message;
        this.later(task, task.options.backoffMs * 2 ** (task.attempt - 1));
      } else {
        this.finish(task, 'FAILURE', { error: message });
      }
    }
  }

  /** Queues the task after `ms` (a delayed first run, or a retry's backoff). */
  private later(task: Task, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.queueUp(task);
      this.pump();
    }, ms);
    this.timers.add(timer);
  }

  private finish(task: Task, state: 'SUCCESS' | 'FAILURE', outcome: Pick<TaskStatus, 'result' | 'error'>): void {
    task.state = state;
    task.result = outcome.result;
    task.error = outcome.error;
    this.finished.emit(task.id);
    this.forgetOldTasks();
  }

  private forgetOldTasks(): void {
    if (this.tasks.size <= KEEP_FINISHED) return;
    for (const [id, task] of this.tasks) {
      if (this.tasks.size <= KEEP_FINISHED) break;
      if (isFinished(task.state)) this.tasks.delete(id);
    }
  }
}
