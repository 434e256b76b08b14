// Reading issues in bulk: listings with Pagure's filters (a project's, and a user's across
// projects) and the week-by-week history counts. Private issues are filtered in SQL: they
// count only for their author, their assignee, members with ticket access and site admins.
import type { Knex } from 'knex';
import { issueFromRow, type IssueRow } from '../../db/index.js';
import type { IssueRecord, ProjectRecord } from '../../domain/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import { inDateRanges, type DateRange } from '../tickets/ticket-filters.js';
import type { UsersService } from '../users/users-service.js';

export interface IssueFilters {
  /** Open, Closed, all, or a close status (closed issues closed with it). */
  status: string;
  tags: string[];
  assignee?: string;
  author?: string;
  milestones: string[];
  noMilestones?: boolean;
  priority?: number;
  since?: Date;
  /** Words the title or the description must contain (case-insensitive); for pages. */
  search?: string;
  order: 'asc' | 'desc';
  /** One of the keys of ISSUE_ORDER_COLUMNS (default date_created); for pages. */
  orderKey?: string;
}

/** Filters of /user/<name>/issues. */
export interface UserIssueFilters {
  /** Open, Closed (anything not open), another status, or null for all. */
  status: string | null;
  tags: string[];
  milestones: string[];
  noMilestones?: boolean;
  since?: Date;
  created: DateRange;
  updated: DateRange;
  closed: DateRange;
  order: 'asc' | 'desc';
  /** date_created (default), last_updated, closed_at, title, id, priority, milestone, status, close_status, assignee, user. */
  orderKey?: string;
}

const ISSUE_ORDER_COLUMNS: Record<string, string> = {
  date_created: 'i.created_at',
  last_updated: 'i.updated_at',
  closed_at: 'i.closed_at',
  title: 'i.title',
  id: 'i.id',
  priority: 'i.priority',
  milestone: 'i.milestone',
  status: 'i.status',
  close_status: 'i.close_status',
};

/** A UTC date as Python's naive isoformat() writes it: microseconds, no zone ("2020-03-26T19:21:51.348000"). */
function pythonIsoformat(date: Date): string {
  const iso = date.toISOString().slice(0, 23);
  return iso.endsWith('.000') ? iso.slice(0, 19) : `${iso}000`;
}

/** Of the private issues on `issues as i`, keeps those the viewer wrote or is assigned. */
function onlyTheirPrivate(query: Knex.QueryBuilder, viewer: Viewer): void {
  const me = viewer.user?.id;
  query.where((q) => {
    q.where('i.private', false);
    if (me !== undefined) q.orWhere('i.user_id', me).orWhere('i.assignee_id', me);
  });
}

