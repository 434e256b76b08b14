// What the pull-request jobs write: refreshed head commits and merge status (with Pagure's
// "N new commits added" / "rebased onto" notes and events), and the closing of a merged
// pull request. Each write re-reads the row under a lock, so a job racing a close or
// another refresh never resurrects or double-closes a pull request.
import { addPullRequestNote } from './pull-request-notes.js';
import type { Knex } from 'knex';
import { pullRequestFromRow, type PullRequestRow } from '../../db/index.js';
import {
  projectUrlPath,
  repositoryPath,
  type MergeStatus,
  type ProjectRecord,
  type PullRequestRecord,
  type UserRecord,
} from '../../domain/index.js';
import type { ServiceContext } from '../context.js';
import type { ProjectQueries } from '../projects/project-queries.js';
import { commitReferences } from '../tickets/commit-references.js';
import { PULL_REQUEST_JOBS } from './jobs.js';
import { reviewScore, type PullRequestJson } from './pull-request-json.js';

export interface RefreshOutcome {
  /** Commits the source has and the target lacks, newest first. */
  commits: Array<{ hash: string; message: string }>;
  /** The target branch's commit, null when it does not exist yet. */
  target: string | null;
  mergeStatus: MergeStatus;
  /** Who moved a branch, if a push did; notes are written in their name. */
  actorId: number | null;
}

/** Builds a pull request's JSON for events (the pull-requests service). */
export interface PullRequestJsonSource {
  json(pr: PullRequestRecord, options: { db?: Knex; comments?: boolean }): Promise<PullRequestJson>;
}

const subject = (message: string) => message.split('\n')[0]!.trim();

