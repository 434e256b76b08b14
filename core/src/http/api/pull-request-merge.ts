// (being written)
import type { ApiDependencies } from './router.js';
import type { ProjectRoutes } from './project-routes.js';

export function pullRequestMergeRoutes(_routes: ProjectRoutes, _deps: ApiDependencies): void {}
