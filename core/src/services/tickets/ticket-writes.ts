// Writes issues and pull requests share: their tags (links to the project's ticket tags)
// and the check before a comment is edited. Each takes the tables of its kind of ticket.
import type { Knex } from 'knex';
import type { CommentRow } from '../../db/index.js';
import { LIMITS, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import { Forbidden, Invalid, NotFound } from '../../errors/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { UsersService } from '../users/users-service.js';
import { checkLengths } from '../input-limits.js';

export interface TicketTables {
  /** issue_tag_links or pull_request_tag_links. */
  tagLinks: string;
  /** issue_comments or pull_request_comments. */
  comments: string;
}

export const ISSUE_TABLES: TicketTables = { tagLinks: 'issue_tag_links', comments: 'issue_comments' };
export const PULL_REQUEST_TABLES: TicketTables = { tagLinks: 'pull_request_tag_links', comments: 'pull_request_comments' };

/** Links tags to a ticket, creating the project's missing tags as Pagure does. */
export async function linkTags(
  trx: Knex.Transaction,
  tables: TicketTables,
  projectId: number,
  ticketPk: number,
  names: readonly string[],
): Promise<void> {
  if (!names.length) return;
  await trx('ticket_tags')
    .insert(names.map((tag) => ({ project_id: projectId, tag })))
    .onConflict(['project_id', 'tag'])
    .ignore();
  const ids = (await trx('ticket_tags')
    .where({ project_id: projectId })
    .whereIn('tag', [...names])
    .pluck('id')) as number[];
  await trx(tables.tagLinks)
    .insert(ids.map((tag_id) => ({ ticket_pk: ticketPk, tag_id })))
    .onConflict(['ticket_pk', 'tag_id'])
    .ignore();
}

/** Makes `wanted` a ticket's tags; answers what was added and removed, each sorted. */
export async function replaceTags(
  trx: Knex.Transaction,
  tables: TicketTables,
  projectId: number,
  ticketPk: number,
  wanted: readonly string[],
): Promise<{ added: string[]; removed: string[] }> {
  const unique = [...new Set(wanted)];
  const current = (await trx(`${tables.tagLinks} as l`)
    .join('ticket_tags as t', 't.id', 'l.tag_id')
    .where('l.ticket_pk', ticketPk)
    .pluck('t.tag')) as string[];
  const added = unique.filter((t) => !current.includes(t)).sort();
  const removed = current.filter((t) => !unique.includes(t)).sort();
  if (removed.length) {
    await trx(tables.tagLinks)
      .where('ticket_pk', ticketPk)
      .whereIn('tag_id', trx('ticket_tags').where({ project_id: projectId }).whereIn('tag', removed).select('id'))
      .delete();
  }
  await linkTags(trx, tables, projectId, ticketPk, added);
  return { added, removed };
}

/**
 * Whether `viewer` may replace comment `id` of a ticket with `text`: a non-empty text, a
 * comment of that ticket, and its author or anyone with commit access (the forge's own
 * notes stay as written). Answers the users the edited comment's JSON names. Run before
 * the transaction: its one connection is all an embedded database has.
 */
export async function checkCommentEdit(
  deps: { db: Knex; access: AccessService; users: UsersService },
  tables: TicketTables,
  viewer: Viewer,
  project: ProjectRecord,
  ticketPk: number,
  id: number,
  text: string,
): Promise<Map<number, UserRecord>> {
  const user = viewer.user!;
  if (!text) throw Invalid('EINVALIDREQ', { errors: { comment: ['This field is required.'] } });
  checkLengths([['comment', text, LIMITS.text]]);
  const found = (await deps.db(tables.comments).where({ ticket_pk: ticketPk, id }).first()) as CommentRow | undefined;
  if (!found) throw NotFound('ENOCOMMENT');
  const mayEdit =
    !found.notification && (found.user_id === user.id || viewer.siteAdmin || (await deps.access.has(viewer, project, 'commit')));
  if (!mayEdit) throw Forbidden('ENOTHIGHENOUGH');
  return deps.users.byIds([found.user_id, user.id]);
}

/** The reactions Pagure offers on comments. */
export const REACTIONS = ['Thumbs up', 'Thumbs down', 'Confused', 'Heart'] as const;

/** Adds `username` to a comment's reaction, or removes them if already there. */
export async function toggleReaction(
  db: Knex,
  tables: TicketTables,
  ticketPk: number,
  commentId: number,
  username: string,
  reaction: string,
): Promise<void> {
  if (!(REACTIONS as readonly string[]).includes(reaction))
    throw Invalid('EINVALIDREQ', { errors: { reaction: [`One of: ${REACTIONS.join(', ')}`] } });
  await db.transaction(async (trx) => {
    const found = (await trx(tables.comments).where({ ticket_pk: ticketPk, id: commentId }).forUpdate().first('reactions')) as
      { reactions: Record<string, string[]> } | undefined;
    if (!found) throw NotFound('ENOCOMMENT');
    const reactions = { ...found.reactions };
    const users = reactions[reaction] ?? [];
    reactions[reaction] = users.includes(username) ? users.filter((u) => u !== username) : [...users, username];
    if (!reactions[reaction].length) delete reactions[reaction];
    await trx(tables.comments)
      .where({ ticket_pk: ticketPk, id: commentId })
      .update({ reactions: JSON.stringify(reactions) });
  });
}
