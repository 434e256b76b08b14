// Row ↔ record mapping for the core tables: the one place that knows column names.
import type { GroupRecord, GroupType, ProjectRecord, UserRecord } from '../domain/index.js';

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
