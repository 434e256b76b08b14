// Who watches a project, and for what: the owner and people with access watch issues by
// default; anyone may choose for themselves.
import type { ProjectRecord } from '../../domain/index.js';
import { Invalid, Unauthorized } from '../../errors/index.js';
import type { Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { UsersService } from '../users/users-service.js';

export type WatchLevel = 'issues' | 'commits';

const WATCH_STATUSES: Record<string, { issues: boolean; commits: boolean; message: string } | null> = {
  '-1': null,
  '0': { issues: false, commits: false, message: 'You are no longer watching this project' },
  '1': { issues: true, commits: false, message: 'You are now watching issues and PRs on this project' },
  '2': { issues: false, commits: true, message: 'You are now watching commits on this project' },
  '3': { issues: true, commits: true, message: 'You are now watching issues, PRs, and commits on this project' },
};

function levels(issues: boolean, commits: boolean): WatchLevel[] {
  return [...(issues ? (['issues'] as const) : []), ...(commits ? (['commits'] as const) : [])];
}

/** A watch choice someone made: what they watch of a project (nothing: they unwatched it). */
export interface WatchRow {
  name: string;
  watch_issues: boolean;
  watch_commits: boolean;
}

/**
 * Pagure's watchers of a project: its owner, the users and groups ("@name") with access watch
 * its issues unless they chose otherwise; anyone else watches what they chose.
 */
export function watchersOf(
  owner: string,
  members: readonly string[],
  groups: readonly string[],
  explicit: readonly WatchRow[],
): Record<string, WatchLevel[]> {
  const watchers: Record<string, WatchLevel[]> = {};
  for (const name of [owner, ...members]) watchers[name] = ['issues'];
  for (const name of groups) watchers[`@${name}`] = ['issues'];
  for (const row of explicit) {
    const chosen = levels(row.watch_issues, row.watch_commits);
    if (chosen.length) watchers[row.name] = chosen;
    else delete watchers[row.name];
  }
  return watchers;
}

export class WatchersService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly users: UsersService,
  ) {}

  /** Pagure's /watchers: users by name, groups as "@name", each with what they watch. */
  async list(project: ProjectRecord): Promise<Record<string, WatchLevel[]>> {
    const db = this.ctx.db;
    const [members, groups, explicit] = await Promise.all([
      db('project_user_access as a').join('users as u', 'u.id', 'a.user_id').where('a.project_id', project.id).pluck('u.name') as Promise<
        string[]
      >,
      db('project_group_access as a')
        .join('groups as g', 'g.id', 'a.group_id')
        .where('a.project_id', project.id)
        .pluck('g.name') as Promise<string[]>,
      db('watchers as w')
        .join('users as u', 'u.id', 'w.user_id')
        .where('w.project_id', project.id)
        .select('u.name', 'w.watch_issues', 'w.watch_commits') as Promise<WatchRow[]>,
    ]);
    return watchersOf(project.ownerName, members, groups, explicit);
  }

  /** Sets what `watcherName` watches; only they (or a site admin) may. Returns Pagure's message. */
  async update(viewer: Viewer, project: ProjectRecord, watcherName: string, status: unknown): Promise<string> {
    if (!watcherName) throw Invalid('EINVALIDREQ');
    const actor = viewer.user;
    if (!actor || (actor.name !== watcherName && !viewer.siteAdmin)) throw Unauthorized('EMODIFYPROJECTNOTALLOWED');
    const watcher = await this.users.byNameOrEmail(watcherName);
    if (!watcher) throw Invalid('EINVALIDREQ');
    const key =
      typeof status === 'number' && Number.isInteger(status) ? String(status) : typeof status === 'string' ? status.trim() : undefined;
    if (key === undefined || !Object.hasOwn(WATCH_STATUSES, key)) {
      throw Invalid('ENOCODE', `The watch value of "${status === undefined || status === null ? 'None' : String(status)}" is invalid`);
    }
    const choice = WATCH_STATUSES[key]!;
    const where = { project_id: project.id, user_id: watcher.id };
    if (choice === null) {
      const removed = await this.ctx.db('watchers').where(where).delete();
      return removed ? 'Watch status reset' : 'Watch status is already reset';
    }
    await this.ctx
      .db('watchers')
      .insert({ ...where, watch_issues: choice.issues, watch_commits: choice.commits })
      .onConflict(['project_id', 'user_id'])
      .merge();
    return choice.message;
  }
}
