// (being written)
import type { ApiDependencies } from './router.js';
import type { ProjectRoutes } from './project-routes.js';

export function issueRoutes(_routes: ProjectRoutes, _deps: ApiDependencies): void {}
