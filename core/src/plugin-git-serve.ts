// forge.git.serve: a git conversation a plugin carries (SSH), decided by the same GitAccess
// as git over HTTP and run by the same git, with the same hooks: a push over SSH meets the
// push policy, canPush, events and jobs exactly as one over HTTP.
import { parseRepositoryPath } from './http/git/git-paths.js';
import { hookEnvironment } from './http/git/hook-callback.js';
import { spawnService, type Repositories } from './git/index.js';
import type { GitServeAnswer, GitServeRequest } from './plugins/index.js';
import { PushIdentities, type DomainServices } from './services/index.js';

export interface GitServeDeps {
  services: DomainServices;
  repositories: Repositories;
  secret: string;
  /** The forge's public URL, where hooks call back unless the request says otherwise. */
  publicUrl: () => string;
}

export function createGitServe(deps: GitServeDeps): (request: GitServeRequest) => Promise<GitServeAnswer> {
  const identities = new PushIdentities(deps.secret);
  return async (request) => {
    const path = `/${String(request.path).replace(/^\/+|\/+$/g, '')}`;
    const route = path.includes('/../') ? undefined : parseRepositoryPath(path, deps.repositories.types);
    if (!route) return { ok: false, reason: 'not-found', message: 'Repository not found' };
    const actor = request.deployKey ? { user: null, deployKey: request.deployKey } : { user: request.user };
    const decision = await deps.services.gitAccess.decide(route, request.service, actor);
    if (!decision.ok) return decision;
    const env = decision.hooks
      ? hookEnvironment(identities, request.hookUrl ?? deps.publicUrl(), decision.pushAs, decision.project.id, decision.repository)
      : {};
    return {
      ok: true,
      project: decision.project,
      spawn: () => spawnService(request.service, decision.repository, { advertise: false, stateless: false, env, hooks: decision.hooks }),
    };
  };
}
