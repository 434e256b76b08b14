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

/**
 * Why a pull request can no longer be merged, in the words a failed merge job uses ("This
 * pull-request was merged or closed by alice"), or undefined while it is open. Asked before
 * a merge is queued: a queued merge of a pull request that was open when it was queued, and
 * is merged by then by the same person (a retried run), counts as done.
 */
export async function closedRefusal(
  users: { byIds(ids: readonly number[]): Promise<Map<number, { name: string }>> },
  pr: PullRequestRecord,
): Promise<string | undefined> {
  if (pr.status === 'Open') return undefined;
  const closer = pr.closedById === null ? undefined : (await users.byIds([pr.closedById])).get(pr.closedById);
  return `This pull-request was merged or closed by ${closer?.name ?? 'someone else'}`;
}

/** 403 with the reason when the viewer may not merge. */
export async function checkMergeAllowed(deps: MergeRuleDeps, viewer: Viewer, project: ProjectRecord, pr: PullRequestRecord): Promise<void> {
  const refusal = await mergeRefusal(deps, viewer, project, pr);
  if (refusal) throw Forbidden(refusal);
}
