// Reading a project's files and commits: .../tree[/<identifier>[/f/<path>]] and .../c/<hash>/info.
import { existsSync } from 'node:fs';
import type { ProjectRecord } from '../../domain/index.js';
import { NotFound } from '../../errors/index.js';
import {
  cleanTreePath,
  fileAt,
  isEmptyRepository,
  listTree,
  objectByPrefix,
  readCommit,
  resolveDefaultBranch,
  type TreeEntry,
} from '../../git/index.js';
import type { DomainServices } from '../../services/index.js';
import {
  apiTreeUrl,
  commitOfIdentifier,
  rawFileUrl,
  repoDir,
  routeParams,
  splitIdentifier,
  type GitBrowseDeps,
} from '../common/git-context.js';
import type { ProjectRoutes } from '../common/project-routes.js';

/** Pagure's names for tree entries, by file mode. */
function entryType(mode: number): 'folder' | 'link' | 'submodule' | 'file' {
  if (mode === 0o040000) return 'folder';
  if (mode === 0o120000) return 'link';
  if (mode === 0o160000) return 'submodule';
  return 'file';
}

export function gitTreeRoutes(routes: ProjectRoutes, _services: DomainServices, deps: GitBrowseDeps): void {
  async function view(project: ProjectRecord, rest: string | undefined) {
    const dir = repoDir(deps, project);
    if (!existsSync(dir) || (await isEmptyRepository(dir))) throw NotFound('EEMPTYGIT');
    let identifier: string;
    let commit: string | undefined;
    let path: string | undefined;
    if (rest === undefined) {
      const head = await resolveDefaultBranch(dir);
      identifier = head?.name ?? '';
      commit = head?.commit;
    } else {
      ({ identifier, path } = splitIdentifier(rest));
      commit = await commitOfIdentifier(dir, identifier);
    }
    if (!commit) throw NotFound('EFILENOTFOUND');

    let entries: TreeEntry[];
    let name: string | null = null;
    if (path === undefined) {
      entries = await listTree(dir, `${commit}^{tree}`);
    } else {
      const clean = cleanTreePath(path);
      const entry = clean === undefined ? undefined : await fileAt(dir, commit, clean);
      if (!clean || !entry) throw NotFound('EFILENOTFOUND');
      if (entry.type !== 'tree') return { type: 'file', name: clean, content_url: rawFileUrl(deps, project, identifier, clean) };
      entries = await listTree(dir, entry.oid);
      name = clean;
    }
    // Folders first, then files, links and submodules: Pagure sorts by file mode.
    const sorted = entries.map((entry) => ({ entry, mode: Number.parseInt(entry.mode, 8) })).sort((a, b) => a.mode - b.mode);
    const content = sorted.map(({ entry, mode }) => {
      const type = entryType(mode);
      const full = name === null ? entry.name : `${name}/${entry.name}`;
      const url = type === 'file' ? rawFileUrl(deps, project, identifier, full) : apiTreeUrl(deps, project, identifier, full);
      return { type, name: entry.name, path: full, content_url: url };
    });
    return { type: 'folder', name, content };
  }

  routes.add('get', '/tree', async (ctx, project) => {
    ctx.body = await view(project, undefined);
  });
  routes.add('get', '/tree/*rest', async (ctx, project) => {
    ctx.body = await view(project, routeParams(ctx).rest ?? '');
  });

  routes.add('get', '/c/:commit_hash/info', async (ctx, project) => {
    const dir = repoDir(deps, project);
    const hash = routeParams(ctx).commit_hash ?? '';
    const object = existsSync(dir) ? await objectByPrefix(dir, hash) : undefined;
    if (!object || object.type !== 'commit') throw NotFound('ENOCOMMIT');
    const commit = await readCommit(dir, object.sha);
    ctx.body = {
      author: commit.author.name,
      committer: commit.committer.name,
      commit_time: commit.committer.time,
      commit_time_offset: commit.committer.offset,
      hash: commit.sha,
      message: commit.message,
      parent_ids: commit.parents,
      tree_id: commit.tree,
    };
  });
}
