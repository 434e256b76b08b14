// Answers for requests backed by a job (new, fork, merge): wait for it, or hand out its id.
import { Invalid } from '../../errors/index.js';
import type { ForgeContext, JobQueueApi } from '../../plugins/index.js';

/** How long a wait=true request waits before answering with the task id instead. */
export const WAIT_LIMIT_MS = 120_000;

export async function answerTask(
  ctx: ForgeContext,
  jobs: JobQueueApi,
  taskId: string,
  wait: boolean,
  messages: { done: string; queued: string },
  /** The error a failed task answers with (default: 400 ENOCODE with the task's message). */
  failure: (reason: string) => Error = (reason) => Invalid('ENOCODE', reason),
): Promise<void> {
  if (wait) {
    const status = await jobs.wait(taskId, WAIT_LIMIT_MS);
    if (status?.state === 'SUCCESS') {
      ctx.body = { message: messages.done };
      return;
    }
    if (status?.state === 'FAILURE') throw failure(status.error ?? 'The task failed');
    ctx.state.log.warn({ task: taskId }, 'task still running when the request stopped waiting');
  }
  ctx.body = { message: messages.queued, taskid: taskId };
}
