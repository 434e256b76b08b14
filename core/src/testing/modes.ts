// The two run modes every suite runs in: embedded (PGlite + inline queue) always, and
// server (PostgreSQL + Redis) when PAGURUS_TEST_DATABASE_URL and PAGURUS_TEST_REDIS_URL are set.

export type TestMode = 'embedded' | 'server';

export interface ServerServices {
  databaseUrl: string;
  redisUrl: string;
}

export function serverServices(): ServerServices | undefined {
  const databaseUrl = process.env.PAGURUS_TEST_DATABASE_URL;
  const redisUrl = process.env.PAGURUS_TEST_REDIS_URL;
  return databaseUrl && redisUrl ? { databaseUrl, redisUrl } : undefined;
}

export const MODE_LABEL: Record<TestMode, string> = {
  embedded: 'PGlite + inline queue',
  server: 'PostgreSQL + Redis',
};

interface MochaSuite {
  (title: string, fn: () => void): unknown;
  skip(title: string, fn: () => void): unknown;
}

/**
 * Declares the suite once per mode: `describeModes('plugin loader', (mode) => { ... })`.
 * Without the server variables the server-mode copy is declared pending, so a run that
 * lacks PostgreSQL and Redis says so instead of passing quietly.
 */
export function describeModes(title: string, body: (mode: TestMode) => void): void {
  const describe = (globalThis as unknown as { describe: MochaSuite }).describe;
  for (const mode of ['embedded', 'server'] as const) {
    const name = `${title} [${MODE_LABEL[mode]}]`;
    if (mode === 'server' && !serverServices()) describe.skip(name, () => body(mode));
    else describe(name, () => body(mode));
  }
}
