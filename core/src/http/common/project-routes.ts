// Project routes answer under four paths: /<repo>, /<ns>/<repo>, /fork/<user>/<repo> and
// /fork/<user>/<ns>/<repo>. Routes are registered with the most fixed segments first, so
// /<repo>/hascommit wins over the project "hascommit" in namespace <repo>, as in Pagure.
// Core's /api/0 routes and plugins' project routes (API and pages) are registered here.
import type { Middleware } from 'koa';
import type { ProjectRecord, TokenAcl } from '../../domain/index.js';
import type { ForgeContext, ForgeContextExtras, ForgeRouter, ForgeState } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { boundTokenOf, checkNotBlocked, checkProjectToken, requireToken, useBoundToken } from './auth.js';
import { projectPathOf, resolveProject } from './project-path.js';

export type ProjectHandler = (ctx: ForgeContext, project: ProjectRecord) => Promise<void> | void;
export type ProjectRouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Where the routes answer: /api/0 (tokens, project-bound ones included) or pages (the browser's session). */
export type ProjectRouteArea = 'api' | 'web';

interface Route {
  method: ProjectRouteMethod;
  suffix: string;
  guards: Array<Middleware<ForgeState, ForgeContextExtras>>;
  handler: ProjectHandler;
  forks: boolean;
  authenticated: boolean;
}

export interface ProjectRouteOptions {
  /** A token holding any of these ACLs is required; then a project-bound token must be this project's, and blocked users may not POST. */
  acls?: readonly TokenAcl[];
  /** Also answer under /fork/<user>/... (default true). */
  forks?: boolean;
}

const VARIANTS = ['/:repo', '/:namespace/:repo', '/fork/:username/:repo', '/fork/:username/:namespace/:repo'];

// Wildcards ("*rest") are not fixed: /fork/<user>/<repo> must win over /<repo>/tree/*rest.
const fixedSegments = (path: string) => path.split('/').filter((s) => s && !s.startsWith(':') && !s.startsWith('*')).length;

export class ProjectRoutes {
  private readonly routes: Route[] = [];

  constructor(
    private readonly services: DomainServices,
    readonly area: ProjectRouteArea = 'api',
  ) {}

  /**
   * `suffix` follows the project's path ("/hascommit", or "" for the project itself).
   * The token is checked before the project is looked up, as Pagure orders them.
   */
  add(method: ProjectRouteMethod, suffix: string, handler: ProjectHandler, options: ProjectRouteOptions = {}): void {
    if (suffix !== '' && !suffix.startsWith('/')) throw new Error(`A project route's suffix starts with "/": "${suffix}"`);
    if (this.area === 'web' && options.acls) throw new Error('Pages take no API token: acls is for API project routes');
    this.routes.push({
      method,
      suffix,
      handler,
      guards: options.acls ? [requireToken(...options.acls)] : [],
      forks: options.forks ?? true,
      authenticated: options.acls !== undefined,
    });
  }

  /**
   * A project-bound token acts as its user on its own project only: the path's project is
   * looked up as that user would see it, and the token takes effect when it is the one.
   * Before the guards, which check its ACLs (Pagure checks the token before the project).
   */
  private readonly bindToken: Middleware<ForgeState, ForgeContextExtras> = async (ctx, next) => {
    const bound = boundTokenOf(ctx);
    if (bound) {
      // Set by the router, which runs this as one of a route's middleware.
      const params = (ctx as unknown as { params: Record<string, string | undefined> }).params;
      const project = await this.services.projectQueries
        .requireVisible(await this.services.access.viewer(bound.user), projectPathOf(params))
        .catch(() => undefined);
      if (project?.id === bound.token.projectId) useBoundToken(ctx, bound);
    }
    await next();
  };

  register(router: ForgeRouter): void {
    const entries = this.routes.flatMap((route) =>
      VARIANTS.filter((variant) => route.forks || !variant.startsWith('/fork/')).map((variant) => ({
        route,
        path: variant + route.suffix,
      })),
    );
    entries.sort((a, b) => fixedSegments(b.path) - fixedSegments(a.path));
    const before = this.area === 'api' ? [this.bindToken] : [];
    for (const { route, path } of entries) {
      router[route.method](path, ...before, ...route.guards, async (ctx) => {
        const project = await resolveProject(ctx, this.services);
        if (route.authenticated) {
          checkNotBlocked(ctx, project.blockUsers);
          checkProjectToken(ctx, project.id, { userTokens: true });
        }
        await route.handler(ctx, project);
      });
    }
  }
}
