// Pull-request endpoints, as Pagure answers them: open, list, read, edit, comment, close,
// reopen, assign, subscribe, flags and diffstats, and one by its uid. Merge and rebase are
// in pull-request-merge.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repositoryPath, rowId, type ProjectRecord, type PullRequestRecord } from '../../domain/index.js';
import { Invalid, NotFound } from '../../errors/index.js';
import { diffStats } from '../../git/index.js';
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import { PullRequestsService, type DomainServices, type FlagInput, type PullRequestStatusFilter } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import { callerFields } from './caller.js';
import { routeParams } from '../common/git-context.js';
import { body, isTrue, pageRequest, pagination, query, queryList, routeId, value } from './params.js';
import type { ProjectRoutes } from '../common/project-routes.js';
import type { ApiDependencies } from './router.js';

export function pullRequestRoutes(routes: ProjectRoutes, deps: ApiDependencies): void {
  const { services } = deps;
  const prs = services.pullRequests;

  async function load(ctx: ForgeContext, project: ProjectRecord): Promise<PullRequestRecord> {
    prs.checkEnabled(project);
    return prs.require(project, routeParams(ctx).requestid);
  }

  routes.add(
    'post',
    '/pull-request/new',
    async (ctx, target) => {
      const data = body(ctx);
      const viewer = await viewerOf(ctx, services);
      const repoFrom = typeof data.repo_from === 'string' ? data.repo_from.trim() : '';
      const source = repoFrom
        ? await services.projectQueries.requireVisible(viewer, {
            name: repoFrom,
            namespace:
              typeof data.repo_from_namespace === 'string' && data.repo_from_namespace.trim() ? data.repo_from_namespace.trim() : null,
            forkOwner:
              typeof data.repo_from_username === 'string' && data.repo_from_username.trim() ? data.repo_from_username.trim() : null,
          })
        : target;
      if (source.id !== target.id && source.parentId !== target.id) {
        throw Invalid('EINVALIDREQ', {
          errors: `${source.namespace ? `${source.namespace}/` : ''}${source.name} is not a fork of this project`,
        });
      }
      const pr = await prs.create(viewer, target, source, PullRequestsService.readNew(data));
      ctx.body = await prs.json(pr);
    },
    { acls: ['pull_request_create'] },
  );

  routes.add('get', '/pull-requests', async (ctx, project) => {
    prs.checkEnabled(project);
    const raw = query(ctx, 'status');
    const text = (raw ?? 'true').toLowerCase();
    const status: PullRequestStatusFilter | 'none' = ['0', 'false'].includes(text)
      ? 'Closed'
      : text === 'all'
        ? 'all'
        : ['1', 'true', 'open'].includes(text)
          ? 'Open'
          : text === 'merged'
            ? 'Merged'
            : text === 'closed'
              ? 'Closed'
              : 'none';
    const page = pageRequest(ctx);
    const tags = queryList(ctx, 'tags')
      .map((t) => t.trim())
      .filter(Boolean);
    const assignee = query(ctx, 'assignee');
    const author = query(ctx, 'author');
    const found =
      status === 'none'
        ? { total: 0, prs: [] }
        : await prs.list(project, { status, ...(assignee ? { assignee } : {}), ...(author ? { author } : {}), tags }, page);
    ctx.body = {
      total_requests: found.total,
      requests: await prs.jsonList(found.prs),
      args: { status: raw ?? true, assignee: assignee ?? null, author: author ?? null, tags, page: page.page, per_page: page.perPage },
      pagination: pagination(ctx, page, found.total),
    };
  });

  routes.add('get', '/pull-request/:requestid', async (ctx, project) => {
    const pr = await load(ctx, project);
    const comments = value(ctx, 'comments');
    ctx.body = await prs.json(pr, { comments: comments === undefined || isTrue(comments) });
  });

  routes.add(
    'post',
    '/pull-request/:requestid',
    async (ctx, project) => {
      const pr = await load(ctx, project);
      const data = body(ctx);
      const title = typeof data.title === 'string' ? data.title.trim() : '';
      const comment = typeof data.initial_comment === 'string' ? data.initial_comment.trim() : '';
      const viewer = await viewerOf(ctx, services);
      // Bad input fails before anything is written.
      prs.checkUpdate({ title, initialComment: comment || null });
      // Pagurus addition: `tag` (comma-separated, or repeated) replaces the tags, when present.
      if ('tag' in data) {
        const tags = (Array.isArray(data.tag) ? data.tag : [data.tag])
          .flatMap((t) => (typeof t === 'string' ? t.split(',') : []))
          .map((t) => t.trim())
          .filter(Boolean);
        await prs.setTags(viewer, project, pr, tags);
      }
      const updated = await prs.update(viewer, project, pr, { title, initialComment: comment || null });
      ctx.body = await prs.json(updated);
    },
    { acls: ['pull_request_update'] },
  );

  routes.add(
    'post',
    '/pull-request/:requestid/comment',
    async (ctx, project) => {
      const pr = await load(ctx, project);
      const data = body(ctx);
      const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
      const row = text(data.row);
      if (row !== null && !(rowId(row) !== undefined || row === '0'))
        throw Invalid('EINVALIDREQ', { errors: { row: ['Not a valid integer value.'] } });
      await prs.comment(await viewerOf(ctx, services), project, pr, {
        comment: typeof data.comment === 'string' ? data.comment.trim() : '',
        commit: text(data.commit),
        filename: text(data.filename),
        row: row === null ? null : Number(row),
        treeId: text(data.tree_id),
      });
      // Pagure answers only `message` here; the caller's name and avatar are added as for issue
      // comments, which clients read alike.
      ctx.body = { message: 'Comment added', ...(await callerFields(ctx, services)) };
    },
    { acls: ['pull_request_comment'] },
  );

  // Pagurus addition: Pagure edits comments in its pages only.
  routes.add(
    'post',
    '/pull-request/:requestid/comment/:commentid',
    async (ctx, project) => {
      const pr = await load(ctx, project);
      const id = routeId(ctx, 'commentid', 'ENOCOMMENT');
      const text = typeof body(ctx).comment === 'string' ? (body(ctx).comment as string).trim() : '';
      ctx.body = { message: 'Comment updated', comment: await prs.editComment(await viewerOf(ctx, services), project, pr, id, text) };
    },
    { acls: ['pull_request_comment'] },
  );

  routes.add('get', '/pull-request/:requestid/comment/:commentid', async (ctx, project) => {
    const pr = await load(ctx, project);
    const id = routeId(ctx, 'commentid', 'ENOCOMMENT');
    ctx.body = await prs.commentById(pr, id);
  });

  routes.add(
    'post',
    '/pull-request/:requestid/close',
    async (ctx, project) => {
      await prs.close(await viewerOf(ctx, services), project, await load(ctx, project));
      ctx.body = { message: 'Pull-request closed!' };
    },
    { acls: ['pull_request_close'] },
  );

  routes.add(
    'post',
    '/pull-request/:requestid/reopen',
    async (ctx, project) => {
      await prs.reopen(await viewerOf(ctx, services), project, await load(ctx, project));
      ctx.body = { message: 'Pull-request reopened!' };
    },
    { acls: ['pull_request_close', 'pull_request_update'] },
  );

  routes.add(
    'post',
    '/pull-request/:requestid/assign',
    async (ctx, project) => {
      const assignee = body(ctx).assignee;
      const message = await prs.assign(
        await viewerOf(ctx, services),
        project,
        await load(ctx, project),
        typeof assignee === 'string' ? assignee.trim() : '',
      );
      ctx.body = { message };
    },
    { acls: ['pull_request_assign', 'pull_request_update'] },
  );

  routes.add(
    'post',
    '/pull-request/:requestid/subscribe',
    async (ctx, project) => {
      const message = await prs.subscribe(await viewerOf(ctx, services), await load(ctx, project), isTrue(body(ctx).status));
      ctx.body = { message, ...(await callerFields(ctx, services)) };
    },
    { acls: ['pull_request_subscribe'] },
  );

  routes.add(
    'post',
    '/pull-request/:requestid/flag',
    async (ctx, project) => {
      const pr = await load(ctx, project);
      if (!pr.commitStop) throw NotFound('ENOCOMMIT');
      const data = body(ctx);
      let status = data.status;
      if (!('status' in data)) {
        // Pagure's first version of the form: the status follows from the percentage.
        const percent = typeof data.percent === 'string' || typeof data.percent === 'number' ? String(data.percent).trim() : '';
        status = percent === '' ? 'pending' : percent === '0' ? 'failure' : 'success';
      }
      const input: FlagInput = {
        username: data.username,
        status,
        percent: data.percent,
        comment: data.comment,
        url: data.url,
        uid: data.uid,
      };
      const result = await services.flags.flagCommit(
        project,
        pr.commitStop,
        input,
        { user: ctx.state.user!, tokenId: ctx.state.token?.id ?? null },
        pr,
      );
      ctx.body = { flag: result.flag, message: result.message, uid: result.uid, ...(await callerFields(ctx, services)) };
    },
    { acls: ['pull_request_flag'] },
  );

  routes.add('get', '/pull-request/:requestid/flag', async (ctx, project) => {
    const pr = await load(ctx, project);
    const flags = pr.commitStop ? await services.flags.ofCommit(project, pr.commitStop) : [];
    ctx.body = { flags };
  });

  routes.add('get', '/pull-request/:requestid/diffstats', async (ctx, project) => {
    const pr = await load(ctx, project);
    const repo = path.join(deps.browse.repositories.pathOf(repositoryPath(project)));
    if (!pr.commitStart || !pr.commitStop || !existsSync(repo)) throw Invalid('ENOPRSTATS');
    const source = pr.projectFromId === null ? undefined : await services.projectQueries.byId(pr.projectFromId);
    const sourceRepo = source ? deps.browse.repositories.pathOf(repositoryPath(source)) : repo;
    const stats = await diffStats(repo, sourceRepo, pr.commitStart, pr.commitStop);
    if (!stats) throw Invalid('ENOPRSTATS');
    ctx.body = stats;
  });
}

/** GET /api/0/pull-requests/<uid>: a pull request by Pagure's global id, wherever it is. */
export function pullRequestByUidRoute(router: ForgeRouter, services: DomainServices): void {
  router.get('/pull-requests/:uid', async (ctx) => {
    const uid = ctx.params.uid ?? '';
    const pr = /^[0-9a-f]{1,32}$/i.test(uid) ? await services.pullRequests.byUid(uid) : undefined;
    const project = pr && (await services.projectQueries.byId(pr.projectId));
    // A pull request of a project the viewer may not see does not exist for them.
    if (!pr || !project || !(await services.access.canView(await viewerOf(ctx, services), project))) throw NotFound('ENOREQ');
    services.pullRequests.checkEnabled(project);
    const comments = value(ctx, 'comments');
    ctx.body = await services.pullRequests.json(pr, { comments: comments === undefined || isTrue(comments) });
  });
}
