// Every ref the forge itself writes (not a user's push): branches and tags made or deleted
// through the API or pages, and the compare-and-swap that publishes a merge or a rebase.
// Each write is vetoable by plugins (canPush, asked only through can-push.ts), is a
// compare-and-swap (a ref that moved meanwhile is never overwritten), and is announced as
// a push would be (the git.receive job: events, activity, the pushed hook). Like a push, each
// announced write is first written down in the push ledger, so that a process dying between
// moving the ref and queueing its announcement leaves it to the ledger's reconcile.
import { randomBytes } from 'node:crypto';
import type { RepoLocks } from '../../db/index.js';
import { faultPoint, repositoryPath, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import {
  GitCommandError,
  REFS_HEADS,
  REFS_TAGS,
  commitOf,
  compareAndSwapRef,
  headBranch,
  headTarget,
  isValidRefName,
  objectByPrefix,
  readRef,
  runGit,
  writeTagObject,
  type Repositories,
  type Tagger,
} from '../../git/index.js';
import type { Refusal } from '../../plugins/index.js';
import { matchesAny } from '../access/fnmatch.js';
import type { ServiceContext } from '../context.js';
import { GIT_JOBS } from '../git/jobs.js';
import { hookLine, receiveJobKey, type PushLedger } from '../git/push-ledger.js';
import { protectedBranchPatterns, readSettings } from '../projects/settings.js';
import { askCanPush, type RefUpdate } from './can-push.js';

export const NULL_REV = '0'.repeat(40);

/** What the service needs besides the service context: the repositories on disk, their locks and the push ledger. */
export interface RepositoryDeps {
  repositories: Repositories;
  locks: RepoLocks;
  ledger: PushLedger;
}

/** Who writes: a user (announced as their push), or null for the forge's own writes (not announced). */
export type Writer = Pick<UserRecord, 'id' | 'name'> | null;

export interface NewTag {
  name: string;
  /** A commit (or any object) by its hash or a unique prefix. */
  target: string;
  message: string;
  tagger: Tagger;
  /** Move an existing (non-alias) tag. */
  force: boolean;
}

/** A git failure while writing becomes Pagure's EGITERROR; anything else passes. */
async function gitWrite<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GitCommandError) throw Invalid('EGITERROR', { cause: error });
    throw error;
  }
}

