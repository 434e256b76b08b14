// The job outbox (table job_outbox): durable jobs are written down when queued, with the
// transaction of the change that queued them, and crossed out when they finish. What is still
// written down a while later and unknown to the queue was lost by it (Redis without
// persistence restarted, the embedded queue's process died, a crash between a commit and its
// queueing): `reconcile` queues it again under the same task id.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { JobData, QueuePort } from '../queue/index.js';

interface Row {
  task_id: string;
  name: string;
  data: JobData | string;
}

export class JobOutbox {
  constructor(private readonly db: Knex) {}

  async add(taskId: string, name: string, data: JobData, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.db)('job_outbox')
      .insert({ task_id: taskId, name, data: JSON.stringify(data) })
      .onConflict('task_id')
      .ignore();
  }

  /** Whether the task is written down (not yet done). */
  async has(taskId: string): Promise<boolean> {
    return (await this.db('job_outbox').where({ task_id: taskId }).first('task_id')) !== undefined;
  }

  async done(taskId: string): Promise<void> {
    await this.db('job_outbox').where({ task_id: taskId }).delete();
  }

  /**
   * Entries older than `olderThanMs`: queued again when the queue does not know their task,
   * crossed out when it knows it finished. Answers how many were queued again.
   */
  async reconcile(
    queue: Pick<QueuePort, 'status'>,
    requeue: (name: string, data: JobData, taskId: string) => Promise<void>,
    olderThanMs: number,
    log: Logger,
  ): Promise<number> {
    const rows = (await this.db('job_outbox')
      .where('created_at', '<', new Date(Date.now() - olderThanMs))
      .orderBy('created_at')
      .limit(1000)) as Row[];
    let queued = 0;
    for (const row of rows) {
      const status = await queue.status(row.task_id);
      if (status?.state === 'SUCCESS' || status?.state === 'FAILURE') {
        await this.done(row.task_id);
        continue;
      }
      if (status) continue;
      const data = typeof row.data === 'string' ? (JSON.parse(row.data) as JobData) : row.data;
      await requeue(row.name, data, row.task_id);
      log.warn({ task: row.task_id, job: row.name }, 'a durable job the queue lost: queued again');
      queued += 1;
    }
    return queued;
  }
}
