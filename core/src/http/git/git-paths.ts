// Smart-HTTP URLs: /<name>.git, /<ns>/<name>.git, /forks/<user>/[<ns>/]<name>.git (".git"
// optional), followed by info/refs, git-upload-pack or git-receive-pack; a repository type's
// (docs) the same behind its name: /docs/<name>.git, /docs/forks/<user>/<name>.git.
import type { ProjectPath } from '../../services/index.js';

export type GitEndpoint = 'info/refs' | 'git-upload-pack' | 'git-receive-pack';

const GIT_URL = /^\/(?:forks\/([^/]+)\/)?(?:([^/]+)\/)?([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export interface GitRoute {
  project: ProjectPath;
  endpoint: GitEndpoint;
  /** The repository type (absent: the main repository). */
  type?: string;
}

/** `types`: the repository types defined; their names are reserved as namespaces. */
export function parseGitUrl(path: string, types: readonly string[] = []): GitRoute | undefined {
  const first = path.slice(1, path.indexOf('/', 1));
  if (types.includes(first)) {
    const rest = parseGitUrl(path.slice(first.length + 1));
    return rest && { ...rest, type: first };
  }
  const match = GIT_URL.exec(path);
  if (!match) return undefined;
  const [, forkOwner, namespace, name, endpoint] = match;
  return { project: { name: name!, namespace: namespace ?? null, forkOwner: forkOwner ?? null }, endpoint: endpoint as GitEndpoint };
}

/** Cheap test used to route requests to the git stack before anything else. */
export function looksLikeGit(path: string): boolean {
  return path.endsWith('/info/refs') || path.endsWith('/git-upload-pack') || path.endsWith('/git-receive-pack');
}
