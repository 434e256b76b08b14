// "Fixes #N" and friends: commits that land on a project's default branch close (or, with
// "Relates", comment on) the issues and pull requests their messages name, in the pusher's
// name, and only where the pusher could do the same by hand: elsewhere a reference is at
// most a mention, and a pull request is marked merged only once its head commit is in its
// target branch. Runs in the git.receive job; a retried job repeats nothing (see the services).
import { parseFullname, projectUrlPath, repositoryPath, type ProjectRecord, type PullRequestRecord } from '../domain/index.js';
import { runGit, type Repositories } from '../git/index.js';
import type { ForgeHooks } from '../plugins/index.js';
import { commitReferences, mergeRefusal, type DomainServices } from '../services/index.js';

export function tapCommitReferences(
  hooks: ForgeHooks,
  services: DomainServices,
  repositories: Repositories,
  publicUrl: () => string,
): void {
  hooks.pushed.tapPromise('core:commit-references', async (push) => {
    const landed = push.refs.find(
      (r) => push.defaultBranch && r.ref === `refs/heads/${push.defaultBranch}` && !r.deleted && r.commits.length,
    );
    if (!landed) return;
    const project = await services.projectQueries.byId(push.project.id);
    const pusher = await services.users.byName(push.user.name);
    if (!project || !pusher) return;
    const repo = repositories.pathOf(repositoryPath(project));
    // Oldest first, as they were written.
    const log = await runGit(['log', '--no-walk=unsorted', '--format=%H%x1f%B%x1e', ...[...landed.commits].reverse()], { cwd: repo });
    const viewer = await services.access.viewer(pusher);
    const base = publicUrl().replace(/\/+$/, '');
    for (const record of log.split('\x1e')) {
      const [hashText, message] = record.replace(/^\n/, '').split('\x1f');
      const hash = hashText?.trim();
      if (!hash || message === undefined) continue;
      for (const ref of commitReferences(message, base)) {
        let target: ProjectRecord | undefined = project;
        if (ref.project !== null) {
          const fork = ref.project.startsWith('fork/');
          const parsed = parseFullname(fork ? `forks/${ref.project.slice(5)}` : ref.project);
          target = parsed ? await services.projectQueries.find(parsed) : undefined;
          if (!target || !(await services.access.canView(viewer, target))) continue;
        }
        const link = `[${hash.slice(0, 8)}](${base}/${projectUrlPath(project)}/c/${hash.slice(0, 8)})`;
        // The services let the pusher do only what they could by hand there; else a mention.
        const fixes = ref.kind === 'fixes';
        if (ref.type !== 'pull-request' && (await services.issues.referencedByCommit(viewer, target, ref.id, link, fixes))) continue;
        if (ref.type === 'issue' || !fixes) continue;
        const where = target;
        const mayMerge = async (pr: PullRequestRecord) => (await mergeRefusal(services, viewer, where, pr)) === undefined;
        await services.pullRequests.mergedByCommit(viewer, where, ref.id, link, mayMerge);
      }
    }
  });
}
