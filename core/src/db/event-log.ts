// The event log's rows: appending inside a transaction, reading after a cursor, and the
// cursors of durable subscribers.
//
// Why the order can be trusted: a transaction takes a shared advisory lock before it
// appends (so before its row's id is drawn) and holds it until it ends. A reader takes the
// same lock exclusively for a moment: while it holds it no transaction has an unfinished
// event, so every id up to the largest it sees is final (committed, or never to appear).
// Readers go no further than that horizon, so a row committed late can never land behind
// a cursor that has already passed it.
import type { Knex } from 'knex';

/** The advisory lock key of the event log ('PGEV'). */
const APPEND_LOCK = 0x50474556;
/** How long a reader waits for running transactions to end before it keeps its old horizon. */
const HORIZON_WAIT_MS = 100;

export interface EventRowInput {
  uuid: string;
  topic: string;
  body: unknown;
  agent: string | null;
  projectId: number | null;
  projectPrivate: boolean;
  issuePrivate: boolean;
}

export interface EventRow {
  id: number;
  uuid: string;
  topic: string;
  body: Record<string, unknown>;
  agent: string | null;
  project_id: number | null;
  project_private: boolean;
  issue_private: boolean;
  created_at: Date;
}

export async function appendEvent(db: Knex | Knex.Transaction, input: EventRowInput): Promise<{ id: number; createdAt: Date }> {
  // One statement: the lock is taken before the row's id is drawn.
  const result: { rows: Array<{ id: string; created_at: Date | string }> } = await db.raw(
    `insert into forge_events (uuid, topic, body, agent, project_id, project_private, issue_private)
     select ?, ?, ?::jsonb, ?, ?, ?, ? from (select pg_advisory_xact_lock_shared(?)) as appending
     returning id, created_at`,
    [
      input.uuid,
      input.topic,
      JSON.stringify(input.body),
      input.agent,
      input.projectId,
      input.projectPrivate,
      input.issuePrivate,
      APPEND_LOCK,
    ],
  );
  const row = result.rows[0]!;
  return { id: Number(row.id), createdAt: new Date(row.created_at) };
}

/**
 * The largest id up to which the log is final, or undefined when transactions with events
 * were still running (then the caller keeps its previous horizon). `wait: false` only tries
 * the lock, so writers are never held up; `wait: true` waits a moment for them to end (new
 * writers queue behind the reader meanwhile), for when trying has kept failing.
 */
export async function readableHorizon(db: Knex, options: { wait: boolean }): Promise<number | undefined> {
  try {
    return await db.transaction(async (trx) => {
      if (options.wait) {
        await trx.raw(`set local lock_timeout = '${HORIZON_WAIT_MS}ms'`);
        await trx.raw('select pg_advisory_xact_lock(?)', [APPEND_LOCK]);
      } else {
        const tried: { rows: Array<{ locked: boolean }> } = await trx.raw('select pg_try_advisory_xact_lock(?) as locked', [APPEND_LOCK]);
        if (!tried.rows[0]?.locked) return undefined;
      }
      return lastEventId(trx);
    });
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') return undefined; // lock_not_available
    throw error;
  }
}

/** The id of the newest committed event (0 when the log is empty). */
export async function lastEventId(db: Knex | Knex.Transaction): Promise<number> {
  const row = (await db('forge_events').max('id as id').first()) as { id: string | number | null } | undefined;
  return Number(row?.id ?? 0);
}

/** Events after `afterId` and up to `upTo`, oldest first. */
export async function eventsAfter(db: Knex | Knex.Transaction, afterId: number, upTo: number, limit: number): Promise<EventRow[]> {
  const rows = (await db('forge_events')
    .where('id', '>', afterId)
    .andWhere('id', '<=', upTo)
    .orderBy('id')
    .limit(limit)
    .select('id', 'uuid', 'topic', 'body', 'agent', 'project_id', 'project_private', 'issue_private', 'created_at')) as EventRow[];
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}

/** Whether event `id` is kept (0, the log's start, always is). */
export async function eventKept(db: Knex, id: number): Promise<boolean> {
  return id === 0 || (await db('forge_events').where({ id }).first('id')) !== undefined;
}

export interface CursorRow {
  name: string;
  event_id: number;
  attempts: number;
  retry_at: Date | null;
  last_error: string | null;
}

const CURSOR_COLUMNS = ['name', 'event_id', 'attempts', 'retry_at', 'last_error'];

function cursorOf(row: CursorRow | undefined): CursorRow | undefined {
  return row && { ...row, event_id: Number(row.event_id), retry_at: row.retry_at && new Date(row.retry_at) };
}

/** Creates a subscriber's cursor if it has none. */
export async function ensureCursor(db: Knex, name: string, afterId: number): Promise<void> {
  await db('forge_event_cursors').insert({ name, event_id: afterId }).onConflict('name').ignore();
}

/** Locks a subscriber's cursor for this transaction; undefined if another process holds it. */
export async function lockCursor(trx: Knex.Transaction, name: string): Promise<CursorRow | undefined> {
  return cursorOf(await trx('forge_event_cursors').where({ name }).forUpdate().skipLocked().first(CURSOR_COLUMNS));
}

export async function readCursor(db: Knex, name: string): Promise<CursorRow | undefined> {
  return cursorOf(await db('forge_event_cursors').where({ name }).first(CURSOR_COLUMNS));
}

export async function saveCursor(
  db: Knex | Knex.Transaction,
  name: string,
  eventId: number,
  failure: { attempts: number; retryAt: Date | null; error: string | null } = { attempts: 0, retryAt: null, error: null },
): Promise<void> {
  await db('forge_event_cursors').where({ name }).update({
    event_id: eventId,
    attempts: failure.attempts,
    retry_at: failure.retryAt,
    last_error: failure.error,
    updated_at: db.fn.now(),
  });
}

/** Deletes events older than `days`; answers how many. */
export async function pruneEvents(db: Knex, days: number): Promise<number> {
  return db('forge_events')
    .where('created_at', '<', db.raw(`now() - (? * interval '1 day')`, [days]))
    .delete();
}
