// Names of core's git jobs, for code that enqueues them without importing the jobs layer.
export const GIT_JOBS = {
  /** { projectId, userId | deployKeyId, updates: ["<old> <new> <ref>", ...] (git's hook input lines) }: what a push changed — events, activity, the pushed hook. */
  receive: 'git.receive',
  /** { path }: "git gc --auto" in a repository, under its lock. */
  gc: 'core.git-gc',
} as const;
