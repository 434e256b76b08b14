// `forge.services` as plugins get it: the facade of plugins/services.ts over core's domain
// services. Each method calls what the API's handlers call, with the same checks, so a
// plugin's comment or flag sends the same events and shows the same way on pages.
import { existsSync } from 'node:fs';
import type { Knex } from 'knex';
import { parseFullname, repositoryPath, type ProjectRecord } from './domain/index.js';
import { Forbidden, isForgeError, NotFound, Unauthorized } from './errors/index.js';
import { objectByPrefix, type Repositories } from './git/index.js';
import { markdownLinks, renderMarkdown as renderWithLinks } from './http/web/markdown.js';
import type { FlagFields, FlagResult, ForgeServices, Viewer } from './plugins/index.js';
import type { DomainServices, FlagInput } from './services/index.js';

/** Sees every issue: for lookups the facade leaves to the plugin to filter. */
const FORGE_ITSELF: Viewer = Object.freeze({ user: null, siteAdmin: true });

export interface PluginServicesDeps {
  services: DomainServices;
  db: Knex;
  repositories: Repositories;
  /** The forge's public URL (it may change once the server listens). */
  publicUrl: () => string;
}

function flagInput(flag: FlagFields): FlagInput {
  return {
    username: flag.username,
    status: flag.status,
    percent: flag.percent ?? null,
    comment: flag.comment,
    url: flag.url,
    uid: flag.uid ?? null,
  };
}

function requireUser(viewer: Viewer): NonNullable<Viewer['user']> {
  if (!viewer.user) throw Unauthorized('EINVALIDTOK');
  return viewer.user;
}

function checkNotBlocked(viewer: Viewer, project: ProjectRecord): void {
  if (viewer.user && project.blockUsers.includes(viewer.user.name)) throw Forbidden('EUBLOCKED');
}

