// What the repository-browsing routes (API and pages) need besides the services: the
// repositories on disk, their locks, the canPush hook, the public URL and git settings.
import type { Config } from '../../config/index.js';
import type { RepoLocks } from '../../db/index.js';
import { projectUrlPath, repositoryPath, type ProjectRecord } from '../../domain/index.js';
import { resolveRevision, type Repositories } from '../../git/index.js';
import type { ForgeHooks } from '../../plugins/index.js';

export interface GitBrowseDeps {
  repositories: Repositories;
  locks: RepoLocks;
  hooks: ForgeHooks;
  publicUrl: () => string;
  git: Pick<Config['git'], 'apiUpdateTags' | 'urlSsh' | 'urlGit'>;
}

/** The project's bare repository on disk. */
export function repoDir(deps: GitBrowseDeps, project: ProjectRecord): string {
  return deps.repositories.pathOf(repositoryPath(project));
}

/** Runs a write to the project's repository under its lock: the key every job writing to it uses. */
export function withRepoLock<T>(deps: GitBrowseDeps, project: ProjectRecord, work: () => Promise<T>): Promise<T> {
  return deps.locks.withLock(repositoryPath(project), work);
}

/** A path or identifier in a URL: each segment percent-encoded, slashes kept. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

const base = (deps: GitBrowseDeps) => deps.publicUrl().replace(/\/+$/, '');

/** /<repo>/raw/<identifier>/f/<path>, absolute. */
export function rawFileUrl(deps: GitBrowseDeps, project: ProjectRecord, identifier: string, path: string): string {
  return `${base(deps)}/${projectUrlPath(project)}/raw/${encodePath(identifier)}/f/${encodePath(path)}`;
}

/** /api/0/<repo>/tree/<identifier>/f/<path>, absolute. */
export function apiTreeUrl(deps: GitBrowseDeps, project: ProjectRecord, identifier: string, path: string): string {
  return `${base(deps)}/api/0/${projectUrlPath(project)}/tree/${encodePath(identifier)}/f/${encodePath(path)}`;
}

/** Splits "<identifier>/f/<path>" at the first "/f/", as Pagure's routes do; the path may be absent. */
export function splitIdentifier(rest: string): { identifier: string; path: string | undefined } {
  const at = rest.indexOf('/f/');
  if (at === -1) return { identifier: rest.replace(/\/+$/, ''), path: undefined };
  const path = rest.slice(at + 3);
  return { identifier: rest.slice(0, at), path: path.replace(/\/+$/, '') === '' ? undefined : path };
}

const LONGEST_IDENTIFIER = 255;

/** The commit an identifier from a URL names (branch, commit or tag), or undefined. */
export async function commitOfIdentifier(dir: string, identifier: string): Promise<string | undefined> {
  if (!identifier || identifier.length > LONGEST_IDENTIFIER || identifier.includes('\0')) return undefined;
  return (await resolveRevision(dir, identifier))?.commit;
}

/** The route's parameters (the handlers get a plain ForgeContext). */
export function routeParams(ctx: object): Record<string, string | undefined> {
  return (ctx as { params?: Record<string, string | undefined> }).params ?? {};
}
