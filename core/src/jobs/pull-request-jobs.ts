// Pull-request jobs: refresh (head commits and cached merge status), merge and rebase.
// Each holds the lock of the repository it writes to. The target repository keeps a copy of
// each pull request's source at refs/pull/<id>/head, as Pagure does, so every computation
// runs inside one repository; merges publish with one compare-and-swap of the branch.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { closedRefusal, NULL_REV, PULL_REQUEST_JOBS, readSettings, type DomainServices } from '../services/index.js';
import {
  faultPoint,
  repositoryPath,
  type MergeStatus,
  type ProjectRecord,
  type PullRequestRecord,
  type UserRecord,
} from '../domain/index.js';
import {
  analyseMerge,
  commitMessages,
  commitOf,
  fetchRef,
  rebaseCommits,
  runGit,
  treeOf,
  writeCommit,
  type Repositories,
} from '../git/index.js';
import type { EventsApi, JobQueueApi, JobRegistry } from '../plugins/index.js';
import { FinalJobError } from '../queue/index.js';
import { pullRequestFromRow, type PullRequestRow, type RepoLocks } from '../db/index.js';

export interface PullRequestJobDeps {
  services: DomainServices;
  repositories: Repositories;
  events: EventsApi;
  jobs: JobQueueApi;
  db: Knex;
  log: Logger;
  locks: RepoLocks;
}

type PrData = { pullRequestPk: number; userId?: number };

/** Everything a pull-request job works with, loaded once. */
interface Loaded {
  pr: PullRequestRecord;
  target: ProjectRecord;
  source: ProjectRecord | undefined;
  repo: string;
  sourceRepo: string | undefined;
}

