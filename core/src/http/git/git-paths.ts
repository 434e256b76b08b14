// Smart-HTTP URLs: /<name>.git, /<ns>/<name>.git, /forks/<user>/[<ns>/]<name>.git (".git"
// optional), followed by info/refs, git-upload-pack or git-receive-pack.
import type { ProjectPath } from '../../services/index.js';

export type GitEndpoint = 'info/refs' | 'git-upload-pack' | 'git-receive-pack';

const GIT_URL = /^\/(?:forks\/([^/]+)\/)?(?:([^/]+)\/)?([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export function parseGitUrl(path: string): { project: ProjectPath; endpoint: GitEndpoint } | undefined {
  const match = GIT_URL.exec(path);
  if (!match) return undefined;
  const [, forkOwner, namespace, name, endpoint] = match;
  return { project: { name: name!, namespace: namespace ?? null, forkOwner: forkOwner ?? null }, endpoint: endpoint as GitEndpoint };
}

/** Cheap test used to route requests to the git stack before anything else. */
export function looksLikeGit(path: string): boolean {
  return path.endsWith('/info/refs') || path.endsWith('/git-upload-pack') || path.endsWith('/git-receive-pack');
}
