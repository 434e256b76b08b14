// Pagure's doc server URLs: <doc_url>/<repo>/<path>, <doc_url>/<ns>.<repo>/<path>, and a
// fork's under /fork/<user>/. A project name may itself hold a dot ("python3.12"): the
// whole segment is tried as a name first, then split at each dot as namespace and name.

export interface DocRequest {
  /** The project's full names to try, in order ("python3.12", then "python3/12"). */
  candidates: string[];
  /** The URL path of the project's docs root, with its trailing slash ("/rpms.bash/"). */
  root: string;
  /** The path inside the docs ("guide/intro.md"; "" or ending in "/" for a folder), decoded. */
  file: string;
}

const SEGMENT = /^[\w][\w.+-]*$/;

/** The project and file a request path names; undefined when it names none. */
export function parseDocPath(pathname: string): DocRequest | undefined {
  let decoded: string[];
  try {
    decoded = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  let fork: string | undefined;
  if (decoded[0] === 'fork') {
    fork = decoded[1];
    decoded = decoded.slice(2);
    if (!fork || !SEGMENT.test(fork)) return undefined;
  }
  const [project, ...rest] = decoded;
  if (!project || !SEGMENT.test(project)) return undefined;
  if (rest.some((part) => part === '..' || part === '.' || part.includes('\0'))) return undefined;
  const prefix = fork ? `forks/${fork}/` : '';
  const candidates = [`${prefix}${project}`];
  for (let at = project.indexOf('.'); at > 0 && at < project.length - 1; at = project.indexOf('.', at + 1)) {
    candidates.push(`${prefix}${project.slice(0, at)}/${project.slice(at + 1)}`);
  }
  return {
    candidates,
    root: `/${fork ? `fork/${encodeURIComponent(fork)}/` : ''}${encodeURIComponent(project)}/`,
    file: rest.join('/'),
  };
}

/** The URL path of a project's docs root: Pagure's layout, "<ns>.<name>" for a namespaced one. */
export function docRootOf(project: { name: string; namespace: string | null; forkOf: string | null }): string {
  const name = project.namespace ? `${project.namespace}.${project.name}` : project.name;
  return `/${project.forkOf ? `fork/${encodeURIComponent(project.forkOf)}/` : ''}${encodeURIComponent(name)}/`;
}
