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
  constructor(private readonly queue: QueuePort) {}

  /** Throws NotFound for ids that are not task ids, or tasks unknown or expired. */
  async report(id: string): Promise<TaskReport> {
    const status = TASK_ID.test(id) ? await this.queue.status(id) : undefined;
    if (!status) throw NotFound('ENOCODE', 'Task not found');
    return reportOf(status);
  }
}
