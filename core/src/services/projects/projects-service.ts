// The life of a project: creation and forking (their repositories made by jobs), the main
// admin changing, settings, deletion.
import type { Knex } from 'knex';
import { LIMITS, projectFullname, repositoryPath, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import { Invalid, NotFound, Unauthorized } from '../../errors/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import { fnmatch } from '../access/fnmatch.js';
import type { ServiceContext } from '../context.js';
import type { GroupsService } from '../groups/groups-service.js';
import { addLengthErrors } from '../input-limits.js';
import { projectJson, projectsJson, type ProjectJson } from '../json/project-json.js';
import type { UsersService } from '../users/users-service.js';
import { PROJECT_JOBS } from './jobs.js';
import { BRANCH, URL_PATTERN, type NewProject } from './project-input.js';
import type { ProjectQueries } from './project-queries.js';
import { applySettings, FORK_SETTINGS, isSettingKey, readSettings, SETTING_DEFAULTS, type SettingKey, type Settings } from './settings.js';

/** Inserts a project row; a unique-index clash (a concurrent twin) becomes `taken()`. */
async function insertProject(db: Knex | Knex.Transaction, row: Record<string, unknown>, taken: () => Error): Promise<number> {
  try {
    const [inserted] = (await db('projects').insert(row).returning('id')) as Array<{ id: number }>;
    return inserted!.id;
  } catch (error) {
    throw (error as { code?: string }).code === '23505' ? taken() : error;
  }
}

export class ProjectsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
    private readonly queries: ProjectQueries,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
  ) {}

  /** Pagure's project JSON; `withEmails` is its private view (owners' emails), used by PATCH. */
  json(project: ProjectRecord, db: Knex = this.ctx.db, options: { withEmails?: boolean } = {}): Promise<ProjectJson> {
    return projectJson(db, project, this.jsonOptions(options));
  }

  /** The JSON of many projects, in a fixed number of queries. */
  jsonList(projects: readonly ProjectRecord[]): Promise<ProjectJson[]> {
    return projectsJson(this.ctx.db, projects, this.jsonOptions({}));
  }

  private jsonOptions(options: { withEmails?: boolean }) {
    return {
      baseUrl: this.ctx.config.url,
      ...(options.withEmails ? { withEmails: (ids: number[]) => this.users.emails(ids) } : {}),
    };
  }

  private actor(viewer: Viewer): UserRecord {
    if (!viewer.user) throw Unauthorized('EINVALIDTOK');
    return viewer.user;
  }

  /**
   * Writes a project's row and the durable job that makes its repository in one transaction:
   * both or neither. The job reaches the queue once that commits (or, should the queue lose
   * it or the process die first, through the job outbox's reconcile). Answers the project
   * and the job's task id.
   */
  private async record(
    row: Record<string, unknown>,
    taken: () => Error,
    job: string,
    data: Record<string, string | number | boolean | null>,
  ): Promise<{ project: ProjectRecord; taskId: string }> {
    const { id, taskId } = await this.ctx.db.transaction(async (trx) => {
      const inserted = await insertProject(trx, row, taken);
      const task = await this.ctx.jobs.enqueue(job, { projectId: inserted, ...data }, { trx });
      return { id: inserted, taskId: task!.id };
    });
    return { project: (await this.queries.byId(id))!, taskId };
  }

  /**
   * The namespaces `viewer` may create a project in, as create() checks them ('' is none:
   * the top level, or the user's own namespace when user_namespace is on).
   */
  async namespaceChoices(viewer: Viewer): Promise<string[]> {
    const actor = this.actor(viewer);
    const { config } = this.ctx;
    return [...new Set([config.userNamespace ? actor.name : '', ...config.namespaces, ...(await this.groups.namesOf(actor))])];
  }

  /** Creates the project's record and queues the creation of its repository. */
  async create(viewer: Viewer, input: NewProject): Promise<{ project: ProjectRecord; taskId: string }> {
    const { config } = this.ctx;
    if (!config.projects.allowNew) throw NotFound('ENEWPROJECTDISABLED');
    const actor = this.actor(viewer);
    const isPrivate = input.private && config.projects.private;
    // Private projects live in their owner's namespace, as in Pagure.
    let namespace = isPrivate ? actor.name : input.namespace;
    if (!namespace && config.userNamespace) namespace = actor.name;
    if (namespace !== null) {
      const allowed = new Set([...config.namespaces, ...(await this.groups.namesOf(actor))]);
      if (config.userNamespace || isPrivate) allowed.add(actor.name);
      // Pagure's form offers these namespaces as choices; anything else is not one.
      if (!allowed.has(namespace)) throw Invalid('EINVALIDREQ', { errors: { namespace: ['Not a valid choice.'] } });
    }
    const path = namespace ? `${namespace}/${input.name}` : input.name;
    if (config.projects.reserved.some((pattern) => fnmatch(path, pattern))) {
      throw Invalid('ENOCODE', `No project "${path}" are allowed to be created due to potential conflicts in URLs with pagure itself`);
    }
    const taken = () => Invalid('ENOCODE', `It is not possible to create the repo "${path}"`);
    if (await this.queries.find({ name: input.name, namespace, forkOwner: null })) throw taken();
    const plan = await this.plan(
      actor,
      { name: input.name, namespace, private: isPrivate },
      input.defaultBranch ?? config.git.defaultBranch,
    );
    return this.record(
      {
        name: input.name,
        namespace,
        user_id: actor.id,
        private: isPrivate,
        description: input.description,
        url: input.url,
        avatar_email: input.avatarEmail,
        mirrored_from: input.mirroredFrom,
        settings: JSON.stringify(plan.settings),
      },
      taken,
      PROJECT_JOBS.create,
      {
        path: repositoryPath({ name: input.name, namespace, isFork: false, ownerName: actor.name }),
        readme: input.createReadme,
        defaultBranch: plan.defaultBranch,
        aliases: JSON.stringify(plan.aliases),
        ignoreExisting: input.ignoreExistingRepos && viewer.siteAdmin,
      },
    );
  }

  /** How the project starts, as the newProject hook's taps shape it; a plan that names bad branches or options is a plugin's bug (500). */
  private async plan(actor: UserRecord, project: { name: string; namespace: string | null; private: boolean }, defaultBranch: string) {
    const plan = await this.ctx.hooks.newProject.promise(
      { defaultBranch, aliases: {}, settings: {} },
      { user: { name: actor.name }, ...project },
    );
    const branches = [plan.defaultBranch, ...Object.keys(plan.aliases), ...Object.values(plan.aliases)];
    const bad = branches.find((branch) => !BRANCH.test(branch));
    if (bad !== undefined) throw new Error(`newProject: "${bad}" is not a branch name`);
    if (Object.keys(plan.aliases).includes(plan.defaultBranch))
      throw new Error(`newProject: the default branch ${plan.defaultBranch} is an alias`);
    const unknown = Object.keys(plan.settings).filter((key) => !isSettingKey(key));
    if (unknown.length) throw new Error(`newProject: no options named ${unknown.join(', ')}`);
    const { settings } = applySettings({ ...SETTING_DEFAULTS }, plan.settings);
    return { ...plan, settings: Object.fromEntries(Object.keys(plan.settings).map((key) => [key, settings[key as SettingKey]])) };
  }

  /** Forks `source` for the viewer: the record now, the repository copied by a job. */
  async fork(viewer: Viewer, source: ProjectRecord): Promise<{ fork: ProjectRecord; taskId: string }> {
    const actor = this.actor(viewer);
    const exists = () => Invalid('ENOCODE', `Repo "forks/${actor.name}/${source.name}" already exists`);
    if (await this.queries.find({ name: source.name, namespace: source.namespace, forkOwner: actor.name })) throw exists();
    const { project: fork, taskId } = await this.record(
      {
        name: source.name,
        namespace: source.namespace,
        user_id: actor.id,
        parent_id: source.id,
        is_fork: true,
        private: source.private,
        description: source.description,
        url: source.url,
        avatar_email: source.avatarEmail,
        settings: JSON.stringify(FORK_SETTINGS),
      },
      exists,
      PROJECT_JOBS.fork,
      { path: repositoryPath({ name: source.name, namespace: source.namespace, isFork: true, ownerName: actor.name }) },
    );
    return { fork, taskId };
  }

  /** Deletes the project (its forks stay, without a parent); its repository is removed by a job. */
  async remove(viewer: Viewer, project: ProjectRecord): Promise<ProjectJson> {
    const { projects } = this.ctx.config;
    if (project.isFork ? !projects.allowDeleteForks : !projects.allowDelete) throw NotFound('ENOPROJECT');
    await this.requireAdmin(viewer, project, 'ENOTHIGHENOUGH');
    return this.ctx.db.transaction(async (trx) => {
      // Two deletes at once (a double click): the second waits for the first, then finds nothing.
      if (!(await trx('projects').where({ id: project.id }).forUpdate().first('id'))) throw NotFound('ENOPROJECT');
      const json = await this.json(project, trx);
      await trx('projects').where({ id: project.id }).delete();
      await this.ctx.events.emit(trx, 'project.deleted', { project: json }, { agent: viewer.user!.name, project });
      await this.ctx.jobs.enqueue(PROJECT_JOBS.remove, { path: repositoryPath(project) }, { trx });
      return json;
    });
  }

  /** Changes the description and home page URL (the project settings page); sends project.edit with the fields that changed. */
  async updateDetails(viewer: Viewer, project: ProjectRecord, input: { description: string; url: string }): Promise<ProjectRecord> {
    await this.requireAdmin(viewer, project);
    const description = input.description.trim();
    const url = input.url.trim();
    const errors: Record<string, string[]> = {};
    if (!description) errors.description = ['This field is required.'];
    if (url && !URL_PATTERN.test(url)) errors.url = ['Invalid input.'];
    addLengthErrors(errors, [
      ['description', description, LIMITS.projectDescription],
      ['url', url, LIMITS.projectUrl],
    ]);
    if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
    const fields = [...(description !== project.description ? ['description'] : []), ...(url !== project.url ? ['url'] : [])];
    if (!fields.length) return project;
    return this.ctx.db.transaction(async (trx) => {
      await trx('projects').where({ id: project.id }).update({ description, url, updated_at: trx.fn.now() });
      const updated = (await this.queries.byId(project.id, trx))!;
      await this.ctx.events.emit(
        trx,
        'project.edit',
        { project: await this.json(updated, trx), fields },
        { agent: viewer.user!.name, project },
      );
      return updated;
    });
  }

  /** Throws 401 `code` unless the viewer administers the project (owner, admin, site admin). */
  async requireAdmin(
    viewer: Viewer,
    project: ProjectRecord,
    code: 'EMODIFYPROJECTNOTALLOWED' | 'ENOTHIGHENOUGH' = 'EMODIFYPROJECTNOTALLOWED',
  ): Promise<void> {
    if (!(await this.access.has(viewer, project, 'admin'))) throw Unauthorized(code);
  }

  /**
   * Pagure's PATCH: only the owner (or a site admin) gives the project to someone else;
   * with `retainAccess` the old owner stays on as an admin.
   */
  async setMainAdmin(
    viewer: Viewer,
    project: ProjectRecord,
    change: { mainAdmin?: string | undefined; retainAccess: boolean },
  ): Promise<ProjectRecord> {
    const actor = this.actor(viewer);
    await this.requireAdmin(viewer, project);
    if (change.mainAdmin === undefined) return project;
    if (project.userId !== actor.id && !viewer.siteAdmin) throw Unauthorized('ENOTMAINADMIN');
    const target = await this.users.byNameOrEmail(change.mainAdmin);
    if (!target) throw Invalid('ENOUSER');
    if (target.id === project.userId) return project;
    await this.ctx.db.transaction(async (trx) => {
      await this.transferMainAdmin(trx, project, target, actor.name);
      if (change.retainAccess && actor.id === project.userId) {
        await trx('project_user_access')
          .insert({ project_id: project.id, user_id: actor.id, access: 'admin' })
          .onConflict(['project_id', 'user_id'])
          .merge();
        const updated = (await this.queries.byId(project.id, trx))!;
        await this.ctx.events.emit(
          trx,
          'project.user.added',
          { project: await this.json(updated, trx), new_user: actor.name, access: 'admin', branches: null },
          { agent: actor.name, project },
        );
      }
    });
    return (await this.queries.byId(project.id))!;
  }

  /**
   * Makes `target` the main admin inside `trx`: a grant they held goes (the main admin holds
   * every right), the previous main admin keeps nothing of their own, and `project.edit`
   * (fields `["user"]`) records the change. No access check: the caller decided.
   */
  async transferMainAdmin(trx: Knex.Transaction, project: ProjectRecord, target: UserRecord, agent: string | null): Promise<ProjectRecord> {
    if (target.id === project.userId) return project;
    await trx('projects').where({ id: project.id }).update({ user_id: target.id, updated_at: trx.fn.now() });
    await trx('project_user_access').where({ project_id: project.id, user_id: target.id }).delete();
    const updated = (await this.queries.byId(project.id, trx))!;
    await this.ctx.events.emit(trx, 'project.edit', { project: await this.json(updated, trx), fields: ['user'] }, { agent, project });
    return updated;
  }

  /** The project's settings; only its admins may read them (Pagure lets any token holder). */
  async settings(viewer: Viewer, project: ProjectRecord): Promise<Settings> {
    await this.requireAdmin(viewer, project);
    return readSettings(project);
  }

  /** Applies the settings present in `body`; returns Pagure's message. */
  async updateSettings(viewer: Viewer, project: ProjectRecord, body: Record<string, unknown>): Promise<string> {
    const { settings, changed } = applySettings(await this.settings(viewer, project), body);
    if (!changed.length) return 'No settings to change';
    await this.ctx.db.transaction(async (trx) => {
      await trx('projects')
        .where({ id: project.id })
        .update({ settings: JSON.stringify(settings), updated_at: trx.fn.now() });
      const updated = (await this.queries.byId(project.id, trx))!;
      await this.ctx.events.emit(
        trx,
        'project.edit',
        { project: await this.json(updated, trx), fields: changed },
        { agent: viewer.user!.name, project },
      );
    });
    return `Edited successfully settings of repo: ${projectFullname(project)}`;
  }
}
