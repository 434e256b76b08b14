// After a push: what each moved ref brought (Pagure's rules for which commits count),
// commits logged for the activity heatmap, the pushed hook for later features, the git.*
// events with Pagure's body keys, and a "git gc --auto" to keep the repository packed.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { projectRef, repositoryPath, type ProjectRecord } from '../domain/index.js';
import {
  authorOf,
  changedFiles,
  commitsBetween,
  firstUnreachable,
  forgetRefs,
  headBranch,
  isAncestor,
  isNullRev,
  mergeBase,
  runGit,
  type PushedCommit,
  type Repositories,
} from '../git/index.js';
import type { EventsApi, ForgeHooks, JobQueueApi, JobRegistry, PushedRef } from '../plugins/index.js';
import { deployKeyName, GIT_JOBS, userJson, type DomainServices } from '../services/index.js';

export interface GitJobDeps {
  services: DomainServices;
  repositories: Repositories;
  events: EventsApi;
  hooks: ForgeHooks;
  jobs: JobQueueApi;
  db: Knex;
  log: Logger;
  /** The forge's public URL (known once it listens). */
  publicUrl: () => string;
  logAllCommits: boolean;
  gcAfterPush: boolean;
}

type ReceiveData = {
  projectId: number;
  /** Who pushed: a user, or a project's deploy key. */
  userId?: number;
  deployKeyId?: number;
  /** The push ledger's entry (a push through the hooks), crossed out once this job has run. */
  pushId?: string;
  /** git's hook input lines: "<old> <new> <ref>". */
  updates: string[];
};

/** Pagure's author entry: the forge user with that address, else just the name. */
type AuthorJson = ReturnType<typeof userJson> | { fullname: string; name: null; url_path: null };

interface RefChange extends PushedRef {
  kind: 'branch' | 'tag' | 'other';
  /** Short name: main, v1.0. */
  name: string;
  /** The commit the diff and old_commit start from (Pagure's "^000…" for a new branch). */
  base: string;
  log: PushedCommit[];
}

async function describe(repo: string, line: string, head: string | undefined): Promise<RefChange | undefined> {
  const [oldRev, newRev, ref] = line.split(' ');
  if (!oldRev || !newRev || !ref) return undefined;
  const kind = ref.startsWith('refs/heads/') ? 'branch' : ref.startsWith('refs/tags/') ? 'tag' : 'other';
  const name = kind === 'branch' ? ref.slice(11) : kind === 'tag' ? ref.slice(10) : ref;
  const created = isNullRev(oldRev);
  const deleted = isNullRev(newRev);
  const change: RefChange = { ref, oldRev, newRev, created, deleted, forced: false, commits: [], kind, name, base: oldRev, log: [] };
  if (deleted || kind !== 'branch') return change;
  if (created) {
    // A new branch brings what the default branch lacks (all of it, if it is the default).
    change.base = `^${oldRev}`;
    change.log = await commitsBetween(repo, newRev, name === head || !head ? [] : [`refs/heads/${head}`]);
  } else {
    change.forced = !(await isAncestor(repo, oldRev, newRev));
    if (change.forced) change.base = (await mergeBase(repo, oldRev, newRev)) ?? oldRev;
    change.log = await commitsBetween(repo, newRev, change.forced && change.base === oldRev ? [] : [change.base]);
  }
  change.commits = change.log.map((c) => c.hash);
  return change;
}

export function defineGitJobs(registry: JobRegistry, deps: GitJobDeps): void {
  const { services, repositories } = deps;

  registry.define<ReceiveData>({
    name: GIT_JOBS.receive,
    durable: true,
    attempts: 3,
    async run(data) {
      const project = await services.projectQueries.byId(data.projectId);
      if (!project) {
        if (data.pushId) await services.pushLedger.done(data.pushId);
        return;
      }
      let pusher: { name: string; deployKey?: { id: number } };
      if (data.deployKeyId !== undefined) pusher = { name: deployKeyName(project, data.deployKeyId), deployKey: { id: data.deployKeyId } };
      else {
        const user = data.userId === undefined ? undefined : (await services.users.byIds([data.userId])).get(data.userId);
        if (!user) return;
        pusher = { name: user.name };
      }
      const repo = repositories.pathOf(repositoryPath(project));
      forgetRefs(repo);
      const head = await headBranch(repo);
      const changes: RefChange[] = [];
      for (const line of data.updates) {
        const change = await describe(repo, line, head);
        if (change) changes.push(change);
      }

      const logged = changes
        .filter((c) => c.kind === 'branch' && !c.deleted && (deps.logAllCommits || c.name === head))
        .flatMap((c) => c.log);
      if (logged.length) await services.activity.logCommits(project, logged);

      await deps.hooks.pushed.promise({
        user: { name: pusher.name },
        ...(pusher.deployKey ? { deployKey: pusher.deployKey } : {}),
        project: projectRef(project),
        defaultBranch: head,
        refs: changes.map(({ ref, oldRev, newRev, created, deleted, forced, commits }) => ({
          ref,
          oldRev,
          newRev,
          created,
          deleted,
          forced,
          commits,
        })),
      });

      await announce(deps, project, pusher.name, repo, changes);

      // Deleted and force-pushed refs may leave commits no ref reaches: gc prunes those.
      const orphans = changes
        .filter((c) => c.deleted || c.forced)
        .map((c) => c.oldRev)
        .slice(0, 100);
      if (deps.gcAfterPush) await deps.jobs.enqueue(GIT_JOBS.gc, { path: repositoryPath(project), orphans });
      if (data.pushId) await services.pushLedger.done(data.pushId);
      return { refs: changes.length };
    },
  });

  registry.define<{ path: string; orphans?: string[] }>({
    name: GIT_JOBS.gc,
    attempts: 1,
    priority: 'low',
    // Under the repository's lock, as every write to it.
    lockKey: (data) => data.path,
    async run(data) {
      if (!repositories.exists(data.path)) return;
      const cwd = repositories.pathOf(data.path);
      try {
        // A push that left commits unreachable gets a whole gc, which prunes them once they
        // are older than PRUNE_EXPIRE; other pushes only "gc --auto" (which prunes as well).
        const orphans = (data.orphans ?? []).filter((rev) => /^[0-9a-f]{40,64}$/.test(rev) && !isNullRev(rev));
        const prune = orphans.length > 0 && (await firstUnreachable(cwd, orphans)) !== undefined;
        await runGit([...PRUNE_CONFIG, 'gc', ...(prune ? [] : ['--auto']), '--quiet'], { cwd, timeoutMs: 30 * 60_000 });
      } catch (error) {
        // Costs only disk space; the next push tries again.
        deps.log.warn({ err: error, path: data.path }, 'git gc failed');
      }
    },
  });
}

