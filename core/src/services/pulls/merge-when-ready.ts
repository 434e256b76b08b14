// "Merge when ready": someone who may merge a pull request asks for it to merge itself once
// its flags pass. A durable subscriber watches the events that can change the answer (flags
// on the head, comments that move the score, pushes to the source); a job decides, and
// queues the merge as that person, pinned to the head whose flags passed. A failing flag,
// a new push, or the person losing the right to merge cancels it, with a note on the PR.
import type { Knex } from 'knex';
import { pullRequestFromRow, type PullRequestRow } from '../../db/index.js';
import { repositoryPath, type ProjectRecord, type PullRequestRecord } from '../../domain/index.js';
import { Forbidden, Invalid } from '../../errors/index.js';
import type { DurableSubscriber, ForgeEvent } from '../../plugins/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { FlagsService } from '../flags/flags-service.js';
import type { ProjectQueries } from '../projects/project-queries.js';
import type { UsersService } from '../users/users-service.js';
import { PULL_REQUEST_JOBS } from './jobs.js';
import { mergeRefusal } from './merge-rules.js';
import { addPullRequestNote } from './pull-request-notes.js';
import type { PullRequestUpdates } from './pull-request-updates.js';

/** { pullRequestPk }: look at the flags and the rules, and merge, wait or cancel. */
export const MERGE_WHEN_READY_JOB = 'core.pull-request-merge-when-ready';
const TABLE = 'pull_request_merge_when_ready';
const FAILED = new Set(['failure', 'error']);

export interface MergeWhenReadyState {
  /** Who asked: the merge will be theirs. */
  user: string;
  /** When, in seconds since the epoch (as Pagure writes dates). */
  date: string;
  /** The flags that must pass (none: every flag on the head, at least one). */
  required: string[];
}

export type MergeWhenReadyOutcome = 'merging' | 'waiting' | 'cancelled' | 'none';

interface Row {
  pull_request_pk: number;
  user_id: number;
  created_at: Date | string;
}

