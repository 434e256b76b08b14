// The activity log: commits pushed (later issues, pull requests, comments) attributed to
// users, for their yearly heatmap and daily feed. Entries on a private project are kept,
// and shown only to viewers who may see that project.
import type { Knex } from 'knex';
import { PROJECT_COLUMNS, projectFromRow, type ProjectRow } from '../../db/index.js';
import type { ProjectRecord, UserRecord } from '../../domain/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import { resolveTimezone, timezoneSql } from './timezone.js';

export interface CommitToLog {
  hash: string;
  /** Who the commit counts for: the user owning this address, if anyone does. */
  authorEmail: string;
  authorName: string;
  /** The moment it counts for. */
  date: Date;
}

export interface DayCount {
  /** YYYY-MM-DD in the timezone asked for. */
  date: string;
  count: number;
  /** Noon of that day in that timezone, in epoch seconds (Pagure's `format=timestamp` keys). */
  noon: number;
}

export interface ActivityEntry {
  id: number;
  kind: string;
  ref: string;
  occurredAt: Date;
  /** The UTC date of occurredAt, YYYY-MM-DD. */
  utcDate: string;
  project: ProjectRecord;
}

/** Commits sent to the database per statement: a push of any size takes a few statements. */
const COMMITS_PER_STATEMENT = 1000;
const DAY_MS = 86_400_000;

export class ActivityService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
  ) {}

  /**
   * Logs pushed commits as 'committed' entries of the users owning their author addresses
   * (compared without case). Commits nobody's address wrote, and commits this project has
   * logged already, are skipped, so a retried job logs nothing twice. One statement per
   * thousand commits. Returns how many entries were added.
   */
  async logCommits(project: ProjectRecord, commits: ReadonlyArray<CommitToLog>, db: Knex = this.ctx.db): Promise<number> {
    let logged = 0;
    for (let start = 0; start < commits.length; start += COMMITS_PER_STATEMENT) {
      const batch = commits
        .slice(start, start + COMMITS_PER_STATEMENT)
        .map((c) => ({ hash: c.hash, email: c.authorEmail, at: c.date.toISOString() }));
      // Rows go in in push order, so entries of one day list in that order.
      const result = (await db.raw(
        `insert into activity (user_id, project_id, kind, ref, occurred_at)
         select e.user_id, ?, 'committed', c.value->>'hash', (c.value->>'at')::timestamptz
         from jsonb_array_elements(?::jsonb) with ordinality as c(value, ord)
         join user_emails e on lower(e.email) = lower(c.value->>'email')
         order by c.ord
         on conflict (project_id, ref) where kind = 'committed' do nothing
         returning id`,
        [project.id, JSON.stringify(batch)],
      )) as { rows: unknown[] };
      logged += result.rows.length;
    }
    return logged;
  }

  /** A user's entries, on projects the viewer may see. */
  private entries(viewer: Viewer, user: UserRecord, db: Knex): Knex.QueryBuilder {
    const query = db('activity as a').join('projects', 'projects.id', 'a.project_id').where('a.user_id', user.id);
    return this.access.visible(query, viewer);
  }

  /**
   * How many entries the user has per day (cut in `tz`, Pagure's tz parameter) over the
   * year up to tomorrow (UTC): Pagure's heatmap. Days without entries are left out.
   */
  async yearlyCounts(
    viewer: Viewer,
    user: UserRecord,
    tz: string | undefined,
    now: Date = new Date(),
    db: Knex = this.ctx.db,
  ): Promise<DayCount[]> {
    const zone = timezoneSql(resolveTimezone(tz));
    const until = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS);
    const yearBefore = until.getUTCFullYear() - 1;
    // A year before February 29th is February 28th.
    const lastDay = new Date(Date.UTC(yearBefore, until.getUTCMonth() + 1, 0)).getUTCDate();
    const since = new Date(Date.UTC(yearBefore, until.getUTCMonth(), Math.min(until.getUTCDate(), lastDay)));
    const days = this.entries(viewer, user, db)
      .whereBetween('a.occurred_at', [since.toISOString(), until.toISOString()])
      .select(db.raw(`(a.occurred_at at time zone ${zone.sql})::date as day`, [zone.binding]));
    const rows = (await db
      .from(days.as('d'))
      .groupBy('d.day')
      .orderBy('d.day')
      .select(
        db.raw(`to_char(d.day, 'YYYY-MM-DD') as date`),
        db.raw('count(*)::int as count'),
        db.raw(`extract(epoch from ((d.day + time '12:00') at time zone ${zone.sql}))::bigint as noon`, [zone.binding]),
      )) as Array<{ date: string; count: number; noon: number | string }>;
    return rows.map((row) => ({ date: row.date, count: Number(row.count), noon: Number(row.noon) }));
  }

  /** The user's entries on `date` (YYYY-MM-DD, cut in `tz`), oldest entry first. */
  async onDay(viewer: Viewer, user: UserRecord, date: string, tz: string | undefined, db: Knex = this.ctx.db): Promise<ActivityEntry[]> {
    const zone = timezoneSql(resolveTimezone(tz));
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    const midnight = new Date(0);
    midnight.setUTCFullYear(year, month - 1, day);
    // A day anywhere on Earth lies within the UTC day before, that day and the day after.
    const from = new Date(midnight.getTime() - DAY_MS);
    const to = new Date(midnight.getTime() + 2 * DAY_MS);
    const rows = (await this.entries(viewer, user, db)
      .join('users as owner', 'owner.id', 'projects.user_id')
      .where('a.occurred_at', '>=', from.toISOString())
      .andWhere('a.occurred_at', '<', to.toISOString())
      .whereRaw(`(a.occurred_at at time zone ${zone.sql})::date = ?::date`, [zone.binding, date])
      .orderBy('a.id')
      .select(
        'a.id as activity_id',
        'a.kind as activity_kind',
        'a.ref as activity_ref',
        'a.occurred_at as activity_at',
        db.raw(`to_char(a.occurred_at at time zone 'UTC', 'YYYY-MM-DD') as activity_utc_date`),
        ...PROJECT_COLUMNS,
      )) as Array<
      ProjectRow & { activity_id: number; activity_kind: string; activity_ref: string; activity_at: Date; activity_utc_date: string }
    >;
    return rows.map((row) => ({
      id: Number(row.activity_id),
      kind: row.activity_kind,
      ref: row.activity_ref,
      occurredAt: row.activity_at,
      utcDate: row.activity_utc_date,
      project: projectFromRow(row),
    }));
  }
}
