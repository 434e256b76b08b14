// CI status on commits: GET and POST .../c/<hash>/flag (Pagure's commit flags; ACL
// commit_flag). The hash may be abbreviated; flags are kept on the full commit hash.
import { existsSync } from 'node:fs';
import type { ProjectRecord } from '../../domain/index.js';
import { NotFound } from '../../errors/index.js';
import { objectByPrefix } from '../../git/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import type { DomainServices, FlagInput } from '../../services/index.js';
import { checkProjectToken } from '../common/auth.js';
import { repoDir, routeParams, type GitBrowseDeps } from '../common/git-context.js';
import { body } from './params.js';
import type { ProjectRoutes } from '../common/project-routes.js';

export function flagRoutes(routes: ProjectRoutes, services: DomainServices, deps: GitBrowseDeps): void {
  /** The full hash of the commit the URL names, or 404 ENOCOMMIT. */
  async function commitOf(ctx: ForgeContext, project: ProjectRecord): Promise<string> {
    const dir = repoDir(deps, project);
    const object = existsSync(dir) ? await objectByPrefix(dir, routeParams(ctx).commit_hash ?? '') : undefined;
    if (!object || object.type !== 'commit') throw NotFound('ENOCOMMIT');
    return object.sha;
  }

  routes.add('get', '/c/:commit_hash/flag', async (ctx, project) => {
    const flags = await services.flags.ofCommit(project, await commitOf(ctx, project));
    ctx.body = { total_flags: flags.length, flags };
  });

  routes.add(
    'post',
    '/c/:commit_hash/flag',
    async (ctx, project) => {
      checkProjectToken(ctx, project.id, { userTokens: true });
      const hash = await commitOf(ctx, project);
      const data = body(ctx);
      const input: FlagInput = {
        username: data.username,
        status: data.status,
        percent: data.percent,
        comment: data.comment,
        url: data.url,
        uid: data.uid,
      };
      const result = await services.flags.flagCommit(project, hash, input, { user: ctx.state.user!, tokenId: ctx.state.token?.id ?? null });
      ctx.body = { flag: result.flag, message: result.message, uid: result.uid };
    },
    { acls: ['commit_flag'] },
  );
}
