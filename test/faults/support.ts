// What the fault tests share: a web-only test forge on PostgreSQL and Redis (its jobs run in
// processes the test spawns as the CLI starts them), starting and killing those processes,
// and waiting on what they do.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createTestForge,
  eventually,
  serverServices,
  startCli,
  tempDir,
  type RunningCli,
  type TestForge,
  type TestForgeOptions,
} from '@pagurus/core/testing';

/** Polls until the probe answers, for at most a minute (processes start and stop here). */
export const until = <T>(what: string, probe: () => Promise<T | undefined>) => eventually(probe, what, 60_000);

export interface FaultForge {
  t: TestForge;
  /** Starts `pagurus <args>` on the forge's database, queue and data directory (with `env` beside the forge's); stopped at close(). */
  start(args: string[], ready: RegExp, env?: Record<string, string>): Promise<RunningCli>;
  /** Stops a process started here with SIGTERM; answers its exit code. */
  stop(process: RunningCli): Promise<number | null>;
  /** Kills a process started here with SIGKILL, as a crash would, and waits until it is gone. */
  kill(process: RunningCli): Promise<void>;
  close(): Promise<void>;
}

/** A forge whose web side runs in the test, and whose jobs run only in the processes the test starts. */
export async function faultForge(config: TestForgeOptions['config'] = {}, env: Record<string, string> = {}): Promise<FaultForge> {
  if (!serverServices()) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
  const t = await createTestForge({ mode: 'server', listen: true, processJobs: false, config });
  const cwd = await tempDir('pagurus-fault-');
  writeFileSync(path.join(cwd, 'pagurus.config.yaml'), 'plugins: []\n');
  const running = new Set<RunningCli>();
  return {
    t,
    async start(args, ready, more = {}) {
      const started = await startCli(args, ready, { cwd, env: { ...t.env, ...env, ...more } });
      running.add(started);
      return started;
    },
    async stop(process) {
      running.delete(process);
      return process.stop();
    },
    async kill(process) {
      running.delete(process);
      process.child.kill('SIGKILL');
      await until('the process to die', async () => (process.child.exitCode !== null || process.child.signalCode ? true : undefined));
    },
    async close() {
      for (const process of running) await process.stop();
      await t.close();
    },
  };
}
