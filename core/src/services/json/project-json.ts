// Pagure's project JSON, built for many projects at once: parents, owners, access lists
// and tags come from a fixed number of queries, whatever the number of projects.
import type { Knex } from 'knex';
import { PROJECT_COLUMNS, projectFromRow, queriesOn, USER_COLUMNS, userFromRow, type ProjectRow, type UserRow } from '../../db/index.js';
import { projectFullname, projectUrlPath, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import type { UserEmails } from '../users/users-service.js';
import { epochString, fullUrl } from './common.js';
import { userJson, type UserJson } from './user-json.js';

export interface ProjectJson {
  id: number;
  name: string;
  namespace: string | null;
  fullname: string;
  url_path: string;
  full_url: string;
  description: string | null;
  parent: ProjectJson | null;
  date_created: string;
  date_modified: string;
  user: UserJson;
  access_users: { owner: string[]; admin: string[]; commit: string[]; collaborator: string[]; ticket: string[] };
  access_groups: { admin: string[]; commit: string[]; collaborator: string[]; ticket: string[] };
  tags: string[];
  priorities: Record<string, string>;
  custom_keys: Array<[string, string]>;
  close_status: string[];
  milestones: Record<string, { date: string | null; active: boolean }>;
}

type Level = 'admin' | 'commit' | 'collaborator' | 'ticket';

interface Loaded {
  projects: Map<number, ProjectRecord>;
  users: Map<number, UserRecord>;
  access: Map<number, { users: Record<Level, string[]>; groups: Record<Level, string[]> }>;
  tags: Map<number, string[]>;
  emails: Map<number, UserEmails> | undefined;
  tracker: Map<number, { priorities: Record<string, string>; milestones: Array<{ name: string; date: string | null; active: boolean }>; close_status: string[]; keys: Array<[string, string]> }>;
}

const emptyLevels = (): Record<Level, string[]> => ({ admin: [], commit: [], collaborator: [], ticket: [] });

export interface ProjectJsonOptions {
  baseUrl: string;
  /** Pagure's non-public view (PATCH): owners' emails included. */
  withEmails?: (ids: number[]) => Promise<Map<number, UserEmails>>;
}

async function load(db: Knex, roots: readonly ProjectRecord[], options: ProjectJsonOptions): Promise<Loaded> {
  const projects = new Map(roots.map((p) => [p.id, p]));
  // Parents, grandparents...: one query per generation, usually none or one.
  let missing = [...new Set(roots.map((p) => p.parentId).filter((id): id is number => id !== null && !projects.has(id)))];
  while (missing.length) {
    const rows = (await db('projects').join('users as owner', 'owner.id', 'projects.user_id').whereIn('projects.id', missing).select(...PROJECT_COLUMNS)) as ProjectRow[];
    for (const row of rows) projects.set(row.id, projectFromRow(row));
    missing = [...new Set(rows.map((r) => r.parent_id).filter((id): id is number => id !== null && !projects.has(id)))];
  }
  const ids = [...projects.keys()];
  const ownerIds = [...new Set([...projects.values()].map((p) => p.userId))];
  type Named = Array<{ project_id: number; access: Level; name: string }>;
  type TrackerRow = { id: number; priorities: Record<string, string>; milestones: Array<{ name: string; date: string | null; active: boolean }>; close_status: string[] };
  const [userRows, userAccess, groupAccess, tagRows, emails, trackerRows, keyRows] = await queriesOn<
    [
      Promise<UserRow[]>,
      Promise<Named>,
      Promise<Named>,
      Promise<Array<{ project_id: number; tag: string }>>,
      Promise<Map<number, UserEmails>> | undefined,
      Promise<TrackerRow[]>,
      Promise<Array<{ project_id: number; name: string; key_type: string }>>,
    ]
  >(db, [
    () => db('users').whereIn('id', ownerIds).select(...USER_COLUMNS),
    () => db('project_user_access as a').join('users', 'users.id', 'a.user_id').whereIn('a.project_id', ids).orderBy('users.name').select('a.project_id', 'a.access', 'users.name'),
    () => db('project_group_access as a').join('groups', 'groups.id', 'a.group_id').whereIn('a.project_id', ids).orderBy('groups.name').select('a.project_id', 'a.access', 'groups.name'),
    () => db('project_tags').whereIn('project_id', ids).orderBy(['project_id', 'tag']).select('project_id', 'tag'),
    () => options.withEmails?.(ownerIds),
    () => db('projects').whereIn('id', ids).select('id', 'priorities', 'milestones', 'close_status'),
    () => db('issue_keys').whereIn('project_id', ids).orderBy(['project_id', 'name']).select('project_id', 'name', 'key_type'),
  ]);
  const tracker: Loaded['tracker'] = new Map(trackerRows.map((r) => [r.id, { priorities: r.priorities ?? {}, milestones: r.milestones ?? [], close_status: r.close_status ?? [], keys: [] }]));
  for (const key of keyRows) tracker.get(key.project_id)?.keys.push([key.name, key.key_type]);
  const access = new Map(ids.map((id) => [id, { users: emptyLevels(), groups: emptyLevels() }]));
  for (const row of userAccess) access.get(row.project_id)!.users[row.access].push(row.name);
  for (const row of groupAccess) access.get(row.project_id)!.groups[row.access].push(row.name);
  const tags = new Map<number, string[]>();
  for (const row of tagRows) tags.set(row.project_id, [...(tags.get(row.project_id) ?? []), row.tag]);
  return { projects, users: new Map(userRows.map((r) => [r.id, userFromRow(r)])), access, tags, emails, tracker };
}

function build(project: ProjectRecord, loaded: Loaded, baseUrl: string): ProjectJson {
  const owner = loaded.users.get(project.userId)!;
  const access = loaded.access.get(project.id)!;
  const parent = project.parentId !== null ? loaded.projects.get(project.parentId) : undefined;
  return {
    id: project.id,
    name: project.name,
    namespace: project.namespace,
    fullname: projectFullname(project),
    url_path: projectUrlPath(project),
    full_url: fullUrl(baseUrl, projectUrlPath(project)),
    description: project.description || null,
    parent: parent ? build(parent, loaded, baseUrl) : null,
    date_created: epochString(project.createdAt),
    date_modified: epochString(project.updatedAt),
    user: userJson(owner, baseUrl, loaded.emails?.get(owner.id)),
    // One row per user or group, so each list already holds each name once.
    access_users: { owner: [owner.name], ...access.users },
    access_groups: access.groups,
    tags: loaded.tags.get(project.id) ?? [],
    priorities: loaded.tracker.get(project.id)?.priorities ?? {},
    custom_keys: loaded.tracker.get(project.id)?.keys ?? [],
    close_status: loaded.tracker.get(project.id)?.close_status ?? [],
    milestones: Object.fromEntries((loaded.tracker.get(project.id)?.milestones ?? []).map((m) => [m.name, { date: m.date, active: m.active }])),
  };
}

/** The JSON of each project, in the order given. */
export async function projectsJson(db: Knex, projects: readonly ProjectRecord[], options: ProjectJsonOptions): Promise<ProjectJson[]> {
  if (!projects.length) return [];
  const loaded = await load(db, projects, options);
  return projects.map((p) => build(p, loaded, options.baseUrl));
}

export async function projectJson(db: Knex, project: ProjectRecord, options: ProjectJsonOptions): Promise<ProjectJson> {
  return (await projectsJson(db, [project], options))[0]!;
}
