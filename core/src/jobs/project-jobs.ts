// Core's jobs for repositories: create one (maybe with a README), fork one, remove one.
// Each carries the repository's path and holds its lock (the key every job writing to a
// repository uses); a failed create or fork removes its project again.
// Both are durable and may run again after their worker died (or from the job outbox): the
// repository they make is marked with its project's id, so a run that finds its own
// repository goes on from where the last one stopped, and only someone else's leftover
// repository is refused (and never touched).
import { projectFullname, repositoryPath, type ProjectRecord } from '../domain/index.js';
import { commitOf, createSymbolicRef, readRef, resolveDefaultBranch, runGit, type Repositories } from '../git/index.js';
import type { EventsApi, JobRegistry } from '../plugins/index.js';
import { FinalJobError } from '../queue/index.js';
import { PROJECT_JOBS, type DomainServices } from '../services/index.js';

export interface ProjectJobDeps {
  services: DomainServices;
  repositories: Repositories;
  events: EventsApi;
  db: import('knex').Knex;
}

/** Marks a repository as made for the project: a git config entry of its own, written before it appears at its path. */
const ownerMark = (project: ProjectRecord) => ({ 'pagurus.projectId': String(project.id) });

/** Whether an earlier run of this project's job made the repository at `path`. */
async function madeFor(repositories: Repositories, path: string, project: ProjectRecord): Promise<boolean> {
  const id = await runGit(['config', '--get', 'pagurus.projectId'], { cwd: repositories.pathOf(path) }).catch(() => '');
  return id.trim() === String(project.id);
}

/** The project's repositories of each type plugins defined (docs), beside its main one. */
function typedPaths(repositories: Repositories, mainPath: string): string[] {
  return repositories.types.map((type) => repositories.typedPath(type, mainPath));
}

async function forget(deps: ProjectJobDeps, project: ProjectRecord): Promise<void> {
  await deps.db('projects').where({ id: project.id }).delete();
}

async function announce(deps: ProjectJobDeps, topic: 'project.new' | 'project.forked', project: ProjectRecord): Promise<void> {
  const json = await deps.services.projects.json(project);
  await deps.events.emit(deps.db, topic, { project: json }, { agent: project.ownerName, project });
}

export function defineProjectJobs(registry: JobRegistry, deps: ProjectJobDeps): void {
  const { services, repositories } = deps;

  registry.define<{ projectId: number; path: string; readme: boolean; defaultBranch: string; aliases?: string; ignoreExisting: boolean }>({
    name: PROJECT_JOBS.create,
    durable: true,
    attempts: 1,
    // POST /new with wait=true answers when this ends.
    priority: 'high',
    lockKey: (data) => data.path,
    async run(data) {
      const project = await services.projectQueries.byId(data.projectId);
      if (!project) return;
      const path = repositoryPath(project);
      const again = repositories.exists(path) && (await madeFor(repositories, path, project));
      if (repositories.exists(path) && !data.ignoreExisting && !again) {
        await forget(deps, project);
        throw new FinalJobError(`The main repo ${projectFullname(project)}.git already exists`);
      }
      try {
        if (!repositories.exists(path)) {
          await repositories.create(path, data.defaultBranch, ownerMark(project));
        }
        const dir = repositories.pathOf(path);
        // The README once: a run again finds the branch it made.
        if (data.readme && !(await commitOf(dir, `refs/heads/${data.defaultBranch}`))) {
          const owner = (await services.users.byIds([project.userId])).get(project.userId)!;
          const email = (await services.users.emails([owner.id])).get(owner.id)?.defaultEmail ?? `${owner.name}@users.noreply`;
          await repositories.commitFile(path, {
            branch: data.defaultBranch,
            file: 'README.md',
            content: `# ${project.name}\n\n${project.description}\n`,
            message: 'Added the README',
            author: { name: owner.fullname || owner.name, email },
          });
        }
        // Branch aliases the newProject hook asked for ({"main": "rawhide"}), as JSON.
        const aliases = JSON.parse(data.aliases ?? '{}') as Record<string, string>;
        for (const [alias, branch] of Object.entries(aliases))
          if (!(await readRef(dir, `refs/heads/${alias}`))) await createSymbolicRef(dir, `refs/heads/${alias}`, `refs/heads/${branch}`);
        for (const typed of typedPaths(repositories, path))
          if (!repositories.exists(typed)) await repositories.create(typed, data.defaultBranch);
      } catch (error) {
        if (!again) {
          for (const typed of typedPaths(repositories, path)) await repositories.discard(typed).catch(() => undefined);
          await repositories.discard(path);
          await forget(deps, project);
        }
        throw error;
      }
      await announce(deps, 'project.new', project);
      return { projectId: project.id };
    },
  });

  registry.define<{ projectId: number; path: string }>({
    name: PROJECT_JOBS.fork,
    durable: true,
    attempts: 1,
    priority: 'high',
    lockKey: (data) => data.path,
    async run(data) {
      const fork = await services.projectQueries.byId(data.projectId);
      if (!fork) return;
      const parent = fork.parentId === null ? undefined : await services.projectQueries.byId(fork.parentId);
      const path = repositoryPath(fork);
      if (repositories.exists(path) && !(await madeFor(repositories, path, fork))) {
        // Someone else's repository: refused, and left as it is.
        await forget(deps, fork);
        throw new FinalJobError(`The main repo ${projectFullname(fork)}.git already exists`);
      }
      const again = repositories.exists(path);
      try {
        if (!parent) throw new FinalJobError(`The project ${projectFullname(fork)} was forked from is gone`);
        if (!again) {
          await repositories.fork(repositoryPath(parent), path, ownerMark(fork));
        }
        // A fork's typed repositories (docs) start empty, on the parent's default branch name.
        const head = await resolveDefaultBranch(repositories.pathOf(path));
        for (const typed of typedPaths(repositories, path))
          if (!repositories.exists(typed)) await repositories.create(typed, head?.name ?? 'main');
      } catch (error) {
        if (!again) {
          for (const typed of typedPaths(repositories, path)) await repositories.discard(typed).catch(() => undefined);
          await repositories.discard(path).catch(() => undefined);
          await forget(deps, fork);
        }
        throw error;
      }
      await announce(deps, 'project.forked', fork);
      return { projectId: fork.id };
    },
  });

  registry.define<{ path: string }>({
    name: PROJECT_JOBS.remove,
    durable: true,
    lockKey: (data) => data.path,
    async run(data) {
      await repositories.remove(data.path);
      for (const typed of typedPaths(repositories, data.path)) await repositories.remove(typed);
    },
  });
}
