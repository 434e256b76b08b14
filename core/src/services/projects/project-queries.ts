// Finding projects: by their path, and listings with Pagure's filters, all limited to
// what the viewer may see.
import type { Knex } from 'knex';
import { PROJECT_COLUMNS, projectFromRow, type ProjectRow } from '../../db/index.js';
import { projectFullname, type GrantableLevel, type ProjectRecord } from '../../domain/index.js';
import { NotFound } from '../../errors/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import { likePattern } from '../users/users-service.js';

/** A project as the URL names it: [fork/<forkOwner>/][<namespace>/]<name>. */
export interface ProjectPath {
  name: string;
  namespace: string | null;
  forkOwner: string | null;
}

export interface ProjectFilters {
  /** Projects carrying any of these tags. */
  tags?: string[] | undefined;
  /** Pagure's pattern: with a `*`, a case-insensitive glob on the name; without, the exact name. */
  pattern?: string | undefined;
  /** Projects the user owns or commits to (directly, or through a group of type "user"). */
  username?: string | undefined;
  /** "alice": owned by alice; "!alice": owned by anyone else. */
  owner?: string | undefined;
  namespace?: string | undefined;
  /** true: forks only; false: main projects only. */
  fork?: boolean | undefined;
  /** Forks of this project. */
  parentId?: number | undefined;
}

export interface Page {
  offset: number;
  limit: number;
}

export interface ShortProject {
  name: string;
  namespace: string | null;
  fullname: string;
  description: string;
}

/** The levels that make someone one of a project's people, for ?username= (ticket does not). */
const CONTRIBUTOR_LEVELS: GrantableLevel[] = ['admin', 'commit', 'collaborator'];

