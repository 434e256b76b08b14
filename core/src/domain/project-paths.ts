// How a project is named in URLs and on disk: "rpms/bash", "forks/alice/rpms/bash".
import type { ProjectRef } from './refs.js';

interface Named {
  name: string;
  namespace: string | null;
  isFork: boolean;
  ownerName: string;
}

/** Pagure's `fullname`: forks live under "forks/<owner>/". */
export function projectFullname(p: Named): string {
  return `${p.isFork ? `forks/${p.ownerName}/` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

/** Pagure's `url_path`: the web and API path, with singular "fork/"; of a record, or of the ref the view hooks get. */
export function projectUrlPath(p: Named | Pick<ProjectRef, 'name' | 'namespace' | 'forkOf'>): string {
  const forkOwner = 'forkOf' in p ? p.forkOf : p.isFork ? p.ownerName : null;
  return `${forkOwner ? `fork/${forkOwner}/` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

/** The bare repository, relative to the repositories directory. */
export function repositoryPath(p: Named): string {
  return `${projectFullname(p)}.git`;
}

export function projectRef(p: Named & { id: number }): ProjectRef {
  return {
    id: p.id,
    fullname: projectFullname(p),
    name: p.name,
    namespace: p.namespace,
    forkOf: p.isFork ? p.ownerName : null,
  };
}

/** "forks/alice/rpms/bash" → { forkOwner: alice, namespace: rpms, name: bash }; undefined if malformed. */
export function parseFullname(fullname: string): { name: string; namespace: string | null; forkOwner: string | null } | undefined {
  const parts = fullname.replace(/\.git$/, '').split('/');
  const forkOwner = parts[0] === 'forks' && parts.length >= 3 ? parts[1]! : null;
  const rest = forkOwner === null ? parts : parts.slice(2);
  if (rest.length < 1 || rest.length > 2 || rest.some((p) => !p)) return undefined;
  return { name: rest[rest.length - 1]!, namespace: rest.length === 2 ? rest[0]! : null, forkOwner };
}