export function createPluginServices(deps: PluginServicesDeps): ForgeServices {
  const { services } = deps;

  async function visible(viewer: Viewer, project: ProjectRecord): Promise<void> {
    if (!(await services.access.canView(viewer, project))) throw NotFound('ENOPROJECT');
  }

  async function commitOf(project: ProjectRecord, prefix: string): Promise<string> {
    const dir = deps.repositories.pathOf(repositoryPath(project));
    const object = existsSync(dir) ? await objectByPrefix(dir, prefix) : undefined;
    if (!object || object.type !== 'commit') throw NotFound('ENOCOMMIT');
    return object.sha;
  }

  /** Issue #id, for a write by the viewer: as the API checks it (logged in, project visible, not blocked, tracker on). */
  async function issueToWrite(viewer: Viewer, project: ProjectRecord, issueId: number) {
    requireUser(viewer);
    await visible(viewer, project);
    checkNotBlocked(viewer, project);
    services.issues.checkTracker(project, true);
    return services.issues.require(viewer, project, String(issueId));
  }

  async function pullRequestOf(project: ProjectRecord, id: number) {
    services.pullRequests.checkEnabled(project);
    return services.pullRequests.require(project, String(id));
  }

  const facade: ForgeServices = {
    projects: {
      async find(fullname) {
        const path = parseFullname(fullname);
        return path ? services.projectQueries.find(path) : undefined;
      },
      byId: (id) => (Number.isSafeInteger(id) ? services.projectQueries.byId(id) : Promise.resolve(undefined)),
      async setMainAdmin(project, user, options) {
        const agent = options.agent?.name ?? null;
        if (options.trx) return services.projects.transferMainAdmin(options.trx, project, user, agent);
        return deps.db.transaction((trx) => services.projects.transferMainAdmin(trx, project, user, agent));
      },
      inventory: (filter) => services.projectInventory.list(filter),
    },
    groups: {
      namesOf: (user) => services.groups.namesOf(user),
      async isMember(name, user) {
        const group = await services.groups.byName(name);
        return group ? services.groups.isMember(group, user) : false;
      },
      async members(name) {
        const group = await services.groups.byName(name);
        if (!group) return undefined;
        return [...((await services.groups.members([group.id])).get(group.id) ?? [])].sort();
      },
      async create(input, creator) {
        await services.groups.create(creator, { name: input.name, displayName: input.displayName, description: input.description });
      },
      async addMember(name, user) {
        const group = await services.groups.require(name);
        if (await services.groups.isMember(group, user)) return false;
        await services.groups.addMember(null, group, user.name);
        return true;
      },
      async removeMember(name, user) {
        const group = await services.groups.require(name);
        if (!(await services.groups.isMember(group, user))) return false;
        await services.groups.removeMember(null, group, user.name, { creatorToo: true });
        return true;
      },
    },
    users: {
      byName: (name) => services.users.byName(name),
      async byEmail(email) {
        return (await services.users.byEmails([email])).get(email.toLowerCase());
      },
      bySshKey: (key) => services.users.bySshKey(key),
      sshKey: (key) => services.users.sshKeyOwner(key),
      create: (input, options) =>
        services.users.create({ name: input.name, fullname: input.fullname, email: input.email }, undefined, options?.alsoWrite),
      update: (user, changes) => services.users.updateFromSource(user, changes),
    },
    access: {
      viewer: (user) => services.access.viewer(user),
      canView: (viewer, project) => services.access.canView(viewer, project),
      has: (viewer, project, level, branch) => services.access.has(viewer, project, level, branch),
    },
    issues: {
      async get(project, id) {
        try {
          return await services.issues.require(FORGE_ITSELF, project, String(id));
        } catch (error) {
          if (isForgeError(error) && error.code === 'ENOISSUE') return undefined;
          throw error;
        }
      },
      canSee: (viewer, project, issue) => services.issues.canSee(viewer, project, issue),
      async addTags(viewer, project, issueId, tags) {
        const issue = await issueToWrite(viewer, project, issueId);
        const current = (await services.issues.json(project, issue, { comments: false })).tags;
        const added = [...new Set(tags.map((tag) => tag.trim()).filter((tag) => tag && !current.includes(tag)))];
        if (added.length) await services.issues.setLinks(viewer, project, issue, { tags: [...current, ...added] });
        return added;
      },
    },
    pullRequests: {
      get: (project, id) => (Number.isSafeInteger(id) ? services.pullRequests.byId(project, id) : Promise.resolve(undefined)),
      openWithHead: (project, commit) => services.pullRequests.openWithHead(project, commit),
    },
    comments: {
      async onIssue(viewer, project, issueId, text) {
        const issue = await issueToWrite(viewer, project, issueId);
        await services.issues.comment(viewer, project, issue, text.trim());
      },
      async onPullRequest(viewer, project, pullRequestId, text) {
        requireUser(viewer);
        await visible(viewer, project);
        checkNotBlocked(viewer, project);
        const pr = await pullRequestOf(project, pullRequestId);
        await services.pullRequests.comment(viewer, project, pr, { comment: text.trim() });
      },
    },
    flags: {
      async onCommit(by, project, commit, flag): Promise<FlagResult> {
        const hash = await commitOf(project, commit);
        const { uid, message } = await services.flags.flagCommit(project, hash, flagInput(flag), { user: by, tokenId: null });
        return { uid, message };
      },
      async onPullRequest(by, project, pullRequestId, flag): Promise<FlagResult> {
        const pr = await pullRequestOf(project, pullRequestId);
        if (!pr.commitStop) throw NotFound('ENOCOMMIT');
        const { uid, message } = await services.flags.flagCommit(project, pr.commitStop, flagInput(flag), { user: by, tokenId: null }, pr);
        return { uid, message };
      },
    },
    markdown: {
      async render(viewer, project, text) {
        return renderWithLinks(text, await markdownLinks(services, viewer, project, [text], deps.publicUrl()));
      },
    },
  };
  return Object.freeze(facade);
}

/**
 * Safe HTML for a Markdown text, as the forge's pages render comments: raw HTML dropped and
 * the output sanitised (no scripts, event handlers, javascript: links). `users` are the
 * @names to link to their pages under `baseUrl`; for #N references use `forge.services.markdown`.
 */
export function renderMarkdown(text: string, options: { baseUrl?: string; users?: Iterable<string> } = {}): string {
  return renderWithLinks(text, {
    baseUrl: (options.baseUrl ?? '').replace(/\/+$/, ''),
    users: new Set(options.users ?? []),
    references: new Map(),
  });
}