export class ProjectQueries {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
  ) {}

  private base(db: Knex = this.ctx.db): Knex.QueryBuilder {
    return db('projects').join('users as owner', 'owner.id', 'projects.user_id');
  }

  async byId(id: number, db: Knex = this.ctx.db): Promise<ProjectRecord | undefined> {
    const row = (await this.base(db)
      .where('projects.id', id)
      .first(...PROJECT_COLUMNS)) as ProjectRow | undefined;
    return row && projectFromRow(row);
  }

  /** Several projects by id, in no particular order: one query. */
  async byIds(ids: readonly number[], db: Knex = this.ctx.db): Promise<ProjectRecord[]> {
    if (!ids.length) return [];
    const rows = (await this.base(db)
      .whereIn('projects.id', [...new Set(ids)])
      .select(...PROJECT_COLUMNS)) as ProjectRow[];
    return rows.map(projectFromRow);
  }

  /** Names and namespaces compare without case; a fork's owner exactly. */
  async find(path: ProjectPath, db: Knex = this.ctx.db): Promise<ProjectRecord | undefined> {
    const query = this.base(db)
      .whereRaw('lower(projects.name) = lower(?)', [path.name])
      .whereRaw("lower(coalesce(projects.namespace, '')) = lower(?)", [path.namespace ?? ''])
      .andWhere('projects.is_fork', path.forkOwner !== null);
    if (path.forkOwner !== null) query.andWhere('owner.name', path.forkOwner);
    const row = (await query.first(...PROJECT_COLUMNS)) as ProjectRow | undefined;
    return row && projectFromRow(row);
  }

  /**
   * Several projects by path, matched as find() matches one, in one query; with `viewer`, only
   * those the viewer may see. The answer maps the index of each path found to its project.
   */
  async findMany(paths: readonly ProjectPath[], viewer?: Viewer): Promise<Map<number, ProjectRecord>> {
    const found = new Map<number, ProjectRecord>();
    if (!paths.length) return found;
    const values = paths.map(() => '(?::int, ?, ?, ?)').join(', ');
    const bindings = paths.flatMap((p, i) => [i, p.name, p.namespace ?? '', p.forkOwner ?? '']);
    const query = this.base().joinRaw(
      `join (values ${values}) as wanted(i, name, namespace, fork_owner)
         on lower(projects.name) = lower(wanted.name)
        and lower(coalesce(projects.namespace, '')) = lower(wanted.namespace)
        and projects.is_fork = (wanted.fork_owner <> '')
        and (wanted.fork_owner = '' or owner.name = wanted.fork_owner)`,
      bindings,
    );
    const rows = (await (viewer ? this.access.visible(query, viewer) : query).select(
      'wanted.i as wanted_index',
      ...PROJECT_COLUMNS,
    )) as Array<ProjectRow & { wanted_index: number }>;
    for (const row of rows) if (!found.has(row.wanted_index)) found.set(row.wanted_index, projectFromRow(row));
    return found;
  }

  /** The project, if the viewer may see it; otherwise 404 ENOPROJECT, whether it exists or not. */
  async requireVisible(viewer: Viewer, path: ProjectPath): Promise<ProjectRecord> {
    const project = await this.find(path);
    if (!project || !(await this.access.canView(viewer, project))) throw NotFound('ENOPROJECT');
    return project;
  }

  /** The filtered projects; joined with their owner only when `withOwner` or an owner filter needs it. */
  private filtered(viewer: Viewer, filters: ProjectFilters, withOwner = true): Knex.QueryBuilder {
    const db = this.ctx.db;
    const from = withOwner || filters.owner ? this.base() : db('projects');
    const query = this.access.visible(from, viewer);
    if (filters.tags?.length) {
      query.whereExists((q) => {
        q.select(db.raw('1')).from('project_tags as t').whereRaw('t.project_id = projects.id').whereIn('t.tag', filters.tags!);
      });
    }
    if (filters.pattern) {
      if (filters.pattern.includes('*')) query.whereRaw('lower(projects.name) like lower(?)', [likePattern(filters.pattern)]);
      else query.where('projects.name', filters.pattern);
    }
    if (filters.namespace) query.where('projects.namespace', filters.namespace);
    if (filters.fork !== undefined) query.where('projects.is_fork', filters.fork);
    if (filters.parentId !== undefined) query.where('projects.parent_id', filters.parentId);
    if (filters.owner) {
      if (filters.owner.startsWith('!')) query.whereNot('owner.name', filters.owner.slice(1));
      else query.where('owner.name', filters.owner);
    }
    if (filters.username) {
      const username = filters.username;
      const userId = db('users').where('name', username).select('id');
      query.whereIn(
        'projects.id',
        db
          .select('p.id')
          .from('projects as p')
          .whereIn('p.user_id', userId)
          .union((u) => {
            u.select('a.project_id').from('project_user_access as a').whereIn('a.user_id', userId).whereIn('a.access', CONTRIBUTOR_LEVELS);
          })
          .union((u) => {
            u.select('a.project_id')
              .from('project_group_access as a')
              .join('groups as g', 'g.id', 'a.group_id')
              .join('group_members as m', 'm.group_id', 'g.id')
              .where('g.group_type', 'user')
              .whereIn('m.user_id', userId)
              .whereIn('a.access', CONTRIBUTOR_LEVELS);
          }),
      );
    }
    return query;
  }

  async count(viewer: Viewer, filters: ProjectFilters): Promise<number> {
    const [row] = (await this.filtered(viewer, filters, false).count<Array<{ count: number }>>('projects.id as count')) as [
      { count: number },
    ];
    return Number(row.count);
  }

  /** A page of projects by lower-case name. */
  async list(viewer: Viewer, filters: ProjectFilters, page: Page): Promise<ProjectRecord[]> {
    const rows = (await this.filtered(viewer, filters)
      .orderByRaw('lower(projects.name), projects.id')
      .offset(page.offset)
      .limit(page.limit)
      .select(...PROJECT_COLUMNS)) as ProjectRow[];
    return rows.map(projectFromRow);
  }

  /** Pagure's short listing: name, namespace, fullname (with "fork/" for forks), description. */
  async listShort(viewer: Viewer, filters: ProjectFilters, page: Page): Promise<ShortProject[]> {
    const rows = (await this.filtered(viewer, filters)
      .orderByRaw('lower(projects.name), projects.id')
      .offset(page.offset)
      .limit(page.limit)
      .select('projects.name', 'projects.namespace', 'projects.is_fork', 'owner.name as owner_name', 'projects.description')) as Array<{
      name: string;
      namespace: string | null;
      is_fork: boolean;
      owner_name: string;
      description: string;
    }>;
    return rows.map((row) => ({
      name: row.name,
      namespace: row.namespace,
      fullname: projectFullname({ name: row.name, namespace: row.namespace, isFork: row.is_fork, ownerName: row.owner_name }).replace(
        /^forks\//,
        'fork/',
      ),
      description: row.description,
    }));
  }

  /** Projects a group has access to (at one of `levels`, or any), for /group/<name>?projects=1. */
  async ofGroup(
    viewer: Viewer,
    groupId: number,
    levels: readonly GrantableLevel[] | undefined,
    page: Page,
  ): Promise<{ total: number; projects: ProjectRecord[] }> {
    const query = this.access
      .visible(this.base(), viewer)
      .join('project_group_access as ga', 'ga.project_id', 'projects.id')
      .where('ga.group_id', groupId);
    if (levels) query.whereIn('ga.access', levels);
    const [row] = (await query.clone().count<Array<{ count: number }>>('projects.id as count')) as [{ count: number }];
    const rows = (await query
      .orderByRaw('lower(projects.namespace) desc nulls first, lower(projects.name), projects.id')
      .offset(page.offset)
      .limit(page.limit)
      .select(...PROJECT_COLUMNS)) as ProjectRow[];
    return { total: Number(row.count), projects: rows.map(projectFromRow) };
  }
}