/**
 * How long unreachable objects (a deleted branch's commits) and reflog entries of commits
 * no longer on their branch (a force-push's old commits) are kept: long enough that a push
 * or merge writing objects while gc runs never loses them, short enough that a leaked
 * secret is soon gone from disk. (Pages, the API and fetches never serve them meanwhile.)
 */
export const PRUNE_EXPIRE = '1.hour.ago';
const PRUNE_CONFIG = ['-c', `gc.pruneExpire=${PRUNE_EXPIRE}`, '-c', `gc.reflogExpireUnreachable=${PRUNE_EXPIRE}`];

async function announce(deps: GitJobDeps, project: ProjectRecord, agent: string, repo: string, changes: RefChange[]): Promise<void> {
  const { services, events } = deps;
  // Private projects' pushes are recorded too, marked private: each listener decides.
  const options = { agent, project };
  const repoJson = await services.projects.json(project);
  // Every author of every change, resolved to users in one query.
  const authorsOf = new Map<string, { name: string; email: string }[]>();
  for (const change of changes) {
    if (change.deleted || change.created || change.kind !== 'branch') {
      const rev = change.deleted ? change.oldRev : change.newRev;
      const author = change.kind === 'other' ? undefined : await authorOf(repo, rev);
      authorsOf.set(change.ref, author ? [author] : []);
    }
    if (change.kind === 'branch' && !change.deleted) {
      const seen = new Map<string, { name: string; email: string }>();
      for (const c of change.log) seen.set(`${c.authorEmail.toLowerCase()}\0${c.authorName}`, { name: c.authorName, email: c.authorEmail });
      authorsOf.set(`receive:${change.ref}`, [...seen.values()]);
    }
  }
  const users = await services.users.byEmails([...authorsOf.values()].flat().map((a) => a.email));
  const authorJson = (list: { name: string; email: string }[]): AuthorJson[] => {
    const out = new Map<string, AuthorJson>();
    for (const a of list) {
      const found = users.get(a.email.toLowerCase());
      if (found) out.set(`user:${found.id}`, userJson(found, deps.publicUrl()));
      else out.set(`name:${a.name}`, { fullname: a.name, name: null, url_path: null });
    }
    return [...out.values()];
  };

  for (const change of changes) {
    if (change.kind === 'other') continue;
    if (change.deleted || change.created) {
      const action = change.deleted ? 'deletion' : 'creation';
      const rev = change.deleted ? change.oldRev : change.newRev;
      const key = change.kind === 'branch' ? 'branch' : 'tag';
      // Typed as a plain string: the body's key is computed, so no single topic's type fits it.
      const topic: string = `git.${key}.${action}`;
      await events.emit(
        deps.db,
        topic,
        { authors: authorJson(authorsOf.get(change.ref) ?? []), agent, repo: repoJson, [key]: change.name, rev },
        options,
      );
    }
    if (change.kind !== 'branch' || change.deleted || !change.log.length) continue;
    const oldest = change.log[change.log.length - 1]!.hash;
    const newest = change.log[0]!.hash;
    await events.emit(
      deps.db,
      'git.receive',
      {
        total_commits: change.log.length,
        start_commit: oldest,
        end_commit: newest,
        old_commit: change.base,
        branch: change.name,
        forced: change.forced,
        authors: authorJson(authorsOf.get(`receive:${change.ref}`) ?? []),
        changed_files: await changedFiles(repo, change.created ? null : change.base, newest),
        agent,
        repo: repoJson,
        pull_request_id: null,
      },
      options,
    );
  }
}
