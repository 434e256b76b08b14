// What the fault tests share: a web-only test forge on PostgreSQL and Redis (its jobs run in
// processes the test spawns as the CLI starts them), starting and killing those processes,
// and waiting on what they do.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

/**
 * A test plugin whose durable subscriber "durable.all" writes each event it handles into
 * `durable_seen`, in the transaction that moves its cursor (core's own fixture).
 */
export const DURABLE_SUBSCRIBER = fileURLToPath(new URL('../../core/test/fixtures/plugins/durable', import.meta.url));

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
  const t = await createTestForge({ mode: 'server', listen: true, processJobs: false, config, plugins: [DURABLE_SUBSCRIBER] });
  const cwd = await tempDir('pagurus-fault-');
  // The processes the test starts feed the durable subscriber: they load the same plugin.
  writeFileSync(path.join(cwd, 'pagurus.config.yaml'), `plugins:\n  - ${JSON.stringify(DURABLE_SUBSCRIBER)}\n`);
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

/** The git.receive events (a push's, or a merge's announced as one) whose last commit is `commit`. */
export async function receiveEvents(t: TestForge, commit: string): Promise<Array<{ body: { end_commit: string } }>> {
  const events = (await t.forge.db.knex('forge_events').where({ topic: 'git.receive' }).select('body')) as Array<{
    body: { end_commit: string };
  }>;
  return events.filter((e) => e.body.end_commit === commit);
}

/**
 * Waits until the durable subscriber "durable.all" has read the whole event log (a process
 * that feeds subscribers must be running), then checks that it handled every event exactly
 * once and nothing else: no event lost to a crash, none handled twice, none that was not
 * committed. Answers the number of events.
 */
export async function assertEachEventDeliveredOnce(t: TestForge): Promise<number> {
  const knex = t.forge.db.knex;
  const last = async () => Number(((await knex('forge_events').max('id as id').first()) as { id: string | number | null }).id ?? 0);
  await until('the durable subscriber to read the whole event log', async () => {
    const cursor = (await knex('forge_event_cursors').where({ name: 'durable.all' }).first('event_id')) as { event_id: string } | undefined;
    return cursor && Number(cursor.event_id) >= (await last()) ? true : undefined;
  });
  const events = ((await knex('forge_events').orderBy('id').pluck('id')) as Array<string | number>).map(Number);
  const seen = (
    (await knex('durable_seen').where({ subscriber: 'durable.all' }).orderBy('id').pluck('sequence')) as Array<string | number>
  ).map(Number);
  const once = new Set<number>();
  const twice = seen.filter((sequence) => once.has(sequence) || !once.add(sequence));
  assert.deepEqual(twice, [], 'events handled twice');
  const logged = new Set(events);
  assert.deepEqual(
    seen.filter((sequence) => !logged.has(sequence)),
    [],
    'events handled that the log does not hold',
  );
  const handled = new Set(seen);
  assert.deepEqual(
    events.filter((id) => !handled.has(id)),
    [],
    'events in the log never handled',
  );
  assert.deepEqual(seen, events, 'handled in log order');
  return events.length;
}