export class PullRequestUpdates {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly pullRequests: PullRequestJsonSource,
    private readonly projects: ProjectQueries,
  ) {}

  /**
   * What a push to `branches` of `projectId` affects: the open pull requests from those
   * branches (with the path of the repository their refresh locks), and which of the
   * branches open pull requests target. Two indexed queries.
   */
  async openOnBranches(
    projectId: number,
    branches: readonly string[],
  ): Promise<{ fromBranches: Array<{ pk: number; path: string }>; intoBranches: string[] }> {
    if (!branches.length) return { fromBranches: [], intoBranches: [] };
    const [from, into] = await Promise.all([
      this.ctx
        .db('pull_requests as pr')
        .join('projects as t', 't.id', 'pr.project_id')
        .join('users as o', 'o.id', 't.user_id')
        .where('pr.status', 'Open')
        .where('pr.project_from_id', projectId)
        .whereIn('pr.branch_from', [...branches])
        .select('pr.pk', 't.name', 't.namespace', 't.is_fork', 'o.name as owner_name') as Promise<
        Array<{ pk: number; name: string; namespace: string | null; is_fork: boolean; owner_name: string }>
      >,
      this.ctx
        .db('pull_requests')
        .where({ status: 'Open', project_id: projectId })
        .whereIn('branch', [...branches])
        .distinct('branch') as Promise<Array<{ branch: string }>>,
    ]);
    return {
      fromBranches: from.map((r) => ({
        pk: r.pk,
        path: repositoryPath({ name: r.name, namespace: r.namespace, isFork: r.is_fork, ownerName: r.owner_name }),
      })),
      intoBranches: into.map((r) => r.branch).sort(),
    };
  }

  /** The open pull requests into `branch` of `projectId`, oldest first. */
  async openInto(projectId: number, branch: string): Promise<number[]> {
    const rows = (await this.ctx
      .db('pull_requests')
      .where({ status: 'Open', project_id: projectId, branch })
      .orderBy('pk')
      .select('pk')) as Array<{ pk: number }>;
    return rows.map((r) => r.pk);
  }

  /** Queues the refresh of a pull request of `project` (after `trx` commits, when given). */
  async queueRefresh(
    project: ProjectRecord,
    pr: Pick<PullRequestRecord, 'pk'>,
    options: { trx?: Knex.Transaction; userId?: number } = {},
  ): Promise<void> {
    await this.ctx.jobs.enqueue(
      PULL_REQUEST_JOBS.refresh,
      { pullRequestPk: pr.pk, path: repositoryPath(project), ...(options.userId === undefined ? {} : { userId: options.userId }) },
      options.trx ? { trx: options.trx } : {},
    );
  }

  /**
   * Pagure's review score: per user, the last of their general (not inline) comments that
   * votes decides: +1 or :thumbsup: counts 1, -1 or :thumbsdown: counts -1.
   */
  async score(pr: Pick<PullRequestRecord, 'pk'>): Promise<number> {
    const rows = (await this.ctx
      .db('pull_request_comments')
      .where({ ticket_pk: pr.pk, notification: false })
      .whereNull('commit_id')
      .orderBy(['created_at', 'id'])
      .select('user_id', 'comment')) as Array<{ user_id: number; comment: string }>;
    return reviewScore(rows.map((r) => ({ userId: r.user_id, comment: r.comment, notification: false, commitId: null })));
  }

  private async lockOpen(trx: Knex.Transaction, pk: number): Promise<PullRequestRecord | undefined> {
    const row = (await trx('pull_requests').where({ pk }).forUpdate().first()) as PullRequestRow | undefined;
    return row && row.status === 'Open' ? pullRequestFromRow(row) : undefined;
  }

  private async project(pr: PullRequestRecord): Promise<ProjectRecord> {
    const project = await this.projects.byId(pr.projectId);
    if (!project) throw new Error(`project ${pr.projectId} of pull request ${pr.uid} is gone`);
    return project;
  }

  /** Stores what a refresh found; sends pull-request.updated or .rebased when the commits changed. */
  async recordRefresh(stale: PullRequestRecord, outcome: RefreshOutcome): Promise<void> {
    const project = await this.project(stale);
    await this.ctx.db.transaction(async (trx) => {
      const pr = await this.lockOpen(trx, stale.pk);
      if (!pr) return;
      const start = outcome.commits.at(-1)?.hash ?? null;
      const stop = outcome.commits[0]?.hash ?? null;
      const moved = stop !== null && (start !== pr.commitStart || stop !== pr.commitStop);
      let action: 'updated' | 'rebased' | undefined;
      let text = '';
      if (moved && pr.commitStart) {
        action = 'updated';
        const added: string[] = [];
        for (const commit of outcome.commits) {
          if (commit.hash === pr.commitStop) break;
          added.push(` * \`\`${subject(commit.message)}\`\``);
        }
        text = `**${added.length} new commit${added.length === 1 ? '' : 's'} added**\n\n${added.join('\n')}\n`;
        if (start !== pr.commitStart) {
          action = 'rebased';
          text = `rebased onto ${outcome.target ?? 'unknown target'}`;
        }
      }
      await trx('pull_requests')
        .where({ pk: pr.pk })
        .update({
          merge_status: outcome.mergeStatus,
          ...(moved ? { commit_start: start, commit_stop: stop, updated_on: trx.fn.now(), updated_at: trx.fn.now() } : {}),
        });
      await this.linkIssues(trx, project, pr, outcome.commits);
      if (!action) return;
      await addPullRequestNote(trx, pr, outcome.actorId ?? pr.userId, text);
      const fresh = { ...pr, commitStart: start, commitStop: stop, mergeStatus: outcome.mergeStatus };
      const json = await this.pullRequests.json(fresh, { db: trx, comments: false });
      await this.ctx.events.emit(trx, `pull-request.${action}`, { pullrequest: json, agent: 'pagure' }, { agent: 'pagure', project });
    });
  }

  /**
   * Pagure's related_prs: the issues of the target project that the pull request's commit
   * messages name ("Fixes #3", "Relates to #4", or their URLs). Links are only added.
   */
  private async linkIssues(
    trx: Knex.Transaction,
    project: ProjectRecord,
    pr: PullRequestRecord,
    commits: RefreshOutcome['commits'],
  ): Promise<void> {
    const ids = new Set<number>();
    for (const commit of commits) {
      for (const ref of commitReferences(commit.message, this.ctx.config.url)) {
        if (ref.type === 'pull-request' || (ref.project !== null && ref.project !== projectUrlPath(project))) continue;
        ids.add(ref.id);
      }
    }
    if (!ids.size) return;
    const issuePks = (await trx('issues')
      .where({ project_id: project.id })
      .whereIn('id', [...ids])
      .pluck('pk')) as number[];
    if (!issuePks.length) return;
    await trx('pull_request_issues')
      .insert(issuePks.map((issue_pk) => ({ pull_request_pk: pr.pk, issue_pk })))
      .onConflict(['pull_request_pk', 'issue_pk'])
      .ignore();
  }

  async setMergeStatus(pr: PullRequestRecord, status: MergeStatus): Promise<void> {
    await this.ctx.db('pull_requests').where({ pk: pr.pk, status: 'Open' }).update({ merge_status: status });
  }

  /** Marks the pull request merged by `user` (once), with Pagure's note and its pull-request.closed event. */
  async closeMerged(
    stale: PullRequestRecord,
    user: UserRecord,
    found: { status: MergeStatus; commits: RefreshOutcome['commits']; target: string | null },
  ): Promise<void> {
    const project = await this.project(stale);
    await this.ctx.db.transaction(async (trx) => {
      const pr = await this.lockOpen(trx, stale.pk);
      if (!pr) return;
      const start = found.commits.at(-1)?.hash ?? pr.commitStart;
      const stop = found.commits[0]?.hash ?? pr.commitStop;
      const [row] = (await trx('pull_requests')
        .where({ pk: pr.pk })
        .update({
          status: 'Merged',
          closed_by_id: user.id,
          closed_at: trx.fn.now(),
          updated_at: trx.fn.now(),
          merge_status: found.status,
          commit_start: start,
          commit_stop: stop,
        })
        .returning('*')) as PullRequestRow[];
      await addPullRequestNote(trx, pr, user.id, `Pull-Request has been merged by ${user.name}`);
      const json = await this.pullRequests.json(pullRequestFromRow(row!), { db: trx });
      await this.ctx.events.emit(
        trx,
        'pull-request.closed',
        { pullrequest: json, merged: true, agent: user.name },
        { agent: user.name, project },
      );
    });
  }
}
