// /api/0/projects, /api/0/new and /api/0/fork.
import { projectFullname } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import type { ForgeRouter, JobQueueApi } from '../../plugins/index.js';
import { parseNewProject, type DomainServices, type ProjectFilters } from '../../services/index.js';
import { requireToken, viewerOf } from '../common/auth.js';
import { body, isTrue, pageRequest, pagination, queryList, value, waitFlag } from './params.js';
import { answerTask } from './task-answer.js';

export function projectListRoutes(router: ForgeRouter, services: DomainServices, jobs: JobQueueApi, nameRegex: RegExp): void {
  router.get('/projects', async (ctx) => {
    const fork = value(ctx, 'fork');
    const filters: ProjectFilters = {
      tags: queryList(ctx, 'tags'),
      pattern: value(ctx, 'pattern') || undefined,
      username: value(ctx, 'username') || undefined,
      owner: value(ctx, 'owner') || undefined,
      namespace: value(ctx, 'namespace') || undefined,
      fork: fork === undefined ? undefined : isTrue(fork),
    };
    const short = isTrue(value(ctx, 'short'));
    const page = pageRequest(ctx);
    const viewer = await viewerOf(ctx, services);
    const queries = services.projectQueries;
    const [total, projects] = await Promise.all([
      queries.count(viewer, filters),
      short
        ? queries.listShort(viewer, filters, page)
        : queries.list(viewer, filters, page).then((list) => services.projects.jsonList(list)),
    ]);
    ctx.body = {
      args: {
        tags: filters.tags,
        username: filters.username ?? null,
        fork: filters.fork ?? null,
        pattern: filters.pattern ?? null,
        namespace: filters.namespace ?? null,
        owner: filters.owner ?? null,
        short,
        page: page.page,
        per_page: page.perPage,
      },
      total_projects: total,
      projects,
      pagination: pagination(ctx, page, total),
    };
  });

  for (const path of ['/new', '/new/']) {
    router.post(path, requireToken('create_project'), async (ctx) => {
      const data = body(ctx);
      const viewer = await viewerOf(ctx, services);
      const input = parseNewProject(data, nameRegex);
      const { project, taskId } = await services.projects.create(viewer, input);
      await answerTask(ctx, jobs, taskId, waitFlag(data.wait), {
        done: `Project "${projectFullname(project)}" created`,
        queued: 'Project creation queued',
      });
    });
  }

  for (const path of ['/fork', '/fork/']) {
    router.post(path, requireToken('fork_project'), async (ctx) => {
      const data = body(ctx);
      const repo = String(data.repo ?? '').trim();
      if (!repo) throw Invalid('EINVALIDREQ', { errors: { repo: ['This field is required.'] } });
      const viewer = await viewerOf(ctx, services);
      const source = await services.projectQueries.requireVisible(viewer, {
        name: repo,
        namespace: String(data.namespace ?? '').trim() || null,
        forkOwner: String(data.username ?? '').trim() || null,
      });
      const { taskId } = await services.projects.fork(viewer, source);
      const sourceName = projectFullname(source);
      await answerTask(ctx, jobs, taskId, waitFlag(data.wait), {
        done: `Repo "${sourceName}" cloned to "${ctx.state.user!.name}/${sourceName}"`,
        queued: 'Project forking queued',
      });
    });
  }
}
