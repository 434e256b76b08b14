// What the /_dg endpoints do, whoever asks (a token or the theme's forms): a package's
// monitoring, its Bugzilla assignees, orphaning it, taking it, giving it, whether it is
// retired. Each change commits with the extras' version in one transaction.
import {
  Forbidden,
  Invalid,
  NotFound,
  Unauthorized,
  type ForgeApi,
  type ForgeContext,
  type ProjectRecord,
  type UserRecord,
  type Viewer,
} from '@pagurus/core';
import { isMonitoringStatus, isOrphanReason, MONITORING_STATUSES, ORPHAN_REASONS, type MonitoringStatus } from './monitoring.js';
import type { DistgitOptions } from './options.js';
import { changePackage, packageState, type PackageState } from './store.js';

export interface Overrides {
  fedora_assignee: string | null;
  epel_assignee: string | null;
}

export interface OrphanStatus {
  orphan: boolean;
  reason: string;
  reason_info: string;
}

/** Longest free text kept with an orphan reason. */
const REASON_INFO_MAX = 2000;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value.trim() : undefined);

function invalid(field: string, message: string): never {
  throw Invalid('EINVALIDREQ', { errors: { [field]: [message] } });
}

export class Packages {
  constructor(
    private readonly forge: ForgeApi,
    private readonly options: DistgitOptions,
  ) {}

  /** The package at `<namespace>/<name>` the viewer may see; 404 ENOPROJECT otherwise (forks are no packages). */
  async find(viewer: Viewer, namespace: string, name: string): Promise<ProjectRecord> {
    const project = this.isNamespace(namespace) ? await this.forge.services.projects.find(`${namespace}/${name}`) : undefined;
    if (!project || project.isFork || !(await this.forge.services.access.canView(viewer, project))) throw NotFound('ENOPROJECT');
    return project;
  }

  /** The plugin's logger. */
  get log(): ForgeApi['log'] {
    return this.forge.log;
  }

  /** Whether the viewer may upload sources of the package to the lookaside cache: its committers. */
  async canUpload(viewer: Viewer, project: ProjectRecord): Promise<boolean> {
    return viewer.user !== null && this.forge.services.access.has(viewer, project, 'commit');
  }

  /** Who asks: the request's user (by token), as a Viewer. */
  viewer(ctx: ForgeContext): Promise<Viewer> {
    return this.forge.services.access.viewer(ctx.state.user ?? null);
  }

  isNamespace(namespace: string | null): boolean {
    return namespace !== null && this.options.namespaces.includes(namespace);
  }

  /** Whether the project is a package: in a dist-git namespace, and no fork. */
  isPackage(project: { namespace: string | null; isFork?: boolean; forkOf?: string | null }): boolean {
    return this.isNamespace(project.namespace) && !project.isFork && !project.forkOf;
  }

  /** What the viewer is for dist-git, from one look at their groups (site admins count as releng). */
  async roles(viewer: Viewer): Promise<{ packager: boolean; releng: boolean }> {
    const groups = new Set(viewer.user ? await this.forge.services.groups.namesOf(viewer.user) : []);
    return { packager: groups.has(this.options.packager_group), releng: viewer.siteAdmin || groups.has(this.options.releng_group) };
  }

  async isPackager(user: UserRecord): Promise<boolean> {
    return this.forge.services.groups.isMember(this.options.packager_group, user);
  }

  /** Site admins and release engineering may orphan and give any package. */
  async isReleng(viewer: Viewer): Promise<boolean> {
    return (
      viewer.siteAdmin || (viewer.user !== null && (await this.forge.services.groups.isMember(this.options.releng_group, viewer.user)))
    );
  }

  private requireUser(viewer: Viewer): UserRecord {
    if (!viewer.user) throw Unauthorized('EINVALIDTOK');
    return viewer.user;
  }

  private async requireLevel(viewer: Viewer, project: ProjectRecord, level: 'commit' | 'admin'): Promise<void> {
    this.requireUser(viewer);
    if (!(await this.forge.services.access.has(viewer, project, level))) throw Unauthorized('EMODIFYPROJECTNOTALLOWED');
  }