export class MergeWhenReady {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: {
      access: AccessService;
      users: UsersService;
      flags: FlagsService;
      projectQueries: ProjectQueries;
      pullRequestUpdates: PullRequestUpdates;
    },
  ) {}

  /** Whether it is set on the pull request, by whom, and what it waits for. */
  async state(project: ProjectRecord, pr: PullRequestRecord): Promise<MergeWhenReadyState | null> {
    const row = (await this.ctx.db(TABLE).where({ pull_request_pk: pr.pk }).first()) as Row | undefined;
    if (!row) return null;
    const user = (await this.deps.users.byIds([row.user_id])).get(row.user_id);
    return {
      user: user?.name ?? '',
      date: String(Math.floor(new Date(row.created_at).getTime() / 1000)),
      required: await this.required(project, pr),
    };
  }

  private required(project: ProjectRecord, pr: PullRequestRecord): Promise<string[]> {
    return this.ctx.hooks.requiredFlags.promise([], { project, pullRequest: pr });
  }

  /** Sets or cancels it, for someone with commit access to the target branch (403 ENOPRCLOSE). */
  async set(viewer: Viewer, project: ProjectRecord, pr: PullRequestRecord, on: boolean): Promise<MergeWhenReadyState | null> {
    if (!viewer.user) throw Forbidden('ENOPRCLOSE');
    if (!(await this.deps.access.has(viewer, project, 'commit', pr.branch))) throw Forbidden('ENOPRCLOSE');
    if (pr.status !== 'Open') throw Invalid('ENOCODE', 'This pull-request is not open');
    const user = viewer.user;
    await this.ctx.db.transaction(async (trx) => {
      const had = (await trx(TABLE).where({ pull_request_pk: pr.pk }).forUpdate().first()) as Row | undefined;
      if (on) {
        if (had) return;
        await trx(TABLE).insert({ pull_request_pk: pr.pk, user_id: user.id });
        await addPullRequestNote(trx, pr, user.id, `**Merge when ready** set by @${user.name}: it merges once its flags pass.`);
        await this.ctx.jobs.enqueue(MERGE_WHEN_READY_JOB, { pullRequestPk: pr.pk }, { trx });
      } else if (had) {
        await trx(TABLE).where({ pull_request_pk: pr.pk }).delete();
        await addPullRequestNote(trx, pr, user.id, `**Merge when ready** cancelled by @${user.name}.`);
      }
    });
    return this.state(project, pr);
  }

  /** The job: merge, wait, or cancel with the reason. */
  async check(pullRequestPk: number): Promise<MergeWhenReadyOutcome> {
    const row = (await this.ctx.db(TABLE).where({ pull_request_pk: pullRequestPk }).first()) as Row | undefined;
    if (!row) return 'none';
    const prRow = (await this.ctx.db('pull_requests').where({ pk: pullRequestPk }).first()) as PullRequestRow | undefined;
    const pr = prRow && pullRequestFromRow(prRow);
    const project = pr && (await this.deps.projectQueries.byId(pr.projectId));
    if (!project || !pr) return 'none';
    if (pr.status !== 'Open') {
      await this.ctx.db(TABLE).where({ pull_request_pk: pr.pk }).delete();
      return 'none';
    }
    if (!pr.commitStop || pr.mergeStatus === null) return 'waiting'; // the refresh comes first
    if (pr.mergeStatus === 'CONFLICTS') return this.cancel(pr, row.user_id, 'the pull-request has conflicts with its target branch');
    const flags = await this.deps.flags.ofCommit(project, pr.commitStop);
    const failed = flags.find((flag) => FAILED.has(flag.status));
    if (failed) return this.cancel(pr, row.user_id, `${failed.username} reports ${failed.status}`);
    const required = await this.required(project, pr);
    const passed = (name: string) => flags.some((flag) => flag.username === name && flag.status === 'success');
    const ready = required.length ? required.every(passed) : flags.length > 0 && flags.every((flag) => flag.status === 'success');
    if (!ready) return 'waiting';
    const user = (await this.deps.users.byIds([row.user_id])).get(row.user_id);
    if (!user) return this.cancel(pr, row.user_id, 'its user is gone');
    const refusal = await mergeRefusal(this.deps, await this.deps.access.viewer(user), project, pr);
    if (refusal === 'EPRSCORE') return 'waiting'; // more +1 may come
    if (refusal) return this.cancel(pr, row.user_id, `@${user.name} may not merge it (${refusal})`);
    await this.ctx.db.transaction(async (trx) => {
      await trx(TABLE).where({ pull_request_pk: pr.pk }).delete();
      // Pinned to the head whose flags passed: a push since then is not merged unseen.
      await this.ctx.jobs.enqueue(
        PULL_REQUEST_JOBS.merge,
        { pullRequestPk: pr.pk, path: repositoryPath(project), userId: user.id, expectedHead: pr.commitStop },
        { trx, key: `merge-when-ready:${pr.pk}:${pr.commitStop}` },
      );
    });
    this.ctx.log.info({ pr: pr.uid, head: pr.commitStop, user: user.name }, 'merge when ready: the flags passed, merging');
    return 'merging';
  }

  private async cancel(pr: PullRequestRecord, userId: number, reason: string): Promise<'cancelled'> {
    await this.ctx.db.transaction(async (trx) => {
      const gone = await trx(TABLE).where({ pull_request_pk: pr.pk }).delete();
      if (gone) await addPullRequestNote(trx, pr, userId, `**Merge when ready** cancelled: ${reason}.`);
    });
    return 'cancelled';
  }

  /** Watches the events that can change the answer, and queues the job for the pull requests concerned. */
  subscriber(): DurableSubscriber {
    return {
      name: 'core.merge-when-ready',
      topics: [
        'pull-request.flag.added',
        'pull-request.flag.updated',
        'commit.flag.added',
        'commit.flag.updated',
        'pull-request.comment.added',
        'pull-request.updated',
        'pull-request.rebased',
      ],
      handle: async (event, { trx }) => {
        for (const row of await this.waitingFor(event, trx)) {
          if (event.topic === 'pull-request.updated' || event.topic === 'pull-request.rebased') {
            await trx(TABLE).where({ pull_request_pk: row.pull_request_pk }).delete();
            await addPullRequestNote(
              trx,
              { pk: row.pull_request_pk },
              row.user_id,
              '**Merge when ready** cancelled: new commits were pushed.',
            );
          } else {
            await this.ctx.jobs.enqueue(
              MERGE_WHEN_READY_JOB,
              { pullRequestPk: row.pull_request_pk },
              { trx, key: `merge-when-ready:${event.id}:${row.pull_request_pk}` },
            );
          }
        }
      },
    };
  }

  /** The pull requests waiting to merge that an event concerns (one query). */
  private async waitingFor(event: ForgeEvent, trx: Knex): Promise<Row[]> {
    const body = event.body as {
      pullrequest?: { id?: number; project?: { id?: number } };
      repo?: { id?: number };
      flag?: { commit_hash?: string };
    };
    const query = trx(TABLE).join('pull_requests', 'pull_requests.pk', `${TABLE}.pull_request_pk`).select(`${TABLE}.*`);
    if (body.pullrequest?.project?.id !== undefined && body.pullrequest.id !== undefined) {
      return (await query.where({
        'pull_requests.project_id': body.pullrequest.project.id,
        'pull_requests.id': body.pullrequest.id,
      })) as Row[];
    }
    if (body.repo?.id !== undefined && body.flag?.commit_hash) {
      return (await query.where({ 'pull_requests.project_id': body.repo.id, 'pull_requests.commit_stop': body.flag.commit_hash })) as Row[];
    }
    return [];
  }
}
