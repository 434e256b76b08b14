// The project a URL names, from the route parameters of its four path forms, and whether
// the viewer may see it: what /api/0, pages and plugins' project routes share.
import type { ProjectRecord } from '../../domain/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { viewerOf } from './auth.js';
import { routeParams } from './git-context.js';

/** The four forms of a project's path in page URLs, most specific first: /fork/<user>/<ns>/<repo>, /fork/<user>/<repo>, /<ns>/<repo>, /<repo>. */
export const PROJECT_PATHS = ['/fork/:username/:namespace/:repo', '/fork/:username/:repo', '/:namespace/:repo', '/:repo'];

/** The project a route's parameters name (:repo, :namespace, :username for a fork's owner). */
export function projectPathOf(params: Record<string, string | undefined>): {
  name: string;
  namespace: string | null;
  forkOwner: string | null;
} {
  return { name: params.repo ?? '', namespace: params.namespace ?? null, forkOwner: params.username ?? null };
}

/** The project the request's path names, if its viewer may see it; else 404 ENOPROJECT (a private project is invisible). */
export async function resolveProject(ctx: ForgeContext, services: DomainServices): Promise<ProjectRecord> {
  return services.projectQueries.requireVisible(await viewerOf(ctx, services), projectPathOf(routeParams(ctx)));
}
