// Status of queued tasks, as Pagure's /api/0/task/<id>/status reports it.
import { NotFound } from '../errors/index.js';
import { isFinished, type QueuePort, type TaskStatus } from '../queue/index.js';

/** Pagure's shape: `successful` appears once the task is ready. */
export interface TaskReport {
  ready: boolean;
  status: TaskStatus['state'];
  successful?: boolean;
}

const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function reportOf(status: TaskStatus): TaskReport {
  if (!isFinished(status.state)) return { ready: false, status: status.state };
  return { ready: true, status: status.state, successful: status.state === 'SUCCESS' };
}

export class TaskService {
  constructor(
    private readonly queue: QueuePort,
    /** Whether a durable task is written down (its change committed) though the queue does not hold it yet. */
    private readonly writtenDown: (id: string) => Promise<boolean> = async () => false,
  ) {}

  /**
   * Throws NotFound for ids that are not task ids, or tasks unknown or expired. A durable task
   * on its way to the queue (or to be queued again by the outbox) is pending.
   */
  async report(id: string): Promise<TaskReport> {
    if (!TASK_ID.test(id)) throw NotFound('ENOCODE', 'Task not found');
    const status = await this.queue.status(id);
    if (status) return reportOf(status);
    if (await this.writtenDown(id)) return { ready: false, status: 'PENDING' };
    throw NotFound('ENOCODE', 'Task not found');
  }
}
