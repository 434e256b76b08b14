// `forge.git` as plugins get it: the interface of git-contracts.ts over core's git read
// functions and the repository locks. Revisions resolve as Pagure's URLs do
// (resolveRevision), so nothing unreachable is ever read by its hash.
import { existsSync } from 'node:fs';
import { repositoryPath, type ProjectRecord } from '../domain/index.js';
import type { RepoLocks } from '../db/index.js';
import {
  cleanTreePath,
  DEFAULT_MAX_OUTPUT,
  entryAt,
  listRefs,
  listTree,
  logCommits,
  readBlob,
  REFS_HEADS,
  resolveDefaultBranch,
  resolveRevision,
  blobStream,
  type Repositories,
} from '../git/index.js';
import type { ForgeGitApi, GitBranch } from './git-contracts.js';

const DEFAULT_BLOB_BYTES = 1024 * 1024;
const DEFAULT_LOG_LIMIT = 50;
const MOST_LOG_LIMIT = 1000;

export interface PluginGitDeps {
  repositories: Repositories;
  locks: RepoLocks;
  /** Whether projects.reserved keeps `name` from being a namespace ("docs/*"), as a repository type's name must be. */
  reservedNamespace(name: string): boolean;
  /** forge.git.serve, made above the plugin layer (it asks core's services). */
  serve: ForgeGitApi['serve'];
}

/** forge.git over the projects' main repositories, or (with `type`) their repositories of that type. */
export function createPluginGit(deps: PluginGitDeps, type?: string): ForgeGitApi {
  const relativeOf = (project: ProjectRecord) => deps.repositories.typedPath(type, repositoryPath(project));
  /** The repository's directory, or undefined when it is not on disk (yet). */
  const dirOf = (project: ProjectRecord): string | undefined => {
    const dir = deps.repositories.pathOf(relativeOf(project));
    return existsSync(dir) ? dir : undefined;
  };

  async function commitOf(project: ProjectRecord, ref: string): Promise<{ dir: string; commit: string } | undefined> {
    const dir = dirOf(project);
    if (!dir || typeof ref !== 'string') return undefined;
    const resolved = await resolveRevision(dir, ref);
    return resolved ? { dir, commit: resolved.commit } : undefined;
  }

  /** The entry at a path of a commit; "" is the root folder. */
  async function entryOf(dir: string, commit: string, path: string) {
    if (path === '' || path === '/') return { type: 'tree' as const, oid: `${commit}^{tree}`, mode: '040000', size: undefined, name: '' };
    const clean = cleanTreePath(path);
    return clean === undefined ? undefined : entryAt(dir, commit, clean);
  }

  const api: ForgeGitApi = {
    async resolve(project, ref) {
      return (await commitOf(project, ref))?.commit;
    },

    async defaultBranch(project) {
      const dir = dirOf(project);
      return dir ? resolveDefaultBranch(dir) : undefined;
    },

    async branches(project) {
      const dir = dirOf(project);
      if (!dir) return [];
      return (await listRefs(dir, REFS_HEADS)).map((entry): GitBranch => {
        const branch: GitBranch = { name: entry.ref.slice(REFS_HEADS.length), commit: entry.object };
        if (entry.symref?.startsWith(REFS_HEADS)) branch.aliasOf = entry.symref.slice(REFS_HEADS.length);
        return branch;
      });
    },

    async readBlob(project, ref, path, options = {}) {
      const found = await commitOf(project, ref);
      const clean = cleanTreePath(path);
      if (!found || clean === undefined) return undefined;
      const entry = await entryAt(found.dir, found.commit, clean);
      if (!entry || entry.type !== 'blob') return undefined;
      const max = Math.min(Math.max(0, Math.floor(options.maxBytes ?? DEFAULT_BLOB_BYTES)), DEFAULT_MAX_OUTPUT);
      const { data, truncated } = await readBlob(found.dir, entry.oid, max);
      return { oid: entry.oid, size: entry.size ?? data.length, data, truncated };
    },

    async listTree(project, ref, path = '') {
      const found = await commitOf(project, ref);
      if (!found) return undefined;
      const entry = await entryOf(found.dir, found.commit, path);
      if (!entry || entry.type !== 'tree') return undefined;
      const prefix = entry.name ? `${entry.name}/` : '';
      return (await listTree(found.dir, entry.oid)).map((e) => ({
        name: e.name,
        path: prefix + e.name,
        type: e.type,
        mode: e.mode,
        oid: e.oid,
        size: e.size,
      }));
    },

    async log(project, ref, options = {}) {
      const found = await commitOf(project, ref);
      if (!found) return undefined;
      const limit = Math.min(Math.max(1, Math.floor(options.limit ?? DEFAULT_LOG_LIMIT)), MOST_LOG_LIMIT);
      const skip = Math.max(0, Math.floor(options.skip ?? 0));
      let path: string | undefined;
      if (options.path !== undefined && options.path !== '') {
        path = cleanTreePath(options.path);
        if (path === undefined) return [];
      }
      return logCommits(found.dir, found.commit, { skip, limit, path });
    },

    async openBlob(project, ref, path) {
      const found = await commitOf(project, ref);
      const clean = cleanTreePath(path);
      if (!found || clean === undefined) return undefined;
      const entry = await entryAt(found.dir, found.commit, clean);
      if (!entry || entry.type !== 'blob') return undefined;
      return { oid: entry.oid, size: entry.size ?? 0, stream: blobStream(found.dir, entry.oid) };
    },

    withLock(project, work) {
      const relative = relativeOf(project);
      return deps.locks.withLock(relative, () => work(deps.repositories.pathOf(relative)));
    },

    serve: deps.serve,

    defineRepositoryType(definition) {
      if (type) throw new Error('define repository types on forge.git itself');
      const name = definition.name;
      if (!deps.reservedNamespace(name)) {
        throw new Error(
          `repository type "${name}": projects.reserved must hold "${name}/*", so that no project's namespace takes its URLs`,
        );
      }
      deps.repositories.defineType(name);
      return createPluginGit(deps, name);
    },
  };
  return Object.freeze(api);
}
