// A plugin's per-project settings over the API: GET and POST /api/0/<repo>/plugins/<plugin>
// (the four path forms), for the project's admins with a modify_project token. POST takes a
// form or a JSON body with some of the plugin's fields, lays it over the stored settings and
// answers the whole; refusals answer Pagure's error JSON and store nothing.
import type { ForgeContext } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import type { ProjectRoutes } from '../common/project-routes.js';
import { body } from './params.js';

export function pluginSettingsRoutes(routes: ProjectRoutes, services: DomainServices): void {
  const plugin = (ctx: ForgeContext) => String((ctx as unknown as { params: Record<string, string | undefined> }).params.plugin ?? '');

  routes.add(
    'get',
    '/plugins/:plugin',
    async (ctx, project) => {
      const name = plugin(ctx);
      const settings = await services.pluginSettings.show(await viewerOf(ctx, services), project, name);
      ctx.body = { plugin: name, settings, status: 'ok' };
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'post',
    '/plugins/:plugin',
    async (ctx, project) => {
      const name = plugin(ctx);
      const settings = await services.pluginSettings.update(await viewerOf(ctx, services), project, name, body(ctx));
      ctx.body = { plugin: name, settings, message: 'Settings updated', status: 'ok' };
    },
    { acls: ['modify_project'] },
  );
}
