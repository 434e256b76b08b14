// One project: GET and PATCH /api/0/<repo>, delete, access (modifyacls, hascommit,
// contributors), watchers and options.
import type { GrantableLevel } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import type { ProjectRoutes } from '../common/project-routes.js';
import { body, isTrue, query, value } from './params.js';

const API_ACLS: readonly GrantableLevel[] = ['admin', 'commit', 'ticket'];

/** PATCH's retain_access: "true" or "1" (Pagure reads strings; a JSON boolean is taken too). */
function retainAccess(input: unknown): boolean {
  return input === true || ['true', '1'].includes(String(input ?? '').toLowerCase());
}

export function projectRoutes(routes: ProjectRoutes, services: DomainServices): void {
  const viewer = (ctx: ForgeContext) => viewerOf(ctx, services);

  routes.add('get', '', async (ctx, project) => {
    const json: Record<string, unknown> = { ...(await services.projects.json(project)) };
    if (isTrue(value(ctx, 'expand_group'))) json.group_details = await services.grants.groupDetails(project);
    ctx.body = json;
  });

  routes.add(
    'patch',
    '',
    async (ctx, project) => {
      const who = await viewer(ctx);
      // Permission before the body, as Pagure orders the checks.
      await services.projects.requireAdmin(who, project);
      const data = body(ctx);
      const keys = Object.keys(data);
      if (!keys.length || keys.some((key) => key !== 'main_admin' && key !== 'retain_access')) throw Invalid('EINVALIDREQ');
      const mainAdmin = data.main_admin === undefined || data.main_admin === null ? undefined : String(data.main_admin);
      const updated = await services.projects.setMainAdmin(who, project, { mainAdmin, retainAccess: retainAccess(data.retain_access) });
      ctx.body = await services.projects.json(updated, undefined, { withEmails: true });
    },
    { acls: ['modify_project'], forks: false },
  );

  routes.add(
    'post',
    '/delete',
    async (ctx, project) => {
      const json = await services.projects.remove(await viewer(ctx), project);
      ctx.body = { message: 'Project deleted', project: json };
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'post',
    '/git/modifyacls',
    async (ctx, project) => {
      const data = body(ctx);
      const errors: Record<string, string[]> = {};
      const userType = String(data.user_type ?? '').trim();
      const name = String(data.name ?? '').trim();
      const acl = data.acl === undefined || data.acl === null ? '' : String(data.acl).trim();
      if (!userType) errors.user_type = ['This field is required.'];
      else if (userType !== 'user' && userType !== 'group') errors.user_type = ['Not a valid choice.'];
      if (!name) errors.name = ['This field is required.'];
      if (acl && !API_ACLS.includes(acl as GrantableLevel)) errors.acl = ['Not a valid choice.'];
      if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
      await services.grants.change(await viewer(ctx), project, {
        kind: userType as 'user' | 'group',
        name,
        level: (acl || null) as GrantableLevel | null,
      });
      const updated = (await services.projectQueries.byId(project.id))!;
      ctx.body = await services.projects.json(updated);
    },
    { acls: ['modify_project'] },
  );

  routes.add('get', '/hascommit', async (ctx, project) => {
    const user = query(ctx, 'user');
    const branch = query(ctx, 'branch');
    if (!user || !branch) throw Invalid('EINVALIDREQ');
    ctx.body = {
      args: { project: await services.projects.json(project), branch, user },
      hascommit: await services.access.hasCommit(project, user, branch),
    };
  });

  routes.add('get', '/contributors', async (ctx, project) => {
    ctx.body = await services.grants.contributors(project);
  });

  routes.add('get', '/watchers', async (ctx, project) => {
    const watchers = await services.watchers.list(project);
    ctx.body = { total_watchers: Object.keys(watchers).length, watchers };
  });

  routes.add(
    'post',
    '/watchers/update',
    async (ctx, project) => {
      const data = body(ctx);
      const message = await services.watchers.update(await viewer(ctx), project, String(data.watcher ?? '').trim(), data.status);
      ctx.body = { message, status: 'ok' };
    },
    { acls: ['modify_project', 'update_watch_status'] },
  );

  routes.add(
    'get',
    '/options',
    async (ctx, project) => {
      ctx.body = { settings: await services.projects.settings(await viewer(ctx), project), status: 'ok' };
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'post',
    '/options/update',
    async (ctx, project) => {
      const message = await services.projects.updateSettings(await viewer(ctx), project, body(ctx));
      ctx.body = { message, status: 'ok' };
    },
    { acls: ['modify_project'] },
  );
}
