// Names and data of the jobs the project services queue (handlers are in jobs/).

export const PROJECT_JOBS = {
  /** { projectId, path, readme, defaultBranch, aliases (JSON: alias → branch), ignoreExisting }: create the bare repository, maybe with a README, and its aliases. */
  create: 'core.create-repo',
  /** { projectId, path }: copy the parent's repository into a new fork. */
  fork: 'core.fork-repo',
  /** { path }: remove a deleted project's repository. */
  remove: 'core.delete-repo',
} as const;
