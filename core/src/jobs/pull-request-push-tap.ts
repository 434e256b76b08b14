// Pushes and pull requests: a push to a branch that is the source or the target of open
// pull requests queues their refresh (new head commits, merge status, pull-request.updated).
import { PULL_REQUEST_JOBS, type DomainServices } from '../services/index.js';
import type { ForgeHooks, JobQueueApi } from '../plugins/index.js';

export function tapPullRequestRefresh(hooks: ForgeHooks, services: DomainServices, jobs: JobQueueApi): void {
  hooks.pushed.tapPromise('core:pull-requests', async (push) => {
    const branches = push.refs.filter((r) => r.ref.startsWith('refs/heads/')).map((r) => r.ref.slice('refs/heads/'.length));
    const affected = await services.pullRequestUpdates.openOnBranches(push.project.id, branches);
    if (!affected.length) return;
    const pusher = await services.users.byName(push.user.name);
    for (const pr of affected) {
      await jobs.enqueue(PULL_REQUEST_JOBS.refresh, { pullRequestPk: pr.pk, path: pr.path, ...(pusher ? { userId: pusher.id } : {}) });
    }
  });
}
