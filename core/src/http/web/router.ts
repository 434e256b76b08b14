// Pages: core's, then every plugin's (webRoutes hook).
import Router from '@koa/router';
import type { ForgeContextExtras, ForgeHooks, ForgeRouter, ForgeState } from '../../plugins/index.js';

export function createWebRouter(hooks: ForgeHooks): ForgeRouter {
  const router = new Router<ForgeState, ForgeContextExtras>();
  router.get('/', async (ctx) => {
    await ctx.render('home', { title: 'Home' });
  });
  hooks.webRoutes.call(router);
  return router;
}
