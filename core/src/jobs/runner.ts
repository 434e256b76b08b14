// Runs one job taken from the queue: finds its handler, holds the repository lock its
// definition names, logs how it went. Both queue adapters call this same function.
import type { Logger } from 'pino';
import type { RepoLocks } from '../db/index.js';
import { isForgeError } from '../errors/index.js';
import { isFinalJobError, type JobData, type JobProcessor, type QueuedJob } from '../queue/index.js';
import type { Jobs } from './registry.js';

export function createJobProcessor(jobs: Jobs, locks: RepoLocks, log: Logger): JobProcessor {
  return async (job: QueuedJob): Promise<JobData | void> => {
    const definition = jobs.get(job.name);
    const jobLog = log.child({ job: job.name, task: job.id, attempt: job.attempt });
    if (!definition) {
      // A job queued by a process with a plugin this one lacks: fail it loudly.
      jobLog.error('no handler for this job in this process; are the same plugins enabled everywhere?');
      throw new Error(`no handler for job "${job.name}"`);
    }
    const started = performance.now();
    const run = () => definition.run(job.data, { id: job.id, attempt: job.attempt, log: jobLog });
    // A durable job is crossed out of the outbox once it has run, or failed for the last time.
    const crossOut = () =>
      jobs.isDurable(job.name)
        ? jobs.outbox!.done(job.id).catch((error: unknown) => jobLog.warn({ err: error }, 'could not cross a job out of the outbox'))
        : undefined;
    try {
      const key = definition.lockKey?.(job.data);
      const result = key ? await locks.withLock(key, run) : await run();
      jobLog.info({ ms: Math.round(performance.now() - started) }, 'job done');
      await crossOut();
      return result;
    } catch (error) {
      jobLog.error({ err: error, ms: Math.round(performance.now() - started) }, 'job failed');
      if (isFinalJobError(error) || job.attempt >= jobs.attemptsOf(job.name)) await crossOut();
      throw forClients(error, job.id);
    }
  };
}

/**
 * What a failed task says to API clients (its status, a wait=true answer). A FinalJobError or
 * a ForgeError is written for them ("Merge conflicts!"); anything else may carry internals
 * (paths, git's stderr, SQL), so it is replaced by a stable text naming the task, whose log
 * line above has the details. The replacement keeps retrying as the original would have.
 */
function forClients(error: unknown, taskId: string): unknown {
  if (isFinalJobError(error) || isForgeError(error)) return error;
  return new Error(`The task failed; its details are in the forge's log under task ${taskId}`, { cause: error });
}
