// Who may do what on a project: the owner, users and groups with levels (collaborators
// limited to branch patterns), site admins, and the canAccess policy hook.
import type { Knex } from 'knex';
import { atLeast, higher, projectRef, type AccessLevel, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import type { ServiceContext } from '../context.js';
import type { UsersService } from '../users/users-service.js';
import { matchesAny } from './fnmatch.js';

/** Who is asking: resolved once per request. */
export interface Viewer {
  user: UserRecord | null;
  siteAdmin: boolean;
}

export interface Grant {
  /** The highest of the owner, direct and group grants; null for none. */
  level: AccessLevel | null;
  /** For collaborators: the branch patterns of every collaborator grant. */
  branches: string[];
}

export class AccessService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly users: UsersService,
  ) {}

  async viewer(user: UserRecord | null): Promise<Viewer> {
    return { user, siteAdmin: await this.users.isSiteAdmin(user) };
  }

  /** Core's rules only: owner, then direct and group grants. */
  async grant(user: UserRecord | null, project: ProjectRecord, db: Knex = this.ctx.db): Promise<Grant> {
    if (!user) return { level: null, branches: [] };
    if (project.userId === user.id) return { level: 'owner', branches: [] };
    const rows = (await db
      .select('access', 'branches')
      .from('project_user_access')
      .where({ project_id: project.id, user_id: user.id })
      .unionAll((q) => {
        q.select('a.access', 'a.branches')
          .from('project_group_access as a')
          .join('group_members as m', 'm.group_id', 'a.group_id')
          .where({ 'a.project_id': project.id, 'm.user_id': user.id });
      })) as Array<{ access: AccessLevel; branches: string[] }>;
    let level: AccessLevel | null = null;
    const branches: string[] = [];
    for (const row of rows) {
      level = higher(level, row.access);
      if (row.access === 'collaborator') branches.push(...row.branches);
    }
    return { level, branches };
  }

  /** As grant(), for several projects in one query: every project of `projects` gets its grant. */
  async grants(user: UserRecord | null, projects: readonly ProjectRecord[]): Promise<Map<number, Grant>> {
    const found = new Map<number, Grant>(
      projects.map((p) => [p.id, { level: user && p.userId === user.id ? 'owner' : null, branches: [] }]),
    );
    const others = projects.filter((p) => user && p.userId !== user.id).map((p) => p.id);
    if (!user || !others.length) return found;
    const rows = (await this.ctx.db
      .select('project_id', 'access', 'branches')
      .from('project_user_access')
      .whereIn('project_id', others)
      .andWhere('user_id', user.id)
      .unionAll((q) => {
        q.select('a.project_id', 'a.access', 'a.branches')
          .from('project_group_access as a')
          .join('group_members as m', 'm.group_id', 'a.group_id')
          .whereIn('a.project_id', others)
          .andWhere('m.user_id', user.id);
      })) as Array<{ project_id: number; access: AccessLevel; branches: string[] }>;
    for (const row of rows) {
      const grant = found.get(row.project_id)!;
      grant.level = higher(grant.level, row.access);
      if (row.access === 'collaborator') grant.branches.push(...row.branches);
    }
    return found;
  }

  /** Whether the viewer may see the project at all: private ones only with some access. */
  async canView(viewer: Viewer, project: ProjectRecord): Promise<boolean> {
    if (!project.private || viewer.siteAdmin) return true;
    return (await this.grant(viewer.user, project)).level !== null;
  }

  /**
   * Limits a query on `projects` to those the viewer may see, in SQL, for listings: public
   * ones, and private ones the viewer owns or has a grant on (directly or through a group).
   */
  visible(query: Knex.QueryBuilder, viewer: Viewer): Knex.QueryBuilder {
    if (viewer.siteAdmin) return query;
    const userId = viewer.user?.id;
    return query.where((q) => {
      q.where('projects.private', false);
      if (userId === undefined) return;
      q.orWhere('projects.user_id', userId)
        .orWhereExists((e) => {
          e.select(this.ctx.db.raw('1'))
            .from('project_user_access as v')
            .whereRaw('v.project_id = projects.id')
            .andWhere('v.user_id', userId);
        })
        .orWhereExists((e) => {
          e.select(this.ctx.db.raw('1'))
            .from('project_group_access as v')
            .join('group_members as vm', 'vm.group_id', 'v.group_id')
            .whereRaw('v.project_id = projects.id')
            .andWhere('vm.user_id', userId);
        });
    });
  }

  /**
   * Whether the viewer holds `needed` on the project (for collaborators and commit: on
   * `branch`). Site admins may do anything. Plugins decide last (canAccess).
   */
  async has(viewer: Viewer, project: ProjectRecord, needed: AccessLevel, branch?: string): Promise<boolean> {
    return this.decide(viewer, project, await this.grant(viewer.user, project), needed, branch);
  }

  /** As has(), with the viewer's grant already looked up (for many checks in a row: a push's refs). */
  async decide(viewer: Viewer, project: ProjectRecord, grant: Grant, needed: AccessLevel, branch?: string): Promise<boolean> {
    if (!viewer.user) return false;
    let allowed = viewer.siteAdmin || atLeast(grant.level, needed);
    if (!allowed && branch !== undefined && needed === 'commit' && grant.level === 'collaborator') {
      allowed = matchesAny(branch, grant.branches);
    }
    const decision = await this.ctx.hooks.canAccess.promise({
      user: { name: viewer.user.name },
      project: projectRef(project),
      level: needed,
      ...(branch === undefined ? {} : { branch }),
      granted: grant.level,
    });
    return decision ?? allowed;
  }

  /** Bodhi's question: may `username` push to `branch`? Unknown users may not. */
  async hasCommit(project: ProjectRecord, username: string, branch: string): Promise<boolean> {
    const user = await this.users.byNameOrEmail(username);
    if (!user) return false;
    return this.has({ user, siteAdmin: false }, project, 'commit', branch);
  }
}