export class RepositoryService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: RepositoryDeps,
  ) {}

  /** The project's bare repository on disk. */
  dirOf(project: ProjectRecord): string {
    return this.deps.repositories.pathOf(repositoryPath(project));
  }

  /** Runs `work` under the repository's lock: the key every job writing to it uses (their lockKey). */
  withLock<T>(project: ProjectRecord, work: () => Promise<T>): Promise<T> {
    return this.deps.locks.withLock(repositoryPath(project), work);
  }

  /** The plugins' verdict on one ref update (what pre-receive asks for a user's push). */
  canPush(user: { name: string } | null, project: ProjectRecord, update: RefUpdate): Promise<Refusal | undefined> {
    return askCanPush(this.ctx.hooks, user, project, update, { dir: this.dirOf(project) });
  }

  /**
   * Creates `branch` at `from` (a commit prefix, or a branch; by default the branch HEAD
   * names, else "master" as Pagure does). Answers the new branch's commit.
   */
  async createBranch(
    user: Writer,
    project: ProjectRecord,
    branch: string,
    from: { commit?: string; branch?: string } = {},
  ): Promise<string> {
    const dir = this.dirOf(project);
    const ref = `${REFS_HEADS}${branch}`;
    const { commit, pushId } = await this.withLock(project, async () => {
      let parent: string | undefined;
      if (from.commit !== undefined) {
        const object = await objectByPrefix(dir, from.commit);
        parent = object && (await commitOf(dir, object.sha));
        if (!parent) throw Invalid('ENOCODE', `The commit "${from.commit}" does not exist`);
      } else {
        const name = from.branch ?? (await headTarget(dir))?.slice(REFS_HEADS.length) ?? 'master';
        parent = isValidRefName(name) ? await commitOf(dir, `${REFS_HEADS}${name}`) : undefined;
        if (!parent) throw Invalid('ENOCODE', `The "${name}" branch does not exist`);
      }
      if (await readRef(dir, ref)) throw Invalid('ENOCODE', `The branch "${branch}" already exists`);
      const written = await this.write(
        user,
        project,
        { ref, oldRev: NULL_REV, newRev: parent },
        `branch ${branch} created by ${user?.name ?? 'the forge'}`,
      );
      return { commit: parent, pushId: written };
    });
    await this.announce(user, project, { ref, oldRev: NULL_REV, newRev: commit }, pushId);
    return commit;
  }

  /**
   * Deletes `branch` under the rules a pushed deletion meets: never the default branch,
   * only where git.allow_delete_branch is on, never a protected branch. Answers its last commit.
   */
  async deleteBranch(user: Writer, project: ProjectRecord, branch: string): Promise<string> {
    const dir = this.dirOf(project);
    const ref = `${REFS_HEADS}${branch}`;
    const { old, pushId } = await this.withLock(project, async () => {
      const found = await readRef(dir, ref);
      if (!found) throw Invalid('EBRANCHNOTFOUND');
      if (!('object' in found)) throw Invalid('ENOCODE', `${branch} is an alias; delete the alias through the API (git/alias/drop)`);
      if (branch === (await headBranch(dir))) throw Invalid('ENOCODE', `${branch} is the default branch and cannot be deleted`);
      if (!this.ctx.config.git.allowDeleteBranch) throw Invalid('ENOCODE', 'deleting branches is not allowed on this forge');
      if (matchesAny(branch, protectedBranchPatterns(readSettings(project))))
        throw Invalid('ENOCODE', `${branch} is protected: it cannot be deleted`);
      const written = await this.write(
        user,
        project,
        { ref, oldRev: found.object, newRev: NULL_REV },
        `branch ${branch} deleted by ${user?.name ?? 'the forge'}`,
      );
      return { old: found.object, pushId: written };
    });
    await this.announce(user, project, { ref, oldRev: old, newRev: NULL_REV }, pushId);
    return old;
  }

  /**
   * Writes an annotated tag. An existing tag is kept (answer: false) unless `force`;
   * otherwise answers the tag object and what the ref held before ('' when new).
   */
  async writeTag(user: Writer, project: ProjectRecord, tag: NewTag): Promise<{ old: string; tag: string } | false> {
    const dir = this.dirOf(project);
    const ref = `${REFS_TAGS}${tag.name}`;
    const written = await this.withLock(project, async () => {
      const target = await objectByPrefix(dir, tag.target);
      if (!target) throw Invalid('EGITERROR');
      const existing = await readRef(dir, ref);
      if (existing && (!tag.force || !('object' in existing))) return false;
      const object = await writeTagObject(dir, {
        name: tag.name,
        object: target.sha,
        type: target.type,
        tagger: tag.tagger,
        message: tag.message,
      });
      const old = existing && 'object' in existing ? existing.object : '';
      const pushId = await this.write(
        user,
        project,
        { ref, oldRev: old || NULL_REV, newRev: object },
        `tag ${tag.name} written by ${user?.name ?? 'the forge'}`,
      );
      return { old, tag: object, pushId };
    });
    if (!written) return false;
    await this.announce(user, project, { ref, oldRev: written.old || NULL_REV, newRev: written.tag }, written.pushId);
    return { old: written.old, tag: written.tag };
  }

  /**
   * Moves a branch from `oldRev` (NULL_REV: it does not exist yet) to `newRev`, as a merge
   * or a rebase publishes its result. The caller holds the repository's lock (a job whose
   * lockKey is the repository path). A veto is answered, not thrown, and nothing is written;
   * a branch that moved meanwhile makes the compare-and-swap fail (GitCommandError).
   */
  async moveBranch(user: Writer, project: ProjectRecord, update: RefUpdate, reason: string): Promise<Refusal | undefined> {
    const refusal = await this.canPush(user, project, update);
    if (refusal) return refusal;
    const dir = this.dirOf(project);
    const pushId = await this.recorded(user, project, update, () =>
      compareAndSwapRef(dir, update.ref, update.newRev, update.oldRev === NULL_REV ? '' : update.oldRev, reason),
    );
    await faultPoint('branch:moved');
    await this.announce(user, project, update, pushId);
    return undefined;
  }

  /**
   * Vetoes (Invalid ENOCODE with the plugin's message), then compare-and-swaps or deletes the
   * ref. Answers the id it was written down under in the push ledger (a user's write).
   */
  private async write(user: Writer, project: ProjectRecord, update: RefUpdate, reason: string): Promise<string | undefined> {
    const refusal = await this.canPush(user, project, update);
    if (refusal) throw Invalid('ENOCODE', refusal.message);
    const dir = this.dirOf(project);
    const expected = update.oldRev === NULL_REV ? '' : update.oldRev;
    return this.recorded(user, project, update, () =>
      update.newRev === NULL_REV
        ? gitWrite(() => runGit(['update-ref', '--no-deref', '-m', reason, '-d', update.ref, expected], { cwd: dir }))
        : gitWrite(() => compareAndSwapRef(dir, update.ref, update.newRev, expected, reason)),
    );
  }

  /**
   * Writes a user's update down in the push ledger, then lets `move` move the ref: a crash
   * before the announcement is queued leaves the entry to the ledger's reconcile, which
   * announces it if the ref landed. A write git refused (the ref moved meanwhile) is crossed
   * out at once. The forge's own writes are not announced, so not written down.
   */
  private async recorded(
    user: Writer,
    project: ProjectRecord,
    update: RefUpdate,
    move: () => Promise<unknown>,
  ): Promise<string | undefined> {
    if (!user) {
      await move();
      return undefined;
    }
    const pushId = randomBytes(20).toString('hex');
    await this.deps.ledger.record(pushId, project, { userId: user.id }, [hookLine(update)]);
    try {
      await move();
    } catch (error) {
      if (error instanceof GitCommandError || (error instanceof Error && error.cause instanceof GitCommandError)) {
        await this.deps.ledger.done(pushId);
      }
      throw error;
    }
    return pushId;
  }

  /** What a push of the same update triggers: the git.receive job (events, activity, the pushed hook), once per ledger entry. */
  private async announce(user: Writer, project: ProjectRecord, update: RefUpdate, pushId: string | undefined): Promise<void> {
    if (!user || !pushId) return;
    await this.ctx.jobs.enqueue(
      GIT_JOBS.receive,
      { projectId: project.id, userId: user.id, updates: [hookLine(update)], pushId },
      { key: receiveJobKey(pushId) },
    );
  }
}
