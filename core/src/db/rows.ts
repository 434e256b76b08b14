// Row ↔ record mapping for the core tables: the one place that knows column names.
import type {
  CommentRecord,
  GroupRecord,
  GroupType,
  IssueRecord,
  IssueStatus,
  MergeStatus,
  ProjectRecord,
  PullRequestRecord,
  PullRequestStatus,
  TicketRecord,
  UserRecord,
} from '../domain/index.js';

export interface UserRow {
  id: number;
  name: string;
  fullname: string;
  is_admin: boolean;
  created_at: Date;
}

export const USER_COLUMNS = ['users.id', 'users.name', 'users.fullname', 'users.is_admin', 'users.created_at'] as const;

export function userFromRow(row: UserRow): UserRecord {
  return { id: row.id, name: row.name, fullname: row.fullname, isAdmin: row.is_admin, createdAt: row.created_at };
}

export interface GroupRow {
  id: number;
  name: string;
  display_name: string;
  description: string;
  group_type: GroupType;
  creator_id: number;
  created_at: Date;
}

export function groupFromRow(row: GroupRow): GroupRecord {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    groupType: row.group_type,
    creatorId: row.creator_id,
    createdAt: row.created_at,
  };
}

export interface ProjectRow {
  id: number;
  name: string;
  namespace: string | null;
  user_id: number;
  owner_name: string;
  parent_id: number | null;
  is_fork: boolean;
  private: boolean;
  description: string;
  url: string;
  avatar_email: string | null;
  mirrored_from: string | null;
  settings: Record<string, unknown>;
  block_users: string[];
  created_at: Date;
  updated_at: Date;
}

/** Select list for projects joined with their owner (`join users as owner`). */
export const PROJECT_COLUMNS = [
  'projects.id',
  'projects.name',
  'projects.namespace',
  'projects.user_id',
  'owner.name as owner_name',
  'projects.parent_id',
  'projects.is_fork',
  'projects.private',
  'projects.description',
  'projects.url',
  'projects.avatar_email',
  'projects.mirrored_from',
  'projects.settings',
  'projects.block_users',
  'projects.created_at',
  'projects.updated_at',
] as const;

export function projectFromRow(row: ProjectRow): ProjectRecord {
  return {
    id: row.id,
    name: row.name,
    namespace: row.namespace,
    userId: row.user_id,
    ownerName: row.owner_name,
    parentId: row.parent_id,
    isFork: row.is_fork,
    private: row.private,
    description: row.description,
    url: row.url,
    avatarEmail: row.avatar_email,
    mirroredFrom: row.mirrored_from,
    settings: row.settings ?? {},
    blockUsers: row.block_users ?? [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// ---- tickets: issues and pull requests ----

interface TicketRow {
  pk: number;
  project_id: number;
  id: number;
  uid: string;
  title: string;
  user_id: number;
  assignee_id: number | null;
  closed_by_id: number | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface IssueRow extends TicketRow {
  content: string;
  status: IssueStatus;
  close_status: string | null;
  private: boolean;
  priority: number | null;
  milestone: string | null;
}

export interface PullRequestRow extends TicketRow {
  branch: string;
  project_from_id: number | null;
  remote_git: string | null;
  branch_from: string;
  commit_start: string | null;
  commit_stop: string | null;
  initial_comment: string | null;
  merge_status: MergeStatus | null;
  allow_rebase: boolean;
  status: PullRequestStatus;
  updated_on: Date;
}

export interface CommentRow {
  id: number;
  ticket_pk: number;
  comment: string;
  parent_id: number | null;
  user_id: number;
  notification: boolean;
  edited_on: Date | null;
  editor_id: number | null;
  reactions: Record<string, string[]> | null;
  created_at: Date;
  commit_id?: string | null;
  tree_id?: string | null;
  filename?: string | null;
  line?: number | null;
}

function ticketFromRow(row: TicketRow): TicketRecord {
  return {
    pk: row.pk,
    projectId: row.project_id,
    id: row.id,
    uid: row.uid,
    title: row.title,
    userId: row.user_id,
    assigneeId: row.assignee_id,
    closedById: row.closed_by_id,
    closedAt: row.closed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function issueFromRow(row: IssueRow): IssueRecord {
  return {
    ...ticketFromRow(row),
    content: row.content,
    status: row.status,
    closeStatus: row.close_status,
    private: row.private,
    priority: row.priority,
    milestone: row.milestone,
  };
}

export function pullRequestFromRow(row: PullRequestRow): PullRequestRecord {
  return {
    ...ticketFromRow(row),
    branch: row.branch,
    projectFromId: row.project_from_id,
    remoteGit: row.remote_git,
    branchFrom: row.branch_from,
    commitStart: row.commit_start,
    commitStop: row.commit_stop,
    initialComment: row.initial_comment,
    mergeStatus: row.merge_status,
    allowRebase: row.allow_rebase,
    status: row.status,
    updatedOn: row.updated_on,
  };
}

export function commentFromRow(row: CommentRow): CommentRecord {
  const record: CommentRecord = {
    id: row.id,
    ticketPk: row.ticket_pk,
    comment: row.comment,
    parentId: row.parent_id,
    userId: row.user_id,
    notification: row.notification,
    editedOn: row.edited_on,
    editorId: row.editor_id,
    reactions: row.reactions ?? {},
    createdAt: row.created_at,
  };
  if (row.commit_id !== undefined) {
    record.commitId = row.commit_id;
    record.treeId = row.tree_id ?? null;
    record.filename = row.filename ?? null;
    record.line = row.line ?? null;
  }
  return record;
}
