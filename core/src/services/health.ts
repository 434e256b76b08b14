// Reachability of what the forge depends on, for load balancers and operators.
import type { Database } from '../db/index.js';
import type { QueuePort } from '../queue/index.js';

export interface CheckResult {
  status: 'ok' | 'failing';
  ms: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'failing';
  /** The id of the database's instance row: the same on every process of one forge. */
  instance: string | null;
  checks: { database: CheckResult; queue: CheckResult };
}

const TIMEOUT_MS = 3000;

async function timed(probe: () => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { status: 'ok', ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'failing', ms: Math.round(performance.now() - started), error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export class HealthService {
  constructor(
    private readonly db: Database,
    private readonly queue: QueuePort,
  ) {}

  async report(): Promise<HealthReport> {
    let instance: string | null = null;
    const [database, queue] = await Promise.all([
      timed(async () => {
        const row = (await this.db.knex('instance').first('id')) as { id: string } | undefined;
        instance = row?.id ?? null;
      }),
      timed(() => this.queue.ping()),
    ]);
    const ok = database.status === 'ok' && queue.status === 'ok';
    return { status: ok ? 'ok' : 'failing', instance, checks: { database, queue } };
  }
}
