// The /api/0 router: authentication, core's fixed routes, every plugin's (apiRoutes
// hook), then the project routes (core's and plugins', projectApiRoutes hook), whose
// generic paths must come last.
import Router from '@koa/router';
import type { ForgeContextExtras, ForgeHooks, ForgeRouter, ForgeState, JobQueueApi } from '../../plugins/index.js';
import type { DomainServices, TaskService } from '../../services/index.js';
import { activityRoutes } from './activity.js';
import { apiAuthentication } from '../common/auth.js';
import { groupRoutes } from './groups.js';
import { metaRoutes } from './meta.js';
import { projectRoutes } from './project.js';
import type { GitBrowseDeps } from '../common/git-context.js';
import { flagRoutes } from './flags.js';
import { gitRefRoutes } from './git-refs.js';
import { gitTreeRoutes } from './git-tree.js';
import { issueRoutes } from './issues.js';
import { pullRequestMergeRoutes } from './pull-request-merge.js';
import { pullRequestByUidRoute, pullRequestRoutes } from './pull-requests.js';
import { ticketTagRoutes } from './ticket-tags.js';
import { projectApiRegistry } from '../common/plugin-project-routes.js';
import { ProjectRoutes } from '../common/project-routes.js';
import { pluginSettingsRoutes } from './plugin-settings.js';
import { projectTokenRoutes } from './project-tokens.js';
import { projectListRoutes } from './projects.js';
import { taskRoutes } from './tasks.js';
import { userTicketRoutes } from './user-tickets.js';
import { userRoutes } from './users.js';

export const API_PREFIX = '/api/0';

export interface ApiDependencies {
  hooks: ForgeHooks;
  tasks: TaskService;
  services: DomainServices;
  jobs: JobQueueApi;
  publicUrl: () => string;
  projectNameRegex: RegExp;
  browse: GitBrowseDeps;
}

export function createApiRouter(deps: ApiDependencies): ForgeRouter {
  const router = new Router<ForgeState, ForgeContextExtras>({ prefix: API_PREFIX });
  router.use(apiAuthentication(deps.services));
  metaRoutes(router, deps.publicUrl);
  taskRoutes(router, deps.tasks);
  userRoutes(router, deps.services, deps.publicUrl);
  userTicketRoutes(router, deps.services);
  activityRoutes(router, deps.services, deps.publicUrl);
  groupRoutes(router, deps.services, deps.publicUrl);
  projectListRoutes(router, deps.services, deps.jobs, deps.projectNameRegex);
  pullRequestByUidRoute(router, deps.services);
  deps.hooks.apiRoutes.call(router);
  const projects = new ProjectRoutes(deps.services);
  projectRoutes(projects, deps.services);
  projectTokenRoutes(projects, deps.services);
  pluginSettingsRoutes(projects, deps.services);
  gitRefRoutes(projects, deps.services, deps.browse);
  gitTreeRoutes(projects, deps.services, deps.browse);
  flagRoutes(projects, deps.services, deps.browse);
  ticketTagRoutes(projects, deps);
  issueRoutes(projects, deps);
  pullRequestRoutes(projects, deps);
  pullRequestMergeRoutes(projects, deps);
  // Plugins' project routes join core's, so one ordering (most fixed segments first) covers both.
  deps.hooks.projectApiRoutes.call(projectApiRegistry(projects, deps.services));
  projects.register(router);
  return router;
}
