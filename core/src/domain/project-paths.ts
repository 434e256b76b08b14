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

/** Pagure's `url_path`: the web and API path, with singular "fork/". */
export function projectUrlPath(p: Named): string {
  return `${p.isFork ? `fork/${p.ownerName}/` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
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
