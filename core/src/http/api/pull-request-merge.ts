// Merging and rebasing a pull request: checks in Pagure's order, then a worker job; with
// wait (the default) the answer is the job's outcome, else "Merging queued" and its task id.
import { repositoryPath, type ProjectRecord, type PullRequestRecord } from '../../domain/index.js';
import { Conflict, Forbidden, Invalid } from '../../errors/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import { PULL_REQUEST_JOBS, readSettings, type DomainServices, type Viewer } from '../../services/index.js';
import { viewerOf } from './auth.js';
import { routeParams } from './git-context.js';
import { body, waitFlag } from './params.js';
import type { ProjectRoutes } from './project-routes.js';
import type { ApiDependencies } from './router.js';
import { answerTask } from './task-answer.js';

/** Pagure's checks before a merge, in its order: commit access to the branch, the assignee rule, the score. */
export async function checkMergeAllowed(services: DomainServices, viewer: Viewer, project: ProjectRecord, pr: PullRequestRecord): Promise<void> {
  if (!(await services.access.has(viewer, project, 'commit', pr.branch))) throw Forbidden('ENOPRCLOSE');
  const settings = readSettings(project);
  if (settings['Only_assignee_can_merge_pull-request']) {
    if (pr.assigneeId === null) throw Forbidden('ENOTASSIGNED');
    if (pr.assigneeId !== viewer.user!.id) throw Forbidden('ENOTASSIGNEE');
  }
  const threshold = Number(settings['Minimum_score_to_merge_pull-request']);
  if (threshold > 0 && (await services.pullRequestUpdates.score(pr)) < threshold) throw Forbidden('EPRSCORE');
}

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
      const task = await jobs.enqueue(PULL_REQUEST_JOBS.merge, { pullRequestPk: pr.pk, path: repositoryPath(project), userId: user.id });
      await answerTask(ctx, jobs, task!.id, waitFlag(body(ctx).wait), { done: 'Changes merged!', queued: 'Merging queued' }, (reason) =>
        Conflict('EPRCONFLICTS', { errors: reason }),
      );
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
      const task = await jobs.enqueue(PULL_REQUEST_JOBS.rebase, { pullRequestPk: pr.pk, path: repositoryPath(source), userId: ctx.state.user!.id });
      await answerTask(ctx, jobs, task!.id, waitFlag(body(ctx).wait), { done: 'Pull-request rebased', queued: 'Rebasing queued' });
    },
    { acls: ['pull_request_rebase'] },
  );
}
