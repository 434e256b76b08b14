// The registries of the projectApiRoutes and projectWebRoutes hooks: a plugin's route is
// added to core's ProjectRoutes (so it answers under the four path forms, ordered with
// core's), and its handler gets a ProjectScope: the project, the viewer, their access.
import type { AccessLevel, ProjectRecord, TokenAcl } from '../../domain/index.js';
import { Forbidden, Unauthorized } from '../../errors/index.js';
import type {
  ForgeContext,
  ProjectApiRouteOptions,
  ProjectPageRouteOptions,
  ProjectRouteHandler,
  ProjectRouteRegistry,
  ProjectScope,
} from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { checkProjectToken, checkToken, viewerOf } from './auth.js';
import type { ProjectRouteArea, ProjectRouteMethod, ProjectRoutes } from './project-routes.js';

/** The scope of a project route's request; the viewer's grant is looked up once. */
export async function projectScope(
  ctx: ForgeContext,
  services: DomainServices,
  project: ProjectRecord,
  area: ProjectRouteArea,
): Promise<ProjectScope> {
  const viewer = await viewerOf(ctx, services);
  const grant = await services.access.grant(viewer.user, project);
  const can = (level: AccessLevel, branch?: string) => services.access.decide(viewer, project, grant, level, branch);
  return {
    project,
    viewer,
    level: grant.level,
    can,
    async requireLevel(level, branch) {
      if (!viewer.user) throw Unauthorized(area === 'api' ? 'EINVALIDTOK' : 'ENOCODE', area === 'api' ? {} : 'Log in first');
      if (!(await can(level, branch))) throw Forbidden('ENOTHIGHENOUGH');
    },
    requireToken(...acls: TokenAcl[]) {
      checkToken(ctx, acls);
      checkProjectToken(ctx, project.id, { userTokens: true });
    },
  };
}

const METHODS: readonly ProjectRouteMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

function registry<O extends ProjectPageRouteOptions>(
  add: (method: ProjectRouteMethod, suffix: string, handler: ProjectRouteHandler, options: O) => void,
): ProjectRouteRegistry<O> {
  return Object.fromEntries(
    METHODS.map((method) => [
      method,
      (suffix: string, handler: ProjectRouteHandler, options?: O) => add(method, suffix, handler, options ?? ({} as O)),
    ]),
  ) as unknown as ProjectRouteRegistry<O>;
}

/** The projectApiRoutes hook's registry, adding to the /api/0 project routes. */
export function projectApiRegistry(routes: ProjectRoutes, services: DomainServices): ProjectRouteRegistry<ProjectApiRouteOptions> {
  return registry<ProjectApiRouteOptions>((method, suffix, handler, options) =>
    routes.add(
      method,
      suffix,
      async (ctx, project) => {
        const scope = await projectScope(ctx, services, project, 'api');
        if (options.level) await scope.requireLevel(options.level);
        await handler(ctx, scope);
      },
      { ...(options.acls ? { acls: options.acls } : {}), forks: options.forks ?? true },
    ),
  );
}

/** The projectWebRoutes hook's registry, adding to the pages' project routes. */
export function projectPageRegistry(routes: ProjectRoutes, services: DomainServices): ProjectRouteRegistry<ProjectPageRouteOptions> {
  return registry<ProjectPageRouteOptions>((method, suffix, handler, options) =>
    routes.add(
      method,
      suffix,
      async (ctx, project) => {
        const scope = await projectScope(ctx, services, project, 'web');
        if (options.level && !scope.viewer.user) {
          // As core's pages do: the anonymous log in first, then come back (to this page after a GET).
          const back = ctx.method === 'GET' ? ctx.url : '/';
          ctx.redirect(`/login?next=${encodeURIComponent(back)}`);
          return;
        }
        if (options.level) await scope.requireLevel(options.level);
        await handler(ctx, scope);
      },
      { forks: options.forks ?? true },
    ),
  );
}
