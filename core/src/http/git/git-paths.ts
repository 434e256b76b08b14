// Smart-HTTP URLs: /<name>.git, /<ns>/<name>.git, /forks/<user>/[<ns>/]<name>.git (".git"
// optional), followed by info/refs, git-upload-pack or git-receive-pack; a repository type's
// (docs) the same behind its name: /docs/<name>.git, /docs/forks/<user>/<name>.git.
import type { ProjectPath } from '../../services/index.js';

export type GitEndpoint = 'info/refs' | 'git-upload-pack' | 'git-receive-pack';

const ENDPOINT = /\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const REPOSITORY = /^\/(?:forks\/([^/]+)\/)?(?:([^/]+)\/)?([^/]+?)(?:\.git)?$/;

/** A repository as a path names it: the project, and the repository type (absent: the main repository). */
export interface GitRepositoryRoute {
  project: ProjectPath;
  type?: string;
}

export interface GitRoute extends GitRepositoryRoute {
  endpoint: GitEndpoint;
}

/**
 * The repository a path names ("/rpms/bash.git", "/docs/forks/alice/bash"), without an
 * endpoint: what git over SSH asks for. `types`: the repository types defined; their names
 * are reserved as namespaces.
 */
export function parseRepositoryPath(path: string, types: readonly string[] = []): GitRepositoryRoute | undefined {
  const slash = path.indexOf('/', 1);
  // A type's name is a first folder: "/docs/bash.git", never "/docsa".
  const first = slash < 0 ? '' : path.slice(1, slash);
  if (types.includes(first)) {
    const rest = parseRepositoryPath(path.slice(first.length + 1));
    return rest && { ...rest, type: first };
  }
  const match = REPOSITORY.exec(path);
  if (!match) return undefined;
  const [, forkOwner, namespace, name] = match;
  return { project: { name: name!, namespace: namespace ?? null, forkOwner: forkOwner ?? null } };
}

/** A smart-HTTP URL: a repository path followed by its endpoint. */
export function parseGitUrl(path: string, types: readonly string[] = []): GitRoute | undefined {
  const endpoint = ENDPOINT.exec(path);
  const repository = endpoint && parseRepositoryPath(path.slice(0, endpoint.index), types);
  return repository ? { ...repository, endpoint: endpoint[1] as GitEndpoint } : undefined;
}

/** Cheap test used to route requests to the git stack before anything else. */
export function looksLikeGit(path: string): boolean {
  return path.endsWith('/info/refs') || path.endsWith('/git-upload-pack') || path.endsWith('/git-receive-pack');
}
