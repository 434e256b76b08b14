// Merging and rebasing a pull request: checks in Pagure's order, then a worker job; with
// wait (the default) the answer is the job's outcome, else "Merging queued" and its task id.
import { repositoryPath, type ProjectRecord } from '../../domain/index.js';
import { Conflict, Forbidden, Invalid } from '../../errors/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import { checkMergeAllowed, closedRefusal, PULL_REQUEST_JOBS } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import { routeParams } from '../common/git-context.js';
import { body, waitFlag } from './params.js';
import type { ProjectRoutes } from '../common/project-routes.js';
import type { ApiDependencies } from './router.js';
import { answerTask } from './task-answer.js';

// The rule lives in the services, where a pushed "Merges #N" applies it too.
export { checkMergeAllowed };

export function pullRequestMergeRoutes(routes: ProjectRoutes, deps: ApiDependencies): void {
  const { services, jobs } = deps;

  async function pullRequestOf(ctx: ForgeContext, project: ProjectRecord) {
    services.pullRequests.checkEnabled(project);
    return services.pullRequests.require(project, routeParams(ctx).requestid);
  }

  routes.add(
    'post',
    '/pull-request/:requestid/merge',
    async (ctx, project) => {
      const pr = await pullRequestOf(ctx, project);
      const viewer = await viewerOf(ctx, services);
      const user = ctx.state.user!;
      await checkMergeAllowed(services, viewer, project, pr);
      const closed = await closedRefusal(services.users, pr);
      if (closed) throw Conflict('EPRCONFLICTS', { errors: closed });
      // Pinned to the head the pull request shows now: commits pushed since are not merged unseen.
      const task = await jobs.enqueue(PULL_REQUEST_JOBS.merge, {
        pullRequestPk: pr.pk,
        path: repositoryPath(project),
        userId: user.id,
        expectedHead: pr.commitStop,
      });
      await answerTask(ctx, jobs, task!.id, waitFlag(body(ctx).wait), { done: 'Changes merged!', queued: 'Merging queued' }, (reason) =>
        Conflict('EPRCONFLICTS', { errors: reason }),
      );
    },
    { acls: ['pull_request_merge'] },
  );

  // Merge when ready (a Pagurus addition): GET the state; POST {"enable": true|false} sets or cancels it.
  routes.add('get', '/pull-request/:requestid/merge-when-ready', async (ctx, project) => {
    const pr = await pullRequestOf(ctx, project);
    ctx.body = { merge_when_ready: await services.mergeWhenReady.state(project, pr) };
  });

  routes.add(
    'post',
    '/pull-request/:requestid/merge-when-ready',
    async (ctx, project) => {
      const pr = await pullRequestOf(ctx, project);
      const enable = body(ctx).enable;
      const on = enable === undefined || !['false', '0', 'no', 'off', false, 0].includes(enable as string | number | boolean);
      const state = await services.mergeWhenReady.set(await viewerOf(ctx, services), project, pr, on);
      ctx.body = { message: on ? 'Merge when ready set' : 'Merge when ready cancelled', merge_when_ready: state };
    },
    { acls: ['pull_request_merge'] },
  );

  routes.add(
    'post',
    '/pull-request/:requestid/rebase',
    async (ctx, project) => {
      const pr = await pullRequestOf(ctx, project);
      const viewer = await viewerOf(ctx, services);
      const source = pr.projectFromId === null ? undefined : await services.projectQueries.byId(pr.projectFromId);
      const canRebaseSource = !pr.remoteGit && source !== undefined && (await services.access.has(viewer, source, 'commit', pr.branchFrom));
      const targetCommitter = await services.access.has(viewer, project, 'commit');
      if (!((targetCommitter && pr.allowRebase) || canRebaseSource)) {
        throw Forbidden(pr.allowRebase ? 'ENOPRCLOSE' : 'EREBASENOTALLOWED');
      }
      if (!source) throw Invalid('ENOCODE', 'The source of this pull-request is not on this forge');
      const task = await jobs.enqueue(PULL_REQUEST_JOBS.rebase, {
        pullRequestPk: pr.pk,
        path: repositoryPath(source),
        userId: ctx.state.user!.id,
      });
      await answerTask(ctx, jobs, task!.id, waitFlag(body(ctx).wait), { done: 'Pull-request rebased', queued: 'Rebasing queued' });
    },
    { acls: ['pull_request_rebase'] },
  );
}
