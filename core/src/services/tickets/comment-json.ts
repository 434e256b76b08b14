// Pagure's comment JSON, for issues and pull requests, with the users of many comments
// loaded in one query.
import type { CommentRecord, UserRecord } from '../../domain/index.js';
import { epochString } from '../json/common.js';
import { userJson, type UserJson } from '../json/user-json.js';
import type { UsersService } from '../users/users-service.js';

export interface CommentJson {
  id: number;
  comment: string;
  parent: number | null;
  date_created: string;
  user: UserJson;
  edited_on: string | null;
  editor: UserJson | null;
  notification: boolean;
  reactions: Record<string, string[]>;
}

/** A pull request's comment adds where it sits, for inline comments. */
export interface PullRequestCommentJson extends CommentJson {
  commit: string | null;
  tree: string | null;
  filename: string | null;
  line: number | null;
}

/** The ids of every user a set of comments names (authors and editors). */
export function commentUserIds(comments: readonly CommentRecord[]): number[] {
  return comments.flatMap((c) => (c.editorId === null ? [c.userId] : [c.userId, c.editorId]));
}

export function commentJson(comment: CommentRecord, users: ReadonlyMap<number, UserRecord>, baseUrl: string): CommentJson {
  const editor = comment.editorId === null ? undefined : users.get(comment.editorId);
  return {
    id: comment.id,
    comment: comment.comment,
    parent: comment.parentId,
    date_created: epochString(comment.createdAt),
    user: userJson(users.get(comment.userId)!, baseUrl),
    edited_on: comment.editedOn ? epochString(comment.editedOn) : null,
    editor: editor ? userJson(editor, baseUrl) : null,
    notification: comment.notification,
    reactions: comment.reactions,
  };
}

/** Pagure orders a pull request's comment keys with the inline fields first. */
export function pullRequestCommentJson(
  comment: CommentRecord,
  users: ReadonlyMap<number, UserRecord>,
  baseUrl: string,
): PullRequestCommentJson {
  const { id, ...rest } = commentJson(comment, users, baseUrl);
  return {
    id,
    commit: comment.commitId ?? null,
    tree: comment.treeId ?? null,
    filename: comment.filename ?? null,
    line: comment.line ?? null,
    ...rest,
  };
}

/** Loads the users of `comments` in one query and returns their JSON. */
export async function commentsJson(
  users: UsersService,
  comments: readonly CommentRecord[],
  baseUrl: string,
  inline: boolean,
): Promise<CommentJson[]> {
  if (!comments.length) return [];
  const byId = await users.byIds([...new Set(commentUserIds(comments))]);
  return comments.map((c) => (inline ? pullRequestCommentJson(c, byId, baseUrl) : commentJson(c, byId, baseUrl)));
}
