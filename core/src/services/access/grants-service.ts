// Changing who has access to a project (Pagure's modifyacls) and listing it (contributors).
import type { Knex } from 'knex';
import { GRANTABLE_LEVELS, projectRef, type GrantableLevel, type ProjectRecord } from '../../domain/index.js';
import { Invalid, NotFound, Unauthorized } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import type { GroupsService } from '../groups/groups-service.js';
import { projectJson } from '../json/project-json.js';
import type { UsersService } from '../users/users-service.js';
import type { AccessService, Viewer } from './access-service.js';
import { checkBranchPatterns } from './fnmatch.js';

function throwError(error: Error): never {
  throw error;
}

export interface GrantChange {
  kind: 'user' | 'group';
  name: string;
  /** null removes the grant. */
  level: GrantableLevel | null;
  /** Branch patterns, for collaborators. */
  branches?: string[] | undefined;
}

interface Contributors {
  admin: string[];
  commit: string[];
  collaborators: Array<{ user: string; branches: string }>;
  ticket: string[];
}

export class GrantsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
  ) {}

  private emit(trx: Knex.Transaction, project: ProjectRecord, topic: string, body: Record<string, unknown>, agent: string) {
    return projectJson(trx, project, { baseUrl: this.ctx.config.url }).then((json) =>
      this.ctx.events.emit(trx, topic, { project: json, ...body }, { agent, project }),
    );
  }

  /** Adds, changes or removes one user's or group's access. Answers what Pagure does for modifyacls. */
  async change(viewer: Viewer, project: ProjectRecord, change: GrantChange): Promise<void> {
    const actor = viewer.user;
    if (!actor) throw Unauthorized('EINVALIDTOK');
    const removingSelf = change.level === null && change.kind === 'user' && change.name === actor.name;
    if (!removingSelf && !(await this.access.has(viewer, project, 'admin'))) throw Unauthorized('EMODIFYPROJECTNOTALLOWED');
    if (change.level !== null && !GRANTABLE_LEVELS.includes(change.level)) {
      throw Invalid('EINVALIDREQ', { errors: { acl: ['Not a valid choice.'] } });
    }
    const branches = change.level === 'collaborator' ? (change.branches ?? []).map((b) => b.trim()).filter(Boolean) : [];
    if (change.level === 'collaborator' && !branches.length) {
      throw Invalid('EINVALIDREQ', { errors: { branches: ['Collaborators need at least one branch pattern'] } });
    }
    checkBranchPatterns('branches', branches);
    const target =
      change.kind === 'user'
        ? ((await this.users.byName(change.name)) ?? throwError(NotFound('ENOUSER')))
        : ((await this.groups.byName(change.name)) ?? throwError(NotFound('ENOGROUP')));
    if (change.level !== null) {
      // Plugins may refuse a grant (dist-git: commit access for packagers only); never a removal.
      const refusal = await this.ctx.hooks.canGrant.promise({
        user: { name: actor.name },
        project: projectRef(project),
        kind: change.kind,
        name: target.name,
        level: change.level,
        branches,
      });
      if (refusal) throw Invalid('ENOCODE', refusal.message);
    }
    await this.ctx.db.transaction((trx) =>
      this.changeRow(trx, project, change.kind, target.id, target.name, change.level, branches, actor.name),
    );
  }

  private async changeRow(
    trx: Knex.Transaction,
    project: ProjectRecord,
    kind: 'user' | 'group',
    id: number,
    name: string,
    level: GrantableLevel | null,
    branches: string[],
    agent: string,
  ): Promise<void> {
    const table = kind === 'user' ? 'project_user_access' : 'project_group_access';
    const key = kind === 'user' ? { project_id: project.id, user_id: id } : { project_id: project.id, group_id: id };
    const who = kind === 'user' ? 'user' : 'group';
    const existing = (await trx(table).where(key).forUpdate().first('access', 'branches')) as
      { access: GrantableLevel; branches: string[] } | undefined;
    const patterns = (list: string[]) => (list.length ? list.join(',') : null);
    if (level === null) {
      if (!existing) {
        // Pagure refuses to remove a user without a grant (the owner included), and ignores groups.
        if (kind === 'user') throw Invalid('EINVALIDREQ', { errors: 'User does not have any access on the repo' });
        return;
      }
      await trx(table).where(key).delete();
      if (kind === 'user') await this.emit(trx, project, 'project.user.removed', { removed_user: name }, agent);
      else await this.emit(trx, project, 'project.group.removed', { removed_groups: [name] }, agent);
      return;
    }
    // The owner's access is implicit and cannot be changed here.
    if (kind === 'user' && id === project.userId) return;
    if (existing && existing.access === level && patterns(existing.branches) === patterns(branches)) return;
    if (existing) {
      await trx(table).where(key).update({ access: level, branches });
      await this.touch(trx, project);
      await this.emit(
        trx,
        project,
        `project.${who}.access.updated`,
        { [`new_${who}`]: name, new_access: level, new_branches: patterns(branches) },
        agent,
      );
    } else {
      await trx(table).insert({ ...key, access: level, branches });
      await this.touch(trx, project);
      await this.emit(trx, project, `project.${who}.added`, { [`new_${who}`]: name, access: level, branches: patterns(branches) }, agent);
    }
  }

  private async touch(trx: Knex.Transaction, project: ProjectRecord): Promise<void> {
    await trx('projects').where({ id: project.id }).update({ updated_at: trx.fn.now() });
  }

  /** Pagure's /contributors: the owner is listed with the admins; collaborators with their patterns. */
  async contributors(project: ProjectRecord): Promise<{ users: Contributors; groups: Contributors }> {
    type Row = { name: string; access: GrantableLevel; branches: string[] };
    const [users, groups] = (await Promise.all([
      this.ctx
        .db('project_user_access as a')
        .join('users as n', 'n.id', 'a.user_id')
        .where('a.project_id', project.id)
        .orderBy('n.name')
        .select('n.name', 'a.access', 'a.branches'),
      this.ctx
        .db('project_group_access as a')
        .join('groups as n', 'n.id', 'a.group_id')
        .where('a.project_id', project.id)
        .orderBy('n.name')
        .select('n.name', 'a.access', 'a.branches'),
    ])) as [Row[], Row[]];
    const sort = (rows: Row[], extraAdmins: string[]): Contributors => ({
      admin: [...extraAdmins, ...rows.filter((r) => r.access === 'admin').map((r) => r.name)].sort(),
      commit: rows.filter((r) => r.access === 'commit').map((r) => r.name),
      collaborators: rows.filter((r) => r.access === 'collaborator').map((r) => ({ user: r.name, branches: r.branches.join(',') })),
      ticket: rows.filter((r) => r.access === 'ticket').map((r) => r.name),
    });
    return { users: sort(users, [project.ownerName]), groups: sort(groups, []) };
  }

  /** Members of every group with access, by group name (Pagure's expand_group). */
  async groupDetails(project: ProjectRecord): Promise<Record<string, string[]>> {
    const rows = (await this.ctx
      .db('project_group_access as a')
      .join('groups as g', 'g.id', 'a.group_id')
      .where('a.project_id', project.id)
      .orderBy('g.name')
      .select('g.id', 'g.name')) as Array<{ id: number; name: string }>;
    const members = await this.groups.members(rows.map((r) => r.id));
    return Object.fromEntries(rows.map((r) => [r.name, members.get(r.id) ?? []]));
  }
}