  /** What dist-git keeps about the package: one query, for the answers below to share. */
  state(project: ProjectRecord): Promise<PackageState> {
    return packageState(this.forge.db, project.id);
  }

  async monitoring(project: ProjectRecord, state?: PackageState): Promise<MonitoringStatus> {
    return (state ?? (await this.state(project))).monitoring ?? 'no-monitoring';
  }

  /** Committers set the monitoring (the-new-hotness reads it). */
  async setMonitoring(viewer: Viewer, project: ProjectRecord, status: unknown): Promise<MonitoringStatus> {
    await this.requireLevel(viewer, project, 'commit');
    if (!isMonitoringStatus(status)) invalid('anitya_status', `Not a valid choice: one of ${MONITORING_STATUSES.join(', ')}`);
    await this.forge.db.transaction((trx) => changePackage(trx, project.id, { monitoring: status }));
    return status;
  }

  async overrides(project: ProjectRecord, state?: PackageState): Promise<Overrides> {
    const { fedoraAssignee, epelAssignee } = state ?? (await this.state(project));
    return { fedora_assignee: fedoraAssignee, epel_assignee: epelAssignee };
  }

  /**
   * Admins set who Bugzilla assigns the package's bugs to, per product: a user who commits to
   * the package or "@group" for an existing group; empty or null resets to the main admin. A
   * key left out keeps its value.
   */
  async setOverrides(viewer: Viewer, project: ProjectRecord, body: Record<string, unknown>): Promise<Overrides> {
    await this.requireLevel(viewer, project, 'admin');
    const change: { fedoraAssignee?: string | null; epelAssignee?: string | null } = {};
    for (const [field, key] of [
      ['fedora_assignee', 'fedoraAssignee'],
      ['epel_assignee', 'epelAssignee'],
    ] as const) {
      if (!(field in body)) continue;
      const raw = body[field];
      if (raw !== null && typeof raw !== 'string') invalid(field, 'Not a user name or @group');
      change[key] = await this.assignee(project, field, text(raw) || null);
    }
    await this.forge.db.transaction((trx) => changePackage(trx, project.id, change));
    return this.overrides(project);
  }

  private async assignee(project: ProjectRecord, field: string, name: string | null): Promise<string | null> {
    if (name === null) return null;
    const { services } = this.forge;
    if (name.startsWith('@')) {
      if ((await services.groups.members(name.slice(1))) === undefined) invalid(field, `No such group: ${name.slice(1)}`);
      return name;
    }
    const user = await services.users.byName(name);
    if (!user) invalid(field, `No such user: ${name}`);
    if (!(await services.access.has(await services.access.viewer(user), project, 'commit')))
      invalid(field, `${name} does not have commit access to ${project.namespace}/${project.name}`);
    return user.name;
  }

  async orphanStatus(project: ProjectRecord, known?: PackageState): Promise<OrphanStatus> {
    const state = known ?? (await this.state(project));
    const orphan = project.ownerName === this.options.orphan_user;
    return { orphan, reason: orphan ? (state.orphanReason ?? '') : '', reason_info: orphan ? (state.orphanReasonInfo ?? '') : '' };
  }

  /** The package's admins (and releng) give it to the orphan user, saying why; orphaning again changes the reason. */
  async orphan(viewer: Viewer, project: ProjectRecord, body: Record<string, unknown>): Promise<OrphanStatus> {
    const user = this.requireUser(viewer);
    if (!(await this.isReleng(viewer)) && !(await this.forge.services.access.has(viewer, project, 'admin')))
      throw Unauthorized('EMODIFYPROJECTNOTALLOWED');
    const reason = body.orphan_reason;
    if (!isOrphanReason(reason)) invalid('orphan_reason', `Not a valid choice: one of ${ORPHAN_REASONS.join(', ')}`);
    const info = body.orphan_reason_info ?? '';
    if (typeof info !== 'string') invalid('orphan_reason_info', 'Not a text');
    if (info.length > REASON_INFO_MAX) invalid('orphan_reason_info', `At most ${REASON_INFO_MAX} characters`);
    const orphanUser = await this.orphanUser();
    await this.forge.db.transaction(async (trx) => {
      await this.forge.services.projects.setMainAdmin(project, orphanUser, { agent: user, trx });
      await changePackage(trx, project.id, { orphanReason: reason, orphanReasonInfo: info.trim() });
    });
    this.forge.log.info({ project: `${project.namespace}/${project.name}`, by: user.name, reason }, 'package orphaned');
    return { orphan: true, reason, reason_info: info.trim() };
  }