/** Tags (each required, or with "!" excluded) and milestones (or none, with noMilestones) on `issues as i`. */
function filterTagsAndMilestones(
  db: Knex,
  query: Knex.QueryBuilder,
  filters: { tags: string[]; milestones: string[]; noMilestones?: boolean },
): void {
  for (const tag of filters.tags) {
    const negate = tag.startsWith('!');
    const sub = (q: Knex.QueryBuilder) => {
      q.select(db.raw('1'))
        .from('issue_tag_links as l')
        .join('ticket_tags as t', 't.id', 'l.tag_id')
        .whereRaw('l.ticket_pk = i.pk')
        .where('t.tag', negate ? tag.slice(1) : tag);
    };
    if (negate) query.whereNotExists(sub);
    else query.whereExists(sub);
  }
  if (filters.milestones.length || filters.noMilestones) {
    query.where((q) => {
      if (filters.milestones.length) q.whereIn('i.milestone', filters.milestones);
      if (filters.noMilestones) q.orWhereNull('i.milestone');
    });
  } else if (filters.noMilestones === false) {
    query.whereNotNull('i.milestone');
  }
}
export class IssueQueries {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
    private readonly users: UsersService,
  ) {}

  /** Whether the viewer sees every private issue of the project. */
  async seesAllPrivate(viewer: Viewer, project: ProjectRecord): Promise<boolean> {
    return viewer.siteAdmin || (await this.access.has(viewer, project, 'ticket'));
  }

  /** Synchronous on purpose: an async function would run the query builder it returns. */
  private filtered(viewer: Viewer, seesAll: boolean, project: ProjectRecord, filters: IssueFilters): Knex.QueryBuilder {
    const db = this.ctx.db;
    const query = db('issues as i').where('i.project_id', project.id);
    if (!seesAll) onlyTheirPrivate(query, viewer);
    const status = filters.status.toLowerCase();
    if (status === 'open') query.where('i.status', 'Open');
    else if (status === 'closed') query.where('i.status', 'Closed');
    else if (status !== 'all') query.where('i.status', 'Closed').where('i.close_status', filters.status);
    const userIds = (name: string) => db('users').where('name', name).select('id');
    for (const [column, value] of [
      ['i.assignee_id', filters.assignee],
      ['i.user_id', filters.author],
    ] as const) {
      if (!value) continue;
      if (['true', '1'].includes(value.toLowerCase()) && column === 'i.assignee_id') query.whereNotNull(column);
      else if (['false', '0'].includes(value.toLowerCase()) && column === 'i.assignee_id') query.whereNull(column);
      else if (value.startsWith('!'))
        query.where((q) => {
          q.whereNull(column).orWhereNotIn(column, userIds(value.slice(1)));
        });
      else query.whereIn(column, userIds(value));
    }
    filterTagsAndMilestones(db, query, filters);
    if (filters.priority !== undefined) query.where('i.priority', filters.priority);
    if (filters.since) query.where('i.updated_at', '>=', filters.since);
    for (const word of (filters.search ?? '').split(/\s+/).filter(Boolean).slice(0, 10)) {
      const like = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query.where((q) => {
        q.whereILike('i.title', like).orWhereILike('i.content', like);
      });
    }
    return query;
  }

  async list(
    viewer: Viewer,
    project: ProjectRecord,
    filters: IssueFilters,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; issues: IssueRecord[] }> {
    const seesAll = await this.seesAllPrivate(viewer, project);
    const [count, rows] = await Promise.all([
      this.filtered(viewer, seesAll, project, filters).count('* as count') as Promise<Array<{ count: string }>>,
      this.filtered(viewer, seesAll, project, filters)
        .orderBy([
          { column: ISSUE_ORDER_COLUMNS[filters.orderKey ?? ''] ?? 'i.created_at', order: filters.order },
          { column: 'i.pk', order: filters.order },
        ])
        .limit(page.limit)
        .offset(page.offset)
        .select('i.*') as Promise<IssueRow[]>,
    ]);
    return { total: Number(count[0]?.count ?? 0), issues: rows.map(issueFromRow) };
  }

  /**
   * Pagure's /user/<name>/issues: the issues `username` opened ('author') or is assigned
   * ('assignee') across the projects the viewer may see. A private issue shows only to its
   * author, its assignee and site admins here.
   */
  async listOfUser(
    viewer: Viewer,
    username: string,
    role: 'author' | 'assignee',
    filters: UserIssueFilters,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; issues: IssueRecord[] }> {
    const db = this.ctx.db;
    const user = await this.users.byName(username);
    if (!user) return { total: 0, issues: [] };
    const build = () => {
      const query = db('issues as i')
        .whereIn('i.project_id', this.access.visible(db('projects').select('projects.id'), viewer))
        .where(role === 'author' ? 'i.user_id' : 'i.assignee_id', user.id);
      if (!viewer.siteAdmin) onlyTheirPrivate(query, viewer);
      if (filters.status === 'Closed') query.whereNot('i.status', 'Open');
      else if (filters.status) query.where('i.status', filters.status);
      filterTagsAndMilestones(db, query, filters);
      if (filters.since) query.where('i.updated_at', '>=', filters.since);
      inDateRanges(query, [
        ['i.created_at', filters.created],
        ['i.updated_at', filters.updated],
        ['i.closed_at', filters.closed],
      ]);
      return query;
    };
    const sorted = build().select('i.*');
    const byName = { assignee: 'i.assignee_id', user: 'i.user_id' } as const;
    const key = filters.orderKey ?? 'date_created';
    if (key in byName) {
      sorted.leftJoin('users as sort_user', 'sort_user.id', byName[key as keyof typeof byName]).orderBy('sort_user.name', filters.order);
    } else {
      sorted.orderBy(ISSUE_ORDER_COLUMNS[key] ?? 'i.created_at', filters.order);
    }
    const [count, rows] = await Promise.all([
      build().count<{ count: string }[]>('* as count'),
      sorted.orderBy('i.pk', filters.order).limit(page.limit).offset(page.offset) as Promise<IssueRow[]>,
    ]);
    return { total: Number(count[0]?.count ?? 0), issues: rows.map(issueFromRow) };
  }

  /**
   * Pagure's issue history, week by week back from tomorrow (oldest week first): per week
   * the issues opened (still open, unless `detailed`) and closed, and with `detailed` the
   * number open at the week's end. Counted in three queries, whatever the number of weeks;
   * private issues count only for who may see them.
   */
  async historyStats(
    viewer: Viewer,
    project: ProjectRecord,
    weeks: number,
    detailed: boolean,
  ): Promise<Record<string, number | { open_ticket: number; closed_ticket: number; count: number }>> {
    const db = this.ctx.db;
    const seesAll = await this.seesAllPrivate(viewer, project);
    const visible = () => this.filtered(viewer, seesAll, project, { status: 'all', tags: [], milestones: [], order: 'desc' });
    const week = 7 * 86_400_000;
    const tomorrow = new Date(Date.now() + 86_400_000);
    const first = new Date(tomorrow.getTime() - weeks * week);
    // Week w holds [tomorrow - 7(w+1) days, tomorrow - 7w days).
    const bucket = (column: string) => db.raw(`ceil(extract(epoch from (?::timestamptz - ${column})) / 604800)::int - 1`, [tomorrow]);
    const [summary, opened, closed] = await Promise.all([
      visible()
        .select(
          db.raw("count(*) filter (where i.status = 'Open')::int as open_now"),
          db.raw("count(*) filter (where i.closed_at is null and i.status = 'Closed')::int as closed_undated"),
          db.raw('min(i.closed_at) as oldest_closed'),
        )
        .first() as Promise<{ open_now: number; closed_undated: number; oldest_closed: Date | null }>,
      visible()
        .where('i.created_at', '>=', first)
        .where('i.created_at', '<', tomorrow)
        .select(
          { week: bucket('i.created_at') },
          db.raw('count(*)::int as opened'),
          db.raw("count(*) filter (where i.status = 'Open')::int as still_open"),
        )
        .groupBy('week') as Promise<Array<{ week: number; opened: number; still_open: number }>>,
      visible()
        .where('i.closed_at', '>=', first)
        .where('i.closed_at', '<', tomorrow)
        .select({ week: bucket('i.closed_at') }, db.raw('count(*)::int as closed'))
        .groupBy('week') as Promise<Array<{ week: number; closed: number }>>,
    ]);
    const openedIn = new Map(opened.map((r) => [r.week, r]));
    const closedIn = new Map(closed.map((r) => [r.week, r.closed]));
    // Issues imported as closed without a date are ignored, unless dated closes reach back a whole range.
    const toIgnore = summary.oldest_closed && new Date(summary.oldest_closed) < first ? 0 : summary.closed_undated;
    let current = summary.open_now;
    const rows: Array<[string, number | { open_ticket: number; closed_ticket: number; count: number }]> = [];
    for (let w = 0; w < weeks; w++) {
      const start = new Date(tomorrow.getTime() - (w + 1) * week);
      const openTicket = detailed ? (openedIn.get(w)?.opened ?? 0) : (openedIn.get(w)?.still_open ?? 0);
      const closedTicket = closedIn.get(w) ?? 0;
      current = Math.max(0, current - openTicket + closedTicket);
      rows.push([
        pythonIsoformat(start),
        detailed
          ? { open_ticket: openTicket, closed_ticket: closedTicket, count: current }
          : Math.max(0, openTicket + closedTicket - toIgnore),
      ]);
    }
    return Object.fromEntries(rows.reverse());
  }
}
