// Pages: core's, then every plugin's (webRoutes hook, then projectWebRoutes), then core's
// project pages, whose general paths (/<repo>, /<ns>/<repo>/...) must not shadow anything more specific.
import Router from '@koa/router';
import type { ForgeContextExtras, ForgeHooks, ForgeRouter, ForgeState } from '../../plugins/index.js';
import { projectFullname, projectUrlPath, type ProjectRecord } from '../../domain/index.js';
import type { DomainServices } from '../../services/index.js';
import { projectPageRegistry } from '../common/plugin-project-routes.js';
import { ProjectRoutes } from '../common/project-routes.js';
import { accountPages, type AccountPagesOptions } from './account-pages.js';
import { filePages } from './file-pages.js';
import { issuePages } from './issue-pages.js';
import { pullRequestPages } from './pull-request-pages.js';
import { projectPages, type ProjectPageDeps } from './project-pages.js';
import { projectSettingsPages } from './project-settings-pages.js';
import { repoFilePages } from './repo-files.js';
import { settingsPages } from './settings-pages.js';
import { userPages } from './user-pages.js';

export interface WebPageDeps {
  accounts: AccountPagesOptions;
  projects: ProjectPageDeps;
}

export function createWebRouter(hooks: ForgeHooks, services: DomainServices, deps: WebPageDeps): ForgeRouter {
  const router = new Router<ForgeState, ForgeContextExtras>();
  router.get('/', async (ctx) => {
    const viewer = await services.access.viewer(ctx.state.user ?? null);
    const item = (p: ProjectRecord) => ({
      name: projectFullname(p),
      href: `/${projectUrlPath(p)}`,
      description: p.description,
      private: p.private,
    });
    const [recent, mine] = await Promise.all([
      services.projectQueries.list(viewer, { fork: false }, { offset: 0, limit: 10 }),
      viewer.user ? services.projectQueries.list(viewer, { username: viewer.user.name }, { offset: 0, limit: 50 }) : Promise.resolve([]),
    ]);
    await ctx.render('home', { title: 'Home', recent: recent.map(item), mine: mine.map(item) });
  });
  accountPages(router, services, hooks, deps.accounts);
  userPages(router, services);
  settingsPages(router, services, {
    publicUrl: deps.accounts.publicUrl,
    pluginLinks: (viewer) => hooks.userSettingsLinks.promise([], { viewer }),
    pluginPanels: (viewer) => hooks.accountPanels.promise([], { viewer }),
    localPasswords: deps.accounts.local,
  });
  hooks.webRoutes.call(router);
  // Plugins' project pages come before core's, whose /<ns>/<repo> would otherwise take /<repo>/<page>.
  const pluginPages = new ProjectRoutes(services, 'web');
  hooks.projectWebRoutes.call(projectPageRegistry(pluginPages, services));
  pluginPages.register(router);
  repoFilePages(router, services, deps.projects.browse);
  filePages(router, services, deps.projects.browse);
  issuePages(router, services, deps.projects.browse);
  pullRequestPages(router, services, deps.projects);
  projectSettingsPages(router, services, deps.projects.browse);
  projectPages(router, services, deps.projects);
  return router;
}
