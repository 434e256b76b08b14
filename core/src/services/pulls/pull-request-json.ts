// Pagure's pull-request JSON, for a page of pull requests in a fixed number of queries:
// projects, users, tags, comments and review scores are each loaded once for the page, in
// two round trips.
import type { Knex } from 'knex';
import { commentFromRow, queriesOn, USER_COLUMNS, userFromRow, type CommentRow, type UserRow } from '../../db/index.js';
import { projectUrlPath, type CommentRecord, type PullRequestRecord } from '../../domain/index.js';
import { epochString, fullUrl } from '../json/common.js';
import { projectsJson, type ProjectJson } from '../json/project-json.js';
import { userJson, type UserJson } from '../json/user-json.js';
import type { ProjectQueries } from '../projects/project-queries.js';
import type { ProjectsService } from '../projects/projects-service.js';
import { readSettings } from '../projects/settings.js';
import { pullRequestCommentJson, type PullRequestCommentJson } from '../tickets/comment-json.js';
import type { UsersService } from '../users/users-service.js';

export interface PullRequestJson {
  id: number;
  uid: string;
  title: string;
  branch: string;
  project: ProjectJson;
  branch_from: string;
  repo_from: ProjectJson | null;
  remote_git: string | null;
  date_created: string;
  updated_on: string;
  last_updated: string;
  closed_at: string | null;
  user: UserJson;
  assignee: UserJson | null;
  status: string;
  commit_start: string | null;
  commit_stop: string | null;
  closed_by: UserJson | null;
  initial_comment: string | null;
  cached_merge_status: string;
  threshold_reached: boolean | null;
  tags: string[];
  full_url: string;
  comments: PullRequestCommentJson[];
}

export interface PullRequestJsonDeps {
  db: Knex;
  baseUrl: string;
  users: UsersService;
  projects: ProjectsService;
  projectQueries: ProjectQueries;
}

/** Pagure's score: per user, the last general comment that votes (+1/:thumbsup: or -1/:thumbsdown:) counts. */
export function reviewScore(comments: ReadonlyArray<Pick<CommentRecord, 'userId' | 'comment' | 'notification' | 'commitId'>>): number {
  const votes = new Map<number, number>();
  for (const c of comments) {
    if (c.notification || c.commitId) continue;
    if (c.comment.includes('+1') || c.comment.includes(':thumbsup:')) votes.set(c.userId, 1);
    if (c.comment.includes('-1') || c.comment.includes(':thumbsdown:')) votes.set(c.userId, -1);
  }
  return [...votes.values()].reduce((a, b) => a + b, 0);
}

export async function pullRequestsJson(
  deps: PullRequestJsonDeps,
  prs: readonly PullRequestRecord[],
  options: { comments?: boolean; db?: Knex } = {},
): Promise<PullRequestJson[]> {
  if (!prs.length) return [];
  const db = options.db ?? deps.db;
  const pks = prs.map((p) => p.pk);
  const projectIds = [...new Set(prs.flatMap((p) => (p.projectFromId === null ? [p.projectId] : [p.projectId, p.projectFromId])))];
  const knownUsers = [...new Set(prs.flatMap((p) => [p.userId, p.assigneeId, p.closedById]).filter((id): id is number => id !== null))];
  // Two round trips: the projects, tags, comments and every user named; then the projects' JSON.
  const [projectRecords, tagRows, commentRows, userRows] = await queriesOn(db, [
    () => deps.projectQueries.byIds(projectIds, db),
    () =>
      db('pull_request_tag_links as l')
        .join('ticket_tags as t', 't.id', 'l.tag_id')
        .whereIn('l.ticket_pk', pks)
        .orderBy('t.tag')
        .select('l.ticket_pk', 't.tag') as Promise<Array<{ ticket_pk: number; tag: string }>>,
    () => db('pull_request_comments').whereIn('ticket_pk', pks).orderBy(['created_at', 'id']).select('*') as Promise<CommentRow[]>,
    () =>
      db('users')
        .where((q) => {
          q.whereIn('users.id', knownUsers)
            .orWhereIn('users.id', db('pull_request_comments').whereIn('ticket_pk', pks).select('user_id'))
            .orWhereIn('users.id', db('pull_request_comments').whereIn('ticket_pk', pks).whereNotNull('editor_id').select('editor_id'));
        })
        .select(...USER_COLUMNS) as Promise<UserRow[]>,
  ]);
  const projectJsons = await projectsJson(db, projectRecords, { baseUrl: deps.baseUrl });
  const projects = new Map(projectRecords.map((p, i) => [p.id, { record: p, json: projectJsons[i]! }]));
  const comments = commentRows.map(commentFromRow);
  const commentsOf = new Map<number, CommentRecord[]>();
  for (const c of comments) commentsOf.set(c.ticketPk, [...(commentsOf.get(c.ticketPk) ?? []), c]);
  const users = new Map(userRows.map((r) => [r.id, userFromRow(r)]));
  const user = (id: number | null) => {
    const found = id === null ? undefined : users.get(id);
    return found ? userJson(found, deps.baseUrl) : null;
  };
  return prs.map((pr) => {
    const target = projects.get(pr.projectId)!;
    const mine = commentsOf.get(pr.pk) ?? [];
    const threshold = Number(readSettings(target.record)['Minimum_score_to_merge_pull-request']);
    return {
      id: pr.id,
      uid: pr.uid,
      title: pr.title,
      branch: pr.branch,
      project: target.json,
      branch_from: pr.branchFrom,
      repo_from: pr.projectFromId === null ? null : (projects.get(pr.projectFromId)?.json ?? null),
      remote_git: pr.remoteGit,
      date_created: epochString(pr.createdAt),
      updated_on: epochString(pr.updatedOn),
      last_updated: epochString(pr.updatedAt),
      closed_at: pr.closedAt ? epochString(pr.closedAt) : null,
      user: user(pr.userId)!,
      assignee: user(pr.assigneeId),
      status: pr.status,
      commit_start: pr.commitStart,
      commit_stop: pr.commitStop,
      closed_by: user(pr.closedById),
      initial_comment: pr.initialComment,
      cached_merge_status: pr.mergeStatus ?? 'unknown',
      threshold_reached: threshold < 0 ? null : reviewScore(mine) >= threshold,
      tags: tagRows.filter((t) => t.ticket_pk === pr.pk).map((t) => t.tag),
      full_url: fullUrl(deps.baseUrl, `${projectUrlPath(target.record)}/pull-request/${pr.id}`),
      comments: options.comments === false ? [] : mine.map((c) => pullRequestCommentJson(c, users, deps.baseUrl)),
    };
  });
}
