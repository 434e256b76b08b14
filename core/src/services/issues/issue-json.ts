// Pagure's issue JSON, for a page of issues in a fixed number of queries: users, tags,
// dependencies, custom fields and related pull requests in one query, comments and users in
// two more, all three in parallel.
import type { Knex } from 'knex';
import { commentFromRow, jsonList, queriesOn, USER_COLUMNS, userFromRow, type CommentRow, type UserRow } from '../../db/index.js';
import { projectUrlPath, type IssueRecord, type ProjectRecord } from '../../domain/index.js';
import type { IssuePayload } from '../../plugins/event-payloads.js';
import { epochString, fullUrl } from '../json/common.js';
import { userJson } from '../json/user-json.js';
import { commentJson } from '../tickets/comment-json.js';

/** Pagure's issue JSON: the shape the events carry too (plugins/event-payloads.ts). */
export type IssueJson = IssuePayload;

interface LinkedRow {
  pk: number;
  tags: string[];
  depends: number[];
  blocks: number[];
  custom_fields: IssueJson['custom_fields'];
  related_prs: IssueJson['related_prs'];
}

export async function issuesJson(
  db: Knex,
  baseUrl: string,
  /** The issues' project, or for issues of several projects, each by id. */
  project: ProjectRecord | ReadonlyMap<number, ProjectRecord>,
  issues: readonly IssueRecord[],
  options: { comments?: boolean } = {},
): Promise<IssueJson[]> {
  if (!issues.length) return [];
  const pks = issues.map((i) => i.pk);
  const withComments = options.comments !== false;
  const knownUsers = [...new Set(issues.flatMap((i) => [i.userId, i.assigneeId, i.closedById]).filter((id): id is number => id !== null))];
  // One round trip: the lists each issue carries, its comments, and every user either names.
  const [linked, commentRows, userRows] = await queriesOn(db, [
    () =>
      db('issues as i')
        .whereIn('i.pk', pks)
        .select('i.pk', {
          tags: jsonList(
            db,
            'select json_agg(t.tag order by t.tag) from issue_tag_links l join ticket_tags t on t.id = l.tag_id where l.ticket_pk = i.pk',
          ),
          depends: jsonList(
            db,
            'select json_agg(o.id order by o.id) from issue_dependencies d join issues o on o.pk = d.parent_pk where d.child_pk = i.pk',
          ),
          blocks: jsonList(
            db,
            'select json_agg(o.id order by o.id) from issue_dependencies d join issues o on o.pk = d.child_pk where d.parent_pk = i.pk',
          ),
          custom_fields: jsonList(
            db,
            "select json_agg(json_build_object('name', k.name, 'key_type', k.key_type, 'value', v.value, 'key_data', k.key_data) order by k.name) from issue_values v join issue_keys k on k.id = v.key_id where v.ticket_pk = i.pk",
          ),
          related_prs: jsonList(
            db,
            "select json_agg(json_build_object('id', p.id, 'title', p.title) order by p.id desc) from pull_request_issues l join pull_requests p on p.pk = l.pull_request_pk where l.issue_pk = i.pk",
          ),
        }) as Promise<LinkedRow[]>,
    () =>
      withComments
        ? (db('issue_comments').whereIn('ticket_pk', pks).orderBy(['created_at', 'id']).select('*') as Promise<CommentRow[]>)
        : Promise.resolve([] as CommentRow[]),
    () =>
      db('users')
        .where((q) => {
          q.whereIn('users.id', knownUsers);
          if (withComments) {
            q.orWhereIn('users.id', db('issue_comments').whereIn('ticket_pk', pks).select('user_id'));
            q.orWhereIn('users.id', db('issue_comments').whereIn('ticket_pk', pks).whereNotNull('editor_id').select('editor_id'));
          }
        })
        .select(...USER_COLUMNS) as Promise<UserRow[]>,
  ]);
  const comments = commentRows.map(commentFromRow);
  const commentsOf = new Map<number, typeof comments>();
  for (const c of comments) commentsOf.set(c.ticketPk, [...(commentsOf.get(c.ticketPk) ?? []), c]);
  const lists = new Map(linked.map((row) => [row.pk, row]));
  const users = new Map(userRows.map((r) => [r.id, userFromRow(r)]));
  const user = (id: number | null) => {
    const found = id === null ? undefined : users.get(id);
    return found ? userJson(found, baseUrl) : null;
  };
  const projectOf = (issue: IssueRecord): ProjectRecord =>
    project instanceof Map ? project.get(issue.projectId)! : (project as ProjectRecord);
  return issues.map((issue) => {
    const linkedTo = lists.get(issue.pk);
    return {
      id: issue.id,
      title: issue.title,
      content: issue.content,
      status: issue.status,
      close_status: issue.closeStatus,
      date_created: epochString(issue.createdAt),
      last_updated: epochString(issue.updatedAt),
      closed_at: issue.closedAt ? epochString(issue.closedAt) : null,
      user: user(issue.userId)!,
      private: issue.private,
      tags: linkedTo?.tags ?? [],
      depends: (linkedTo?.depends ?? []).map(String),
      blocks: (linkedTo?.blocks ?? []).map(String),
      assignee: user(issue.assigneeId),
      priority: issue.priority,
      milestone: issue.milestone,
      custom_fields: linkedTo?.custom_fields ?? [],
      closed_by: user(issue.closedById),
      related_prs: linkedTo?.related_prs ?? [],
      full_url: fullUrl(baseUrl, `${projectUrlPath(projectOf(issue))}/issue/${issue.id}`),
      comments: (commentsOf.get(issue.pk) ?? []).map((c) => commentJson(c, users, baseUrl)),
    };
  });
}
