// POST /api/0/<repo>/token/new: a project's admin makes an API token bound to the project
// (for bots: issue triage, CI), as Pagure does; the token's value is answered once, as `id`.
import { PROJECT_TOKEN_ACLS } from '../../domain/index.js';
import { readTokenForm, type DomainServices } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import type { ProjectRoutes } from '../common/project-routes.js';

export function projectTokenRoutes(routes: ProjectRoutes, services: DomainServices): void {
  routes.add(
    'post',
    '/token/new',
    async (ctx, project) => {
      const viewer = await viewerOf(ctx, services);
      // Permission before the form, as Pagure orders the checks.
      await services.projects.requireAdmin(viewer, project, 'ENOTHIGHENOUGH');
      // The raw body: `acls` may be a repeated form field or a JSON list.
      const data = (ctx.request.body ?? {}) as Record<string, unknown>;
      const form = readTokenForm(
        { acls: data.acls, description: data.description, expiration_date: data.expiration_date },
        PROJECT_TOKEN_ACLS,
      );
      const { value, token } = await services.tokens.create(viewer.user!, { ...form, projectId: project.id });
      ctx.body = { token: { description: token.description, id: value } };
    },
    { acls: ['modify_project'] },
  );
}
