// Names and data of the pull-request jobs (handlers are in jobs/pull-request-jobs.ts).
export const PULL_REQUEST_JOBS = {
  /**
   * { pullRequestPk }: recompute commit_start, commit_stop and cached_merge_status from the
   * branches as they are now; queued when a pull request is opened or reopened, and when a
   * push moves its source branch.
   */
  refresh: 'core.pull-request-refresh',
  /**
   * { projectId, branch, userId? }: refresh every open pull request into that branch,
   * one after another; queued once when a push moves a branch, however many target it.
   */
  refreshTarget: 'core.pull-request-refresh-target',
  /**
   * { pullRequestPk, path, userId, expectedHead }: merge the pull request into its target
   * branch, refused when its source branch is no longer at expectedHead (the head the merger
   * saw: commit_stop when asked, or the one the page showed).
   */
  merge: 'core.pull-request-merge',
  /** { pullRequestPk, userId }: rebase the source branch onto the target branch. */
  rebase: 'core.pull-request-rebase',
} as const;
