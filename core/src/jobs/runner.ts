// Runs one job taken from the queue: finds its handler, holds the repository lock its
// definition names, logs how it went. Both queue adapters call this same function.
import type { Logger } from 'pino';
import type { RepoLocks } from '../db/index.js';
import type { JobData, JobProcessor, QueuedJob } from '../queue/index.js';
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
    try {
      const key = definition.lockKey?.(job.data);
      const result = key ? await locks.withLock(key, run) : await run();
      jobLog.info({ ms: Math.round(performance.now() - started) }, 'job done');
      return result;
    } catch (error) {
      jobLog.error({ err: error, ms: Math.round(performance.now() - started) }, 'job failed');
      throw error;
    }
  };
}
