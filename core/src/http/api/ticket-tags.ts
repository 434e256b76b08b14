// A project's tags for issues and pull requests (Pagure's /tags endpoints), and its tracker
// settings: priorities, milestones and close statuses. Pagure edits those through web forms
// only; Pagurus takes the same form fields under /update/<what> as an API addition.
import type { ForgeContext } from '../../plugins/index.js';
import { viewerOf } from '../common/auth.js';
import { routeParams } from '../common/git-context.js';
import { body, query } from './params.js';
import type { ProjectRoutes } from '../common/project-routes.js';
import type { ApiDependencies } from './router.js';

/** Every value of a form or JSON field, as strings. */
function list(ctx: ForgeContext, name: string): string[] {
  const raw = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  const values = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  return values.map((v) => (typeof v === 'string' ? v : String(v)));
}

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

export function ticketTagRoutes(routes: ProjectRoutes, deps: ApiDependencies): void {
  const { services } = deps;
  const tracker = services.tracker;

  for (const suffix of ['/tags', '/tags/']) {
    routes.add('get', suffix, async (ctx, project) => {
      const tags = await tracker.tags(project, query(ctx, 'pattern'));
      ctx.body = { total_tags: tags.length, tags };
    });
  }

  routes.add('get', '/tag/:tag', async (ctx, project) => {
    const { tag, tag_color, tag_description } = await tracker.tag(project, routeParams(ctx).tag ?? '');
    ctx.body = { tag, tag_color, tag_description };
  });

  routes.add(
    'post',
    '/tags/new',
    async (ctx, project) => {
      await services.projects.requireAdmin(await viewerOf(ctx, services), project);
      const data = body(ctx);
      const created = await tracker.createTag(project, {
        tag: text(data.tag),
        description: text(data.tag_description),
        color: text(data.tag_color),
      });
      ctx.body = {
        tag: { tag: created.tag, tag_description: created.tag_description, tag_color: created.tag_color },
        message: 'Tag created',
      };
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'delete',
    '/tag/:tag',
    async (ctx, project) => {
      await services.projects.requireAdmin(await viewerOf(ctx, services), project);
      ctx.body = { message: await tracker.deleteTag(project, routeParams(ctx).tag ?? '') };
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'post',
    '/update/priorities',
    async (ctx, project) => {
      await services.projects.requireAdmin(await viewerOf(ctx, services), project);
      const priorities = await tracker.setPriorities(project, list(ctx, 'priority_weigth'), list(ctx, 'priority_title'));
      ctx.body = { message: 'Priorities updated', priorities };
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'post',
    '/update/milestones',
    async (ctx, project) => {
      await services.projects.requireAdmin(await viewerOf(ctx, services), project);
      const milestones = await tracker.setMilestones(
        project,
        list(ctx, 'milestones'),
        list(ctx, 'milestone_dates'),
        list(ctx, 'active_milestone'),
      );
      ctx.body = {
        message: 'Milestones updated',
        milestones: Object.fromEntries(milestones.map((m) => [m.name, { date: m.date, active: m.active }])),
      };
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'post',
    '/update/custom_keys',
    async (ctx, project) => {
      await services.projects.requireAdmin(await viewerOf(ctx, services), project);
      const keys = await tracker.setCustomKeys(project, {
        names: list(ctx, 'custom_keys'),
        types: list(ctx, 'custom_keys_type'),
        data: list(ctx, 'custom_keys_data'),
        notify: list(ctx, 'custom_keys_notify'),
      });
      ctx.body = { message: 'List of custom fields updated', custom_keys: keys.map((k) => [k.name, k.keyType]) };
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'post',
    '/update/close_status',
    async (ctx, project) => {
      await services.projects.requireAdmin(await viewerOf(ctx, services), project);
      ctx.body = {
        message: 'List of close status updated',
        close_status: await tracker.setCloseStatuses(project, list(ctx, 'close_status')),
      };
    },
    { acls: ['modify_project'] },
  );
}
