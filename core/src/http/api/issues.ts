// Issue endpoints, as Pagure answers them: open, list with filters, read, edit, comment,
// status, assign, milestone, subscribe.
import type { ProjectRecord } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import { avatarUrl, type IssueFilters } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import { callerFields } from './caller.js';
import { routeParams } from '../common/git-context.js';
import { body, isTrue, pageRequest, pagination, parseDate, query, queryList, routeId, value } from './params.js';
import type { ProjectRoutes } from '../common/project-routes.js';
import type { ApiDependencies } from './router.js';

const text = (input: unknown): string => (typeof input === 'string' ? input.trim() : typeof input === 'number' ? String(input) : '');

export function issueRoutes(routes: ProjectRoutes, deps: ApiDependencies): void {
  const { services } = deps;
  const issues = services.issues;

  async function load(ctx: ForgeContext, project: ProjectRecord, write: boolean) {
    issues.checkTracker(project, write);
    return issues.require(await viewerOf(ctx, services), project, routeParams(ctx).issueid);
  }

  routes.add(
    'post',
    '/new_issue',
    async (ctx, project) => {
      issues.checkTracker(project, true);
      const data = body(ctx);
      const issue = await issues.create(await viewerOf(ctx, services), project, {
        title: text(data.title),
        content: typeof data.issue_content === 'string' ? data.issue_content : '',
        private: isTrue(data.private),
        priority: text(data.priority) || null,
        milestone: text(data.milestone) || null,
        tags: (Array.isArray(data.tag) ? data.tag.map(text) : text(data.tag).split(',')).map((t) => t.trim()).filter(Boolean),
        assignee: text(data.assignee) || null,
      });
      ctx.body = { issue: await issues.json(project, issue), message: 'Issue created' };
    },
    { acls: ['issue_create'] },
  );

  routes.add('get', '/issues', async (ctx, project) => {
    issues.checkTracker(project, false);
    const viewer = await viewerOf(ctx, services);
    const status = query(ctx, 'status');
    const priority = query(ctx, 'priority');
    const since = query(ctx, 'since');
    const order = query(ctx, 'order');
    const noStones = query(ctx, 'no_stones');
    const filters: IssueFilters = {
      status: status ?? 'Open',
      tags: queryList(ctx, 'tags')
        .map((t) => t.trim())
        .filter(Boolean),
      milestones: queryList(ctx, 'milestones'),
      order: order?.toLowerCase() === 'asc' ? 'asc' : 'desc',
    };
    const assignee = query(ctx, 'assignee');
    const author = query(ctx, 'author');
    if (assignee) filters.assignee = assignee;
    if (author) filters.author = author;
    if (noStones !== undefined) filters.noMilestones = isTrue(noStones);
    if (priority) filters.priority = await issues.priorityKey(project, priority);
    if (since) filters.since = parseDate(since);
    const page = pageRequest(ctx);
    const found = await issues.list(viewer, project, filters, page);
    ctx.body = {
      // Pagure counts the issues of this page here; the pagination tells the whole.
      total_issues: found.issues.length,
      issues: await issues.jsonList(project, found.issues),
      args: {
        assignee: assignee ?? null,
        author: author ?? null,
        milestones: filters.milestones,
        no_stones: noStones === undefined ? null : isTrue(noStones),
        order: order ?? null,
        priority: priority ?? null,
        since: since ?? null,
        status: status ?? null,
        tags: filters.tags,
      },
      pagination: pagination(ctx, page, found.total),
    };
  });

  routes.add('get', '/issues/history/stats', async (ctx, project) => {
    issues.checkTracker(project, false);
    ctx.body = { stats: await issues.historyStats(await viewerOf(ctx, services), project, 53, false) };
  });

  routes.add('get', '/issues/history/detailed_stats', async (ctx, project) => {
    issues.checkTracker(project, false);
    // Pagure reads weeks_range leniently: anything but a number means 53.
    const asked = Number.parseInt(query(ctx, 'weeks_range') ?? '', 10);
    const weeks = Number.isNaN(asked) ? 53 : Math.min(Math.max(asked, 0), 1000);
    ctx.body = { stats: await issues.historyStats(await viewerOf(ctx, services), project, weeks, true) };
  });

  routes.add('get', '/issue/:issueid', async (ctx, project) => {
    const issue = await load(ctx, project, false);
    const comments = value(ctx, 'comments');
    ctx.body = await issues.json(project, issue, { comments: comments === undefined || isTrue(comments) });
  });

  routes.add(
    'post',
    '/issue/:issueid',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      const data = body(ctx);
      const viewer = await viewerOf(ctx, services);
      const csv = (v: unknown) => (Array.isArray(v) ? v.map(text) : text(v).split(',')).map((x) => x.trim()).filter(Boolean);
      const numbers = (name: string) => {
        const values = csv(data[name]);
        if (values.some((v) => !/^\d+$/.test(v))) throw Invalid('EINVALIDREQ', { errors: { [name]: ['Issue numbers, comma-separated'] } });
        return values.map(Number);
      };
      const links = {
        ...('tag' in data ? { tags: csv(data.tag) } : {}),
        ...('depending' in data ? { depending: numbers('depending') } : {}),
        ...('blocking' in data ? { blocking: numbers('blocking') } : {}),
      };
      const fields = { title: text(data.title), content: typeof data.issue_content === 'string' ? data.issue_content : '' };
      // A bad title or content, or an edit the caller may not make, fails before anything is written.
      await issues.checkEdit(viewer, project, issue, fields);
      if (Object.keys(links).length) await issues.setLinks(viewer, project, issue, links);
      const edited = await issues.edit(viewer, project, issue, fields);
      ctx.body = { issue: await issues.json(project, edited), message: 'Issue edited' };
    },
    { acls: ['issue_update'] },
  );

  routes.add('get', '/issue/:issueid/comment/:commentid', async (ctx, project) => {
    const issue = await load(ctx, project, false);
    const id = routeId(ctx, 'commentid', 'ENOCOMMENT');
    const comment = await issues.commentById(issue, id);
    const author = await services.users.byName(comment.user.name);
    const email = author ? (await services.users.emails([author.id])).get(author.id)?.defaultEmail : null;
    ctx.body = {
      ...comment,
      avatar_url: avatarUrl(email, 16),
      comment_date: new Date(Number(comment.date_created) * 1000).toISOString().replace('T', ' ').slice(0, 19),
    };
  });

  // Pagurus addition: Pagure edits comments in its pages only.
  routes.add(
    'post',
    '/issue/:issueid/comment/:commentid',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      const id = routeId(ctx, 'commentid', 'ENOCOMMENT');
      const comment = await issues.editComment(await viewerOf(ctx, services), project, issue, id, text(body(ctx).comment));
      ctx.body = { message: 'Comment updated', comment };
    },
    { acls: ['issue_comment', 'issue_update'] },
  );

  // Pagurus addition: Pagure deletes issues in its pages only (project admins).
  routes.add(
    'delete',
    '/issue/:issueid',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      await issues.drop(await viewerOf(ctx, services), project, issue);
      ctx.body = { message: 'Issue deleted' };
    },
    { acls: ['issue_update'] },
  );

  routes.add(
    'post',
    '/issue/:issueid/comment',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      await issues.comment(await viewerOf(ctx, services), project, issue, text(body(ctx).comment));
      ctx.body = { message: 'Comment added', ...(await callerFields(ctx, services)) };
    },
    { acls: ['issue_comment', 'issue_update'] },
  );

  routes.add(
    'post',
    '/issue/:issueid/status',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      const data = body(ctx);
      if (!text(data.status)) throw Invalid('EINVALIDREQ', { errors: { status: ['This field is required.'] } });
      const messages = await issues.setStatus(
        await viewerOf(ctx, services),
        project,
        issue,
        text(data.status),
        text(data.close_status) || undefined,
      );
      ctx.body = { message: messages.length ? messages : 'No changes' };
    },
    { acls: ['issue_change_status', 'issue_update'] },
  );

  routes.add(
    'post',
    '/issue/:issueid/assign',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      ctx.body = { message: await issues.assign(await viewerOf(ctx, services), project, issue, text(body(ctx).assignee)) };
    },
    { acls: ['issue_assign', 'issue_update'] },
  );

  routes.add(
    'post',
    '/issue/:issueid/milestone',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      ctx.body = { message: await issues.setMilestone(await viewerOf(ctx, services), project, issue, text(body(ctx).milestone)) };
    },
    { acls: ['issue_update_milestone', 'issue_update'] },
  );

  routes.add(
    'post',
    '/issue/:issueid/custom/:field',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      const raw = body(ctx).value;
      const [[, message]] = (await issues.setCustomFields(await viewerOf(ctx, services), project, issue, {
        [routeParams(ctx).field ?? '']: raw === undefined || raw === null ? '' : String(raw).trim(),
      })) as [[string, string | null]];
      ctx.body = { message: message ?? 'No changes' };
    },
    { acls: ['issue_update_custom_fields', 'issue_update'] },
  );

  routes.add(
    'post',
    '/issue/:issueid/custom',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      const data = body(ctx);
      const fields = (typeof data.myfields === 'object' && data.myfields !== null ? data.myfields : data) as Record<string, unknown>;
      if (!Object.keys(fields).length) throw Invalid('EINVALIDREQ');
      const values = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === undefined || v === null ? '' : String(v).trim()]));
      const results = await issues.setCustomFields(await viewerOf(ctx, services), project, issue, values);
      ctx.body = { messages: results.map(([name, message]) => ({ [name]: message ?? 'No changes' })) };
    },
    { acls: ['issue_update_custom_fields', 'issue_update'] },
  );

  routes.add(
    'post',
    '/issue/:issueid/subscribe',
    async (ctx, project) => {
      const issue = await load(ctx, project, true);
      const message = await issues.subscribe(await viewerOf(ctx, services), issue, isTrue(body(ctx).status));
      ctx.body = { message, ...(await callerFields(ctx, services)) };
    },
    { acls: ['issue_subscribe'] },
  );
}
