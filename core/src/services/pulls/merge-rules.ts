// Who may merge a pull request: the one rule the merge endpoint, the merge button and
// "Merges #N" in a pushed commit all apply.
import type { ProjectRecord, PullRequestRecord } from '../../domain/index.js';
import { Forbidden, type ErrorCode } from '../../errors/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import { readSettings } from '../projects/settings.js';
import type { PullRequestUpdates } from './pull-request-updates.js';

export interface MergeRuleDeps {
  access: Pick<AccessService, 'has'>;
  pullRequestUpdates: Pick<PullRequestUpdates, 'score'>;
}

/** Why the viewer may not merge, as Pagure checks in order (commit access to the branch, the assignee rule, the score); undefined when they may. */
export async function mergeRefusal(
  deps: MergeRuleDeps,
  viewer: Viewer,
  project: ProjectRecord,
  pr: PullRequestRecord,
): Promise<ErrorCode | undefined> {
  if (!(await deps.access.has(viewer, project, 'commit', pr.branch))) return 'ENOPRCLOSE';
  const settings = readSettings(project);
  if (settings['Only_assignee_can_merge_pull-request']) {
    if (pr.assigneeId === null) return 'ENOTASSIGNED';
    if (pr.assigneeId !== viewer.user?.id) return 'ENOTASSIGNEE';
  }
  const threshold = Number(settings['Minimum_score_to_merge_pull-request']);
  if (threshold > 0 && (await deps.pullRequestUpdates.score(pr)) < threshold) return 'EPRSCORE';
  return undefined;
}

/** 403 with the reason when the viewer may not merge. */
export async function checkMergeAllowed(deps: MergeRuleDeps, viewer: Viewer, project: ProjectRecord, pr: PullRequestRecord): Promise<void> {
  const refusal = await mergeRefusal(deps, viewer, project, pr);
  if (refusal) throw Forbidden(refusal);
}
