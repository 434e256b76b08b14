// Pushes and pull requests: a push that moves the source branch of open pull requests
// queues each one's refresh (new head commits, merge status, pull-request.updated); a push
// that moves a branch open pull requests target queues one refresh of them all.
import { PULL_REQUEST_JOBS, type DomainServices } from '../services/index.js';
import type { ForgeHooks, JobQueueApi } from '../plugins/index.js';

export function tapPullRequestRefresh(hooks: ForgeHooks, services: DomainServices, jobs: JobQueueApi): void {
  hooks.pushed.tapPromise('core:pull-requests', async (push) => {
    const branches = push.refs.filter((r) => r.ref.startsWith('refs/heads/')).map((r) => r.ref.slice('refs/heads/'.length));
    if (!branches.length) return;
    const pusher = await services.users.byName(push.user.name);
    const by: Record<string, number> = pusher ? { userId: pusher.id } : {};
    const { fromBranches, intoBranches } = await services.pullRequestUpdates.openOnBranches(push.project.id, branches);
    for (const pr of fromBranches) await jobs.enqueue(PULL_REQUEST_JOBS.refresh, { pullRequestPk: pr.pk, path: pr.path, ...by });
    for (const branch of intoBranches) await jobs.enqueue(PULL_REQUEST_JOBS.refreshTarget, { projectId: push.project.id, branch, ...by });
  });
}