  /** A packager takes an orphaned package: they become its main admin. */
  async take(viewer: Viewer, project: ProjectRecord): Promise<{ point_of_contact: string }> {
    const user = this.requireUser(viewer);
    await this.requireOrphaned(project);
    if (!(await this.isPackager(user)))
      throw Forbidden('ENOCODE', `Only members of the ${this.options.packager_group} group may take orphaned packages`);
    return this.adopt(project, user, user);
  }

  /** Release engineering gives an orphaned package to a packager (`user` in the body). */
  async give(viewer: Viewer, project: ProjectRecord, body: Record<string, unknown>): Promise<{ point_of_contact: string }> {
    const agent = this.requireUser(viewer);
    if (!(await this.isReleng(viewer)))
      throw Forbidden('ENOCODE', `Only site admins and members of the ${this.options.releng_group} group may give orphaned packages`);
    await this.requireOrphaned(project);
    const name = text(body.user);
    if (!name) invalid('user', 'This field is required.');
    const target = await this.forge.services.users.byName(name);
    if (!target) throw Invalid('ENOUSER');
    if (!(await this.isPackager(target))) invalid('user', `${target.name} is not a member of the ${this.options.packager_group} group`);
    return this.adopt(project, target, agent);
  }

  private async adopt(project: ProjectRecord, user: UserRecord, agent: UserRecord): Promise<{ point_of_contact: string }> {
    await this.forge.db.transaction(async (trx) => {
      await this.forge.services.projects.setMainAdmin(project, user, { agent, trx });
      await changePackage(trx, project.id, { orphanReason: null, orphanReasonInfo: null });
    });
    this.forge.log.info({ project: `${project.namespace}/${project.name}`, to: user.name, by: agent.name }, 'orphaned package taken');
    return { point_of_contact: user.name };
  }

  private async requireOrphaned(project: ProjectRecord): Promise<void> {
    if (project.ownerName !== this.options.orphan_user) throw Invalid('ENOCODE', 'This package is not orphaned');
  }

  private async orphanUser(): Promise<UserRecord> {
    const user = await this.forge.services.users.byName(this.options.orphan_user);
    if (!user) {
      this.forge.log.error({ orphan_user: this.options.orphan_user }, 'the orphan user does not exist: create it (see the plugin README)');
      throw Invalid('ENOCODE', `The user "${this.options.orphan_user}" that orphaned packages go to does not exist on this forge`);
    }
    return user;
  }

  async exempt(project: ProjectRecord): Promise<{ exempt: boolean }> {
    return { exempt: (await this.state(project)).provenpackagerExempt };
  }

  /** Site admins and release engineering keep provenpackagers out of a package (FESCo's decision), or let them back. */
  async setExempt(viewer: Viewer, project: ProjectRecord, value: unknown): Promise<{ exempt: boolean }> {
    this.requireUser(viewer);
    if (!(await this.isReleng(viewer)))
      throw Forbidden('ENOCODE', `Only site admins and members of the ${this.options.releng_group} group may change this`);
    const exempt = value === true || value === 'true' || value === '1' || value === 'on';
    if (!exempt && !(value === false || value === 'false' || value === '0' || value === 'off')) invalid('exempt', 'Not a boolean');
    await this.forge.db.transaction((trx) => changePackage(trx, project.id, { provenpackagerExempt: exempt }));
    return { exempt };
  }

  /** Whether the package is alive: false once its default branch holds `dead.package` (it was retired). */
  async active(project: ProjectRecord): Promise<boolean> {
    const head = await this.forge.git.defaultBranch(project);
    if (!head) return true;
    return (await this.forge.git.readBlob(project, head.commit, 'dead.package', { maxBytes: 1 })) === undefined;
  }
}
