// The fixture plugin's test jobs, driven over HTTP (so the same helpers serve a test forge and
// separate serve/worker processes): queue one, read what ran, hold one on a latch and release it.
import { eventually } from './wait.js';

export interface JobRun {
  task: string;
  key: string;
  phase: 'start' | 'end';
  pid: number;
}

export interface QueueJob {
  /** A fixture job name (default fixture.record, which locks on `key`). */
  name?: string;
  key?: string;
  sleepMs?: number;
  /** Hold the job after it starts until `release(latch)`. */
  latch?: string;
}

export interface TaskReport {
  ready: boolean;
  status: string;
  successful?: boolean;
}

export function fixtureJobs(baseUrl: string) {
  const call = async <T>(method: string, pathname: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/api/0${pathname}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`${method} ${pathname} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  const runs = async () => (await call<{ runs: JobRun[] }>('GET', '/_fixture/job-runs')).runs;
  const report = (taskid: string) => call<TaskReport>('GET', `/task/${taskid}/status`);
  return {
    /** Queues a job and answers its task id. */
    queue: async (job: QueueJob = {}) => (await call<{ taskid: string }>('POST', '/_fixture/jobs', job)).taskid,
    runs,
    report,
    release: (latch: string) => call<{ released: string }>('POST', `/_fixture/latches/${encodeURIComponent(latch)}`),
    /** Waits until the task's job has recorded its start, and answers that run. */
    started: (taskid: string) =>
      eventually(async () => (await runs()).find((run) => run.task === taskid && run.phase === 'start'), `task ${taskid} to start`),
    /** Waits until the task is ready (finished, one way or the other), and answers its report. */
    finished: (taskid: string, timeoutMs?: number) =>
      eventually(
        async () => {
          const body = await report(taskid);
          return body.ready ? body : undefined;
        },
        `task ${taskid} to finish`,
        timeoutMs,
      ),
  };
}
