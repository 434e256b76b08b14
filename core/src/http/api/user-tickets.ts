// A user's issues and pull requests across projects, as Pagure lists them:
// /user/<name>/issues, /user/<name>/requests/filed and /user/<name>/requests/actionable.
// An unknown user has none, as in Pagure; what the viewer may not see is left out.
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import type { DomainServices, UserIssueFilters, UserPullRequestFilters } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import { isTrue, pageRequest, pagination, parseDate, parseDateRange, query, queryList } from './params.js';

/** Pagure's boolean for assignee/author here: anything but false, 0 and f (any case) is true. */
const notFalse = (text: string | undefined) => !['false', '0', 'f'].includes((text ?? '').toLowerCase());

function ranges(ctx: ForgeContext) {
  const [created, updated, closed] = [query(ctx, 'created'), query(ctx, 'updated'), query(ctx, 'closed')];
  return {
    raw: { created: created ?? null, updated: updated ?? null, closed: closed ?? null },
    parsed: { created: parseDateRange(created), updated: parseDateRange(updated), closed: parseDateRange(closed) },
  };
}

export function userTicketRoutes(router: ForgeRouter, services: DomainServices): void {
  router.get('/user/:username/issues', async (ctx) => {
    const username = ctx.params.username!;
    const status = query(ctx, 'status');
    const order = query(ctx, 'order');
    const orderKey = query(ctx, 'order_key');
    const since = query(ctx, 'since');
    const noStones = query(ctx, 'no_stones');
    const dates = ranges(ctx);
    const page = pageRequest(ctx);
    const filters: UserIssueFilters = {
      status: status === undefined ? 'Open' : status.toLowerCase() === 'all' ? null : status.toLowerCase() === 'closed' ? 'Closed' : status,
      tags: queryList(ctx, 'tags')
        .map((t) => t.trim())
        .filter(Boolean),
      milestones: queryList(ctx, 'milestones'),
      ...dates.parsed,
      order: order?.toLowerCase() === 'asc' ? 'asc' : 'desc',
      ...(orderKey ? { orderKey } : {}),
      ...(noStones === undefined ? {} : { noMilestones: isTrue(noStones) }),
      ...(since ? { since: parseDate(since) } : {}),
    };
    const viewer = await viewerOf(ctx, services);
    const [asAuthor, asAssignee] = [notFalse(query(ctx, 'author')), notFalse(query(ctx, 'assignee'))];
    const none = { total: 0, issues: [] };
    const [created, assigned] = await Promise.all([
      asAuthor ? services.issues.listOfUser(viewer, username, 'author', filters, page) : none,
      asAssignee ? services.issues.listOfUser(viewer, username, 'assignee', filters, page) : none,
    ]);
    const [createdJson, assignedJson] = await Promise.all([
      services.issues.jsonWithProjects(created.issues),
      services.issues.jsonWithProjects(assigned.issues),
    ]);
    const createdPages = asAuthor ? pagination(ctx, page, created.total) : null;
    const assignedPages = asAssignee ? pagination(ctx, page, assigned.total) : null;
    ctx.body = {
      pagination_issues_created: createdPages,
      pagination_issues_assigned: assignedPages,
      total_issues_created_pages: createdPages?.pages ?? 1,
      total_issues_assigned_pages: assignedPages?.pages ?? 1,
      total_issues_created: created.total,
      total_issues_assigned: assigned.total,
      issues_created: createdJson,
      issues_assigned: assignedJson,
      args: {
        milestones: filters.milestones,
        no_stones: noStones === undefined ? null : isTrue(noStones),
        order: order ?? null,
        order_key: orderKey ?? null,
        since: since ?? null,
        status: status ?? null,
        tags: filters.tags,
        page: page.page,
        assignee: asAssignee,
        author: asAuthor,
        ...dates.raw,
      },
    };
  });

  for (const mode of ['filed', 'actionable'] as const) {
    router.get(`/user/:username/requests/${mode}`, async (ctx) => {
      const username = ctx.params.username!;
      const status = query(ctx, 'status') ?? 'open';
      const dates = ranges(ctx);
      const page = pageRequest(ctx);
      const filters: UserPullRequestFilters = {
        status: status.toLowerCase() === 'all' ? null : status.charAt(0).toUpperCase() + status.slice(1).toLowerCase(),
        ...dates.parsed,
      };
      const found = await services.pullRequests.listOfUser(await viewerOf(ctx, services), username, mode, filters, page);
      ctx.body = {
        // Pagure counts the pull requests of this page here; the pagination tells the whole.
        total_requests: found.prs.length,
        requests: await services.pullRequests.jsonList(found.prs),
        args: { username, status, page: page.page, ...dates.raw },
        pagination: pagination(ctx, page, found.total),
      };
    });
  }
}
