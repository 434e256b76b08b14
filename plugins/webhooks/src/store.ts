// The plugin's rows: reading and writing webhooks_events, webhooks_deliveries and webhooks_tokens.
import { createHash } from 'node:crypto';
import type { Knex } from '@pagurus/core';
import { newHookToken } from './message.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: string;
  event_sequence: string | null;
  project_id: number;
  project_fullname: string;
  msg_id: string;
  topic: string;
  payload: string;
  url: string;
  url_key: string;
  status: DeliveryStatus;
  attempt: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  response_status: number | null;
  duration_ms: number | null;
  response_excerpt: string | null;
  redelivery_of: string | null;
  created_at: Date;
}

export interface EventRow {
  sequence: string;
  msg_id: string;
  project_id: number;
  topic: string;
  body: string;
  timestamp: string;
}

/** Names a URL's queue: deliveries to one URL go one at a time, whatever project sent them. */
export function urlKey(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 24);
}

/** The project setting `Web-hooks`: one URL per line (Pagure splits on new lines; blank lines are skipped). */
export function hookUrls(settings: Record<string, unknown>): string[] {
  const value = settings['Web-hooks'];
  if (typeof value !== 'string') return [];
  return [
    ...new Set(
      value
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean),
    ),
  ];
}

export class Store {
  constructor(private readonly db: Knex) {}

  /** The project's hook token, made on first use (two processes racing agree on one). */
  async token(projectId: number): Promise<string> {
    const existing: { token: string } | undefined = await this.db('webhooks_tokens').where({ project_id: projectId }).first('token');
    if (existing) return existing.token;
    await this.db('webhooks_tokens').insert({ project_id: projectId, token: newHookToken() }).onConflict('project_id').ignore();
    const row: { token: string } = await this.db('webhooks_tokens').where({ project_id: projectId }).first('token');
    return row.token;
  }

  async regenerateToken(projectId: number): Promise<string> {
    const token = newHookToken();
    await this.db('webhooks_tokens')
      .insert({ project_id: projectId, token })
      .onConflict('project_id')
      .merge({ token, created_at: this.db.fn.now() });
    return token;
  }

  /** Projects with events not yet turned into deliveries. */
  async projectsToFanOut(): Promise<number[]> {
    const rows: Array<{ project_id: number }> = await this.db('webhooks_events').where({ fanned_out: false }).distinct('project_id');
    return rows.map((r) => r.project_id);
  }

  async eventsToFanOut(projectId: number, limit: number): Promise<EventRow[]> {
    return this.db('webhooks_events').where({ project_id: projectId, fanned_out: false }).orderBy('sequence').limit(limit);
  }

  async delivery(id: string | number): Promise<DeliveryRow | undefined> {
    return this.db('webhooks_deliveries').where({ id }).first();
  }

  /**
   * The oldest pending delivery to the URL (its queue's head), with how long until it is due.
   * Times are the database's, never this process's: hosts' clocks differ.
   */
  async head(key: string): Promise<(DeliveryRow & { wait_ms: number }) | undefined> {
    return this.db('webhooks_deliveries')
      .where({ url_key: key, status: 'pending' })
      .orderBy('id')
      .first('*', this.db.raw('greatest(0, ceil(extract(epoch from (next_attempt_at - now())) * 1000))::int as wait_ms'));
  }

  /** URLs whose head is due (its retry time has come), for the sweep. */
  async dueUrls(): Promise<string[]> {
    const rows: Array<{ url_key: string }> = await this.db('webhooks_deliveries')
      .where({ status: 'pending' })
      .where('next_attempt_at', '<=', this.db.fn.now())
      .distinct('url_key');
    return rows.map((r) => r.url_key);
  }

  /** Counts a try, stamped with the database's clock. */
  async startAttempt(id: string, attempt: number): Promise<void> {
    await this.db('webhooks_deliveries').where({ id }).update({ attempt, last_attempt_at: this.db.fn.now() });
  }

  /** Leaves the delivery pending, due in `delayMs`. */
  async postpone(id: string, delayMs: number, fields: Partial<DeliveryRow>): Promise<void> {
    await this.db('webhooks_deliveries')
      .where({ id })
      .update({ ...fields, next_attempt_at: this.db.raw('now() + make_interval(secs => ?)', [delayMs / 1000]) });
  }

  /** Forgets finished deliveries older than `days`; answers how many. */
  async prune(days: number): Promise<number> {
    return this.db('webhooks_deliveries')
      .whereNot({ status: 'pending' })
      .where('created_at', '<', this.db.raw('now() - make_interval(days => ?)', [days]))
      .delete();
  }

  async update(id: string, fields: Partial<DeliveryRow>): Promise<void> {
    await this.db('webhooks_deliveries').where({ id }).update(fields);
  }

  /** A project's deliveries, newest first, a page at a time. */
  async page(projectId: number, page: number, perPage: number): Promise<{ total: number; rows: DeliveryRow[] }> {
    const [{ count } = { count: 0 }] = await this.db('webhooks_deliveries').where({ project_id: projectId }).count({ count: '*' });
    const rows = await this.db('webhooks_deliveries')
      .where({ project_id: projectId })
      .orderBy('id', 'desc')
      .limit(perPage)
      .offset((page - 1) * perPage);
    return { total: Number(count), rows };
  }

  async insertDelivery(
    db: Knex | Knex.Transaction,
    row: Omit<Partial<DeliveryRow>, 'id'> & Pick<DeliveryRow, 'url'>,
  ): Promise<DeliveryRow> {
    const [inserted] = await db('webhooks_deliveries')
      .insert({ ...row, url_key: urlKey(row.url), status: 'pending', attempt: 0 })
      .returning('*');
    return inserted as DeliveryRow;
  }
}