export function defineTicketJobs(registry: JobRegistry, deps: PullRequestJobDeps): void {
  const { services, repositories, db } = deps;

  async function load(pk: number): Promise<Loaded | undefined> {
    const row = (await db('pull_requests').where({ pk }).first()) as PullRequestRow | undefined;
    if (!row) return undefined;
    const pr = pullRequestFromRow(row);
    const target = await services.projectQueries.byId(pr.projectId);
    if (!target) return undefined;
    const source = pr.projectFromId === null ? undefined : await services.projectQueries.byId(pr.projectFromId);
    return {
      pr,
      target,
      source,
      repo: repositories.pathOf(repositoryPath(target)),
      sourceRepo: source ? repositories.pathOf(repositoryPath(source)) : undefined,
    };
  }

  /** Copies the source branch into refs/pull/<id>/head of the target repository. */
  async function syncHead(l: Loaded): Promise<string> {
    const from = l.source ? l.sourceRepo! : l.pr.remoteGit;
    const where = l.source
      ? l.source.namespace
        ? `${l.source.namespace}/${l.source.name}`
        : l.source.name
      : (l.pr.remoteGit ?? 'a deleted fork');
    const head = from ? await fetchRef(l.repo, from, `refs/heads/${l.pr.branchFrom}`, `refs/pull/${l.pr.id}/head`) : undefined;
    if (!head) throw new FinalJobError(`Branch ${l.pr.branchFrom} could not be found in the repo ${where}`);
    return head;
  }

  /** Head commits and merge status of one pull request, as its branches are now. */
  async function refresh(pk: number, userId: number | undefined): Promise<{ merge_status: MergeStatus | null } | undefined> {
    const l = await load(pk);
    if (!l || l.pr.status !== 'Open') return undefined;
    let head: string;
    try {
      head = await syncHead(l);
    } catch (error) {
      // The source branch was deleted: nothing to compare until it comes back.
      if (error instanceof FinalJobError) return { merge_status: null };
      throw error;
    }
    const target = await commitOf(l.repo, `refs/heads/${l.pr.branch}`);
    const commits = await commitMessages(l.repo, head, target);
    const analysis = await analyseMerge(l.repo, target, head);
    await services.pullRequestUpdates.recordRefresh(l.pr, {
      commits,
      target: target ?? null,
      mergeStatus: analysis.kind,
      actorId: userId ?? null,
    });
    return { merge_status: analysis.kind };
  }

  // Per pull request, not per repository: a refresh writes only refs/pull/<id>/head (and
  // the database), so merges never queue behind the refreshes a busy branch triggers.
  const refreshLock = (pk: number) => `pull-request:${pk}`;

  registry.define<PrData & { path: string }>({
    name: PULL_REQUEST_JOBS.refresh,
    attempts: 3,
    lockKey: (data) => refreshLock(data.pullRequestPk),
    async run(data) {
      return refresh(data.pullRequestPk, data.userId);
    },
  });

  registry.define<{ projectId: number; branch: string; userId?: number }>({
    name: PULL_REQUEST_JOBS.refreshTarget,
    attempts: 3,
    // A branch with hundreds of open pull requests is one job, not hundreds: it takes one
    // worker slot at a time and yields to anything a client waits on.
    priority: 'low',
    lockKey: (data) => `pull-request-target:${data.projectId}:${data.branch}`,
    async run(data, context) {
      const pks = await services.pullRequestUpdates.openInto(data.projectId, data.branch);
      let failed = 0;
      for (const pk of pks) {
        try {
          await deps.locks.withLock(refreshLock(pk), () => refresh(pk, data.userId));
        } catch (error) {
          failed++;
          context.log.warn({ err: error, pullRequestPk: pk }, 'pull-request refresh failed');
        }
      }
      // A retry redoes them all; each refresh is idempotent.
      if (failed) throw new Error(`${failed} of ${pks.length} pull-request refreshes failed`);
      return { refreshed: pks.length };
    },
  });

  registry.define<PrData & { path: string; userId: number; expectedHead?: string | null }>({
    name: PULL_REQUEST_JOBS.merge,
    durable: true,
    // A worker that dies mid-merge leaves the branch as it was; the retry starts afresh.
    attempts: 3,
    priority: 'high',
    lockKey: (data) => data.path,
    async run(data, context) {
      const l = await load(data.pullRequestPk);
      if (!l) throw new FinalJobError('Pull-Request not found');
      const merger = (await services.users.byIds([data.userId])).get(data.userId);
      if (!merger) throw new FinalJobError('No such user found');
      if (l.pr.status !== 'Open') {
        // Merged by an earlier run of this job: a retry, or a run whose worker died after the
        // branch moved (the push it announced marked the pull request merged, in the merger's
        // name). (The endpoints refuse to queue a merge of a pull request already closed.)
        if (l.pr.status === 'Merged' && (context.attempt > 1 || l.pr.closedById === merger.id)) return { commit: null };
        throw new FinalJobError(await closedRefusal(services.users, l.pr));
      }
      const settings = readSettings(l.target);
      const head = await syncHead(l);
      const target = await commitOf(l.repo, `refs/heads/${l.pr.branch}`);
      if (!target && (await commitOf(l.repo, 'HEAD'))) {
        throw new FinalJobError(
          `Branch ${l.pr.branch} could not be found in the repo ${l.target.namespace ? `${l.target.namespace}/` : ''}${l.target.name}`,
        );
      }
      const commits = await commitMessages(l.repo, head, target);
      // Only what the merger saw is merged: a branch that moved since brings unreviewed
      // commits (nothing to merge, nothing unreviewed). The refresh shows them for review.
      const expected = data.expectedHead ?? null;
      if (commits.length && head !== expected) {
        await deps.jobs.enqueue(PULL_REQUEST_JOBS.refresh, { pullRequestPk: l.pr.pk, path: data.path });
        throw new FinalJobError(branchMovedMessage(expected, head));
      }
      if (settings['Enforce_signed-off_commits_in_pull-request'] && commits.some((c) => !/signed-off-by/i.test(c.message))) {
        throw new FinalJobError('This repo enforces that all commits are signed off by their author.');
      }
      const analysis = await analyseMerge(l.repo, target, head);
      const author = await signatureOf(services, merger);
      const message = mergeMessage(l.pr, author, settings['Enforce_signed-off_commits_in_pull-request'] === true);
      let merged: string;
      switch (analysis.kind) {
        case 'NO_CHANGE':
          // Already in the target (or merged by an attempt that died before closing it).
          await services.pullRequestUpdates.closeMerged(l.pr, merger, { status: 'NO_CHANGE', commits, target: target ?? null });
          return { commit: null };
        case 'CONFLICTS':
          await services.pullRequestUpdates.setMergeStatus(l.pr, 'CONFLICTS');
          throw new FinalJobError('Merge conflicts!');
        case 'FFORWARD':
          merged = settings.always_merge
            ? await writeCommit(l.repo, { tree: await treeOf(l.repo, head), parents: target ? [target, head] : [head], message, author })
            : head;
          break;
        case 'MERGE':
          if (settings['disable_non_fast-forward_merges']) {
            await services.pullRequestUpdates.setMergeStatus(l.pr, 'MERGE');
            throw new FinalJobError('This project only accepts fast-forward merges: rebase the pull-request first');
          }
          merged = await writeCommit(l.repo, { tree: analysis.tree, parents: [target!, head], message, author });
          break;
      }
      await faultPoint('merge:commit-written');
      // The one write that publishes the merge, as a push by the merger: the same canPush
      // veto applies, and it fails if the branch moved meanwhile. The service announces it
      // as a push (events, activity, the pushed hook that refreshes the other pull requests
      // on this branch and closes "Fixes #N" issues).
      const refusal = await services.repository.moveBranch(
        merger,
        l.target,
        { ref: `refs/heads/${l.pr.branch}`, oldRev: target ?? NULL_REV, newRev: merged },
        `merge pull-request #${l.pr.id} by ${merger.name}`,
      );
      if (refusal) throw new FinalJobError(refusal.message);
      await faultPoint('merge:ref-moved');
      deps.log.info({ pr: l.pr.uid, branch: l.pr.branch, commit: merged }, 'pull request merged');
      await services.pullRequestUpdates.closeMerged(l.pr, merger, { status: analysis.kind, commits, target: target ?? null });
      return { commit: merged };
    },
  });

  registry.define<PrData & { path: string; userId: number }>({
    name: PULL_REQUEST_JOBS.rebase,
    durable: true,
    attempts: 1,
    priority: 'high',
    // The source repository is the one written to.
    lockKey: (data) => data.path,
    async run(data) {
      const l = await load(data.pullRequestPk);
      if (!l) throw new FinalJobError('Pull-Request not found');
      if (l.pr.status !== 'Open') throw new FinalJobError('This pull-request is closed');
      if (!l.source || !l.sourceRepo) throw new FinalJobError('The source of this pull-request is not on this forge');
      const user = (await services.users.byIds([data.userId])).get(data.userId);
      if (!user) throw new FinalJobError('No such user found');
      const head = await commitOf(l.sourceRepo, `refs/heads/${l.pr.branchFrom}`);
      const onto = await commitOf(l.repo, `refs/heads/${l.pr.branch}`);
      if (!head || !onto) throw new FinalJobError('Did not manage to rebase this pull-request');
      const keep = `refs/pagurus/rebase/${l.pr.uid}`;
      const result = await rebaseCommits(l.sourceRepo, head, l.repo, onto, await signatureOf(services, user), keep);
      if (!result.ok) throw new FinalJobError(result.reason);
      try {
        if (result.head !== head) {
          // Published as the user's push of the rebased branch (vetoable, announced).
          const refusal = await services.repository.moveBranch(
            user,
            l.source,
            { ref: `refs/heads/${l.pr.branchFrom}`, oldRev: head, newRev: result.head },
            `rebase of pull-request #${l.pr.id} by ${user.name}`,
          );
          if (refusal) throw new FinalJobError(refusal.message);
        }
      } finally {
        await runGit(['update-ref', '-d', keep], { cwd: l.sourceRepo }).catch(() => undefined);
      }
      return { head: null };
    },
  });
}

async function signatureOf(services: DomainServices, user: UserRecord): Promise<{ name: string; email: string }> {
  const email = (await services.users.emails([user.id])).get(user.id)?.defaultEmail ?? `${user.name}@users.noreply`;
  return { name: user.fullname || user.name, email };
}

/** Why a merge is refused when the source branch is no longer at the head the merger saw. */
export function branchMovedMessage(seen: string | null, now: string): string {
  return `The pull-request's branch moved since it was reviewed (${seen ? seen.slice(0, 7) : 'no commits'} → ${now.slice(0, 7)}); review the new commits and merge again`;
}

/** Pagure's merge commit message, with a sign-off when the project demands them. */
function mergeMessage(pr: PullRequestRecord, author: { name: string; email: string }, signOff: boolean): string {
  const title = `Merge #${pr.id} \`${pr.title}\``;
  return signOff ? `${title}\n\nSigned-off-by: ${author.name} <${author.email}>` : title;
}

export type { MergeStatus };
