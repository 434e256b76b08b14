// Pagure's project JSON, built for many projects at once: parents, owners, access lists
// and tags come from two queries (plus one per generation of parents), whatever the number of projects.
import type { Knex } from 'knex';
import { jsonList, PROJECT_COLUMNS, projectFromRow, queriesOn, type ProjectRow } from '../../db/index.js';
import { projectFullname, projectUrlPath, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import type { ProjectPayload } from '../../plugins/event-payloads.js';
import type { UserEmails } from '../users/users-service.js';
import { epochString, fullUrl } from './common.js';
import { userJson } from './user-json.js';

/** Pagure's project JSON: the shape the events carry too (plugins/event-payloads.ts). */
export type ProjectJson = ProjectPayload;

type Level = 'admin' | 'commit' | 'collaborator' | 'ticket';

interface Loaded {
  projects: Map<number, ProjectRecord>;
  users: Map<number, UserRecord>;
  access: Map<number, { users: Record<Level, string[]>; groups: Record<Level, string[]> }>;
  tags: Map<number, string[]>;
  emails: Map<number, UserEmails> | undefined;
  tracker: Map<
    number,
    {
      priorities: Record<string, string>;
      milestones: Array<{ name: string; date: string | null; active: boolean }>;
      close_status: string[];
      keys: Array<[string, string]>;
    }
  >;
}

interface DetailRow {
  id: number;
  priorities: Record<string, string> | null;
  milestones: Array<{ name: string; date: string | null; active: boolean }> | null;
  close_status: string[] | null;
  owner_id: number;
  owner_name: string;
  owner_fullname: string;
  owner_is_admin: boolean;
  owner_created_at: Date;
  user_access: Array<[Level, string]>;
  group_access: Array<[Level, string]>;
  tags: string[];
  custom_keys: Array<[string, string]>;
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
    const rows = (await db('projects')
      .join('users as owner', 'owner.id', 'projects.user_id')
      .whereIn('projects.id', missing)
      .select(...PROJECT_COLUMNS)) as ProjectRow[];
    for (const row of rows) projects.set(row.id, projectFromRow(row));
    missing = [...new Set(rows.map((r) => r.parent_id).filter((id): id is number => id !== null && !projects.has(id)))];
  }
  const ids = [...projects.keys()];
  const ownerIds = [...new Set([...projects.values()].map((p) => p.userId))];
  // Everything else in one round trip: each list is aggregated next to its project.
  const [rows, emails] = await queriesOn<[Promise<DetailRow[]>, Promise<Map<number, UserEmails>> | undefined]>(db, [
    () =>
      db('projects as p')
        .join('users as owner', 'owner.id', 'p.user_id')
        .whereIn('p.id', ids)
        .select(
          'p.id',
          'p.priorities',
          'p.milestones',
          'p.close_status',
          'owner.id as owner_id',
          'owner.name as owner_name',
          'owner.fullname as owner_fullname',
          'owner.is_admin as owner_is_admin',
          'owner.created_at as owner_created_at',
          {
            user_access: jsonList(
              db,
              'select json_agg(json_build_array(a.access, u.name) order by u.name) from project_user_access a join users u on u.id = a.user_id where a.project_id = p.id',
            ),
            group_access: jsonList(
              db,
              'select json_agg(json_build_array(a.access, g.name) order by g.name) from project_group_access a join groups g on g.id = a.group_id where a.project_id = p.id',
            ),
            tags: jsonList(db, 'select json_agg(t.tag order by t.tag) from project_tags t where t.project_id = p.id'),
            custom_keys: jsonList(
              db,
              'select json_agg(json_build_array(k.name, k.key_type) order by k.name) from issue_keys k where k.project_id = p.id',
            ),
          },
        ) as Promise<DetailRow[]>,
    () => options.withEmails?.(ownerIds),
  ]);
  const users = new Map<number, UserRecord>();
  const access: Loaded['access'] = new Map();
  const tags: Loaded['tags'] = new Map();
  const tracker: Loaded['tracker'] = new Map();
  for (const r of rows) {
    users.set(r.owner_id, {
      id: r.owner_id,
      name: r.owner_name,
      fullname: r.owner_fullname,
      isAdmin: r.owner_is_admin,
      createdAt: r.owner_created_at,
    });
    const levels = { users: emptyLevels(), groups: emptyLevels() };
    for (const [level, name] of r.user_access) levels.users[level].push(name);
    for (const [level, name] of r.group_access) levels.groups[level].push(name);
    access.set(r.id, levels);
    tags.set(r.id, r.tags);
    tracker.set(r.id, {
      priorities: r.priorities ?? {},
      milestones: r.milestones ?? [],
      close_status: r.close_status ?? [],
      keys: r.custom_keys,
    });
  }
  return { projects, users, access, tags, emails, tracker };
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
    milestones: Object.fromEntries(
      (loaded.tracker.get(project.id)?.milestones ?? []).map((m) => [m.name, { date: m.date, active: m.active }]),
    ),
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
