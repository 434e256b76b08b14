// Pagure's issue JSON, for a page of issues in a fixed number of queries: users, tags,
// dependencies, custom fields, related pull requests and comments are each loaded once.
import type { Knex } from 'knex';
import { commentFromRow, queriesOn, USER_COLUMNS, userFromRow, type CommentRow, type UserRow } from '../../db/index.js';
import { projectUrlPath, type IssueRecord, type ProjectRecord } from '../../domain/index.js';
import { epochString, fullUrl } from '../json/common.js';
import { userJson, type UserJson } from '../json/user-json.js';
import { commentJson, type CommentJson } from '../tickets/comment-json.js';

export interface IssueJson {
  id: number;
  title: string;
  content: string;
  status: string;
  close_status: string | null;
  date_created: string;
  last_updated: string;
  closed_at: string | null;
  user: UserJson;
  private: boolean;
  tags: string[];
  depends: string[];
  blocks: string[];
  assignee: UserJson | null;
  priority: number | null;
  milestone: string | null;
  custom_fields: Array<{ name: string; key_type: string; value: string; key_data: string[] | null }>;
  closed_by: UserJson | null;
  related_prs: Array<{ id: number; title: string }>;
  full_url: string;
  comments: CommentJson[];
}

function group<T extends { pk: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) out.set(row.pk, [...(out.get(row.pk) ?? []), row]);
  return out;
}

export async function issuesJson(
  db: Knex,
  baseUrl: string,
  project: ProjectRecord,
  issues: readonly IssueRecord[],
  options: { comments?: boolean } = {},
): Promise<IssueJson[]> {
  if (!issues.length) return [];
  const pks = issues.map((i) => i.pk);
  const withComments = options.comments !== false;
  const [tags, depends, blocks, fields, prs, commentRows] = await queriesOn(db, [
    () => db('issue_tag_links as l').join('ticket_tags as t', 't.id', 'l.tag_id').whereIn('l.ticket_pk', pks).orderBy('t.tag').select('l.ticket_pk as pk', 't.tag') as Promise<Array<{ pk: number; tag: string }>>,
    () => db('issue_dependencies as d').join('issues as i', 'i.pk', 'd.parent_pk').whereIn('d.child_pk', pks).orderBy('i.id').select('d.child_pk as pk', 'i.id') as Promise<Array<{ pk: number; id: number }>>,
    () => db('issue_dependencies as d').join('issues as i', 'i.pk', 'd.child_pk').whereIn('d.parent_pk', pks).orderBy('i.id').select('d.parent_pk as pk', 'i.id') as Promise<Array<{ pk: number; id: number }>>,
    () => db('issue_values as v').join('issue_keys as k', 'k.id', 'v.key_id').whereIn('v.ticket_pk', pks).orderBy('k.name').select('v.ticket_pk as pk', 'k.name', 'k.key_type', 'v.value', 'k.key_data') as Promise<
      Array<{ pk: number; name: string; key_type: string; value: string; key_data: string[] | null }>
    >,
    () => db('pull_request_issues as l').join('pull_requests as p', 'p.pk', 'l.pull_request_pk').whereIn('l.issue_pk', pks).orderBy('p.id', 'desc').select('l.issue_pk as pk', 'p.id', 'p.title') as Promise<
      Array<{ pk: number; id: number; title: string }>
    >,
    () => withComments ? (db('issue_comments').whereIn('ticket_pk', pks).orderBy(['created_at', 'id']).select('*') as Promise<CommentRow[]>) : Promise.resolve([] as CommentRow[]),
  ]);
  const comments = commentRows.map(commentFromRow);
  const userIds = new Set<number>();
  for (const i of issues) for (const id of [i.userId, i.assigneeId, i.closedById]) if (id !== null) userIds.add(id);
  for (const c of comments) for (const id of [c.userId, c.editorId]) if (id !== null) userIds.add(id);
  const userRows = (await db('users').whereIn('users.id', [...userIds]).select(...USER_COLUMNS)) as UserRow[];
  const users = new Map(userRows.map((r) => [r.id, userFromRow(r)]));
  const user = (id: number | null) => {
    const found = id === null ? undefined : users.get(id);
    return found ? userJson(found, baseUrl) : null;
  };
  const [tagsOf, dependsOf, blocksOf, fieldsOf, prsOf] = [group(tags), group(depends), group(blocks), group(fields), group(prs)];
  return issues.map((issue) => ({
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
    tags: (tagsOf.get(issue.pk) ?? []).map((t) => t.tag),
    depends: (dependsOf.get(issue.pk) ?? []).map((d) => String(d.id)),
    blocks: (blocksOf.get(issue.pk) ?? []).map((d) => String(d.id)),
    assignee: user(issue.assigneeId),
    priority: issue.priority,
    milestone: issue.milestone,
    custom_fields: (fieldsOf.get(issue.pk) ?? []).map((f) => ({ name: f.name, key_type: f.key_type, value: f.value, key_data: f.key_data })),
    closed_by: user(issue.closedById),
    related_prs: (prsOf.get(issue.pk) ?? []).map((p) => ({ id: p.id, title: p.title })),
    full_url: fullUrl(baseUrl, `${projectUrlPath(project)}/issue/${issue.id}`),
    comments: comments.filter((c) => c.ticketPk === issue.pk).map((c) => commentJson(c, users, baseUrl)),
  }));
}
