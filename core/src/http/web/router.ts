// Pages: core's, then every plugin's (webRoutes hook).
import Router from '@koa/router';
import type { ForgeContextExtras, ForgeHooks, ForgeRouter, ForgeState } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { accountPages, type AccountPagesOptions } from './account-pages.js';
import type { GitBrowseDeps } from '../api/git-context.js';
import { repoFilePages } from './repo-files.js';

export function createWebRouter(hooks: ForgeHooks, services: DomainServices, accounts: AccountPagesOptions, browse: GitBrowseDeps): ForgeRouter {
  const router = new Router<ForgeState, ForgeContextExtras>();
  router.get('/', async (ctx) => {
    await ctx.render('home', { title: 'Home' });
  });
  accountPages(router, services, accounts);
  hooks.webRoutes.call(router);
  // After plugins' pages: these generic project paths must not shadow theirs.
  repoFilePages(router, services, browse);
  return router;
}
