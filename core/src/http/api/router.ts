// The /api/0 router: core's endpoints, then every plugin's (apiRoutes hook).
import Router from '@koa/router';
import type { ForgeContextExtras, ForgeHooks, ForgeRouter, ForgeState } from '../../plugins/index.js';
import type { TaskService } from '../../services/index.js';
import { metaRoutes } from './meta.js';
import { taskRoutes } from './tasks.js';

export const API_PREFIX = '/api/0';

export interface ApiDependencies {
  hooks: ForgeHooks;
  tasks: TaskService;
  publicUrl: () => string;
}

export function createApiRouter(deps: ApiDependencies): ForgeRouter {
  const router = new Router<ForgeState, ForgeContextExtras>({ prefix: API_PREFIX });
  metaRoutes(router, deps.publicUrl);
  taskRoutes(router, deps.tasks);
  deps.hooks.apiRoutes.call(router);
  return router;
}
