// The push ledger: the pre-receive hook writes each accepted push down (before git moves a
// ref), its git.receive job crosses it out when done. What stays written down past a while
// is a push whose post-receive never queued its job (the web process died between git
// moving the refs and the hook calling back) or whose job the queue lost (the embedded
// queue, or Redis without persistence, restarted): `reconcile` queues its job again for the
// updates that did land, and forgets pushes none of whose refs moved.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { repositoryPath, type ProjectRecord } from '../../domain/index.js';
import { forgetRefs, isNullRev, readRef, type Repositories } from '../../git/index.js';
import type { ServiceContext } from '../context.js';
import type { ProjectQueries } from '../projects/project-queries.js';
import type { RefUpdate } from '../repository/can-push.js';
import { GIT_JOBS } from './jobs.js';

/** A push's id: from the signed identity both of its hooks carry (one per receive-pack run). */
export const pushIdOf = (identityToken: string) => createHash('sha256').update(identityToken).digest('hex').slice(0, 40);

/** A ref update as git's hooks give it, and as the ledger and git.receive carry it: "<old> <new> <ref>". */
export const hookLine = (update: RefUpdate) => `${update.oldRev} ${update.newRev} ${update.ref}`;

/** The job key of a push's git.receive, so the hook and a reconcile queue it once. */
export const receiveJobKey = (pushId: string) => `push:${pushId}`;

interface Row {
  id: string;
  project_id: number;
  user_id: number | null;
  deploy_key_id: number | null;
  updates: string[] | string;
}

export class PushLedger {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repositories: Repositories,
    private readonly projects: ProjectQueries,
  ) {}

  /** Pre-receive accepted these updates (git's hook lines, aliases resolved). */
  async record(
    pushId: string,
    project: ProjectRecord,
    pushAs: { userId: number } | { deployKeyId: number },
    updates: readonly string[],
  ): Promise<void> {
    await this.ctx
      .db('git_pushes')
      .insert({
        id: pushId,
        project_id: project.id,
        user_id: 'userId' in pushAs ? pushAs.userId : null,
        deploy_key_id: 'deployKeyId' in pushAs ? pushAs.deployKeyId : null,
        updates: JSON.stringify(updates),
      })
      .onConflict('id')
      .ignore();
  }

  /** Its git.receive job has run. */
  async done(pushId: string): Promise<void> {
    await this.ctx.db('git_pushes').where({ id: pushId }).delete();
  }

  /**
   * Pushes written down more than `olderThanMs` ago: their job is queued again (with the
   * updates that landed: each ref at the new value), or they are forgotten when none landed.
   * Answers how many jobs it queued.
   */
  async reconcile(olderThanMs: number, log: Logger): Promise<number> {
    const rows = (await this.ctx
      .db('git_pushes')
      .where('created_at', '<', new Date(Date.now() - olderThanMs))
      .orderBy('created_at')
      .limit(1000)) as Row[];
    let queued = 0;
    for (const row of rows) {
      const project = await this.projects.byId(row.project_id);
      const updates = typeof row.updates === 'string' ? (JSON.parse(row.updates) as string[]) : row.updates;
      const landed = project ? await this.landed(project, updates) : [];
      if (!landed.length) {
        await this.done(row.id);
        continue;
      }
      const pusher: { userId: number } | { deployKeyId: number } =
        row.user_id !== null ? { userId: row.user_id } : { deployKeyId: row.deploy_key_id ?? 0 };
      await this.ctx.jobs.enqueue(
        GIT_JOBS.receive,
        { projectId: row.project_id, ...pusher, updates: landed, pushId: row.id },
        { key: receiveJobKey(row.id) },
      );
      log.warn({ push: row.id, project: row.project_id, refs: landed.length }, 'a push whose git.receive job never ran: queued now');
      queued += 1;
    }
    return queued;
  }

  /** The updates whose ref is at its new value now (a deletion: the ref is gone). */
  private async landed(project: ProjectRecord, updates: readonly string[]): Promise<string[]> {
    const repo = this.repositories.pathOf(repositoryPath(project));
    forgetRefs(repo);
    const landed: string[] = [];
    for (const line of updates) {
      const [, newRev, ref] = line.split(' ');
      if (!newRev || !ref) continue;
      const now = await readRef(repo, ref).catch(() => undefined);
      const value = now && 'object' in now ? now.object : undefined;
      if (isNullRev(newRev) ? value === undefined : value === newRev) landed.push(line);
    }
    return landed;
  }
}
