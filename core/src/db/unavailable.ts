// Whether an error says the database is away (PostgreSQL restarting, the network cut, every
// connection busy past database.wait_seconds) rather than that a query was wrong: such a
// request is answered 503 (try again), a job is retried, and nothing is logged as a bug.

/** PostgreSQL's connection exceptions (class 08) and operator interventions (57P01-57P03). */
const SQLSTATES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const MESSAGES =
  /Connection terminated|Connection ended unexpectedly|Client has encountered a connection error|timeout exceeded when trying to connect|Unable to acquire a connection|Timeout acquiring a connection|Client was closed and is not queryable/i;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown; errors?: unknown[] };
  if (e.name === 'KnexTimeoutError') return true;
  if (e.code && (SQLSTATES.has(e.code) || SOCKET_CODES.has(e.code))) return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
