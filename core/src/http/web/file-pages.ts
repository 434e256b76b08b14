// The file browser: /<repo>/tree[/<ref>[/f/<path>]] (folders), /<repo>/blob/<ref>/f/<path>
// (a file, highlighted, with numbered lines; its status also tells clients whether the file
// exists), /<repo>/blame/<path>?identifier=<ref> and /<repo>/history/<path>?identifier=<ref>.
import { cleanTreePath, fileAt, listTree, readBlob, blame, logCommits } from '../../git/index.js';
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { encodePath, rawFileUrl, routeParams, splitIdentifier, type GitBrowseDeps } from '../common/git-context.js';
import { highlightLines } from './code-view.js';
import { isMarkdownFile, markdownFor, readmeOf } from './readme.js';
import {
  branchName,
  commitNamed,
  notFound,
  PROJECT_PATHS,
  pageNumber,
  peekLinks,
  projectHeader,
  projectView,
  type ProjectView,
} from './page-kit.js';

/** Files larger than this are not shown inline. */
const LARGEST_SHOWN = 1024 * 1024;
const HISTORY_PER_PAGE = 50;

function isBinary(data: Buffer): boolean {
  return data.subarray(0, 8000).includes(0);
}

/** The breadcrumb of a path: each folder on the way, linked. */
function crumbs(view: ProjectView, identifier: string, path: string | undefined): Array<{ name: string; href: string }> {
  const out = [{ name: view.record.name, href: `${view.base}/tree/${encodePath(identifier)}` }];
  if (!path) return out;
  const parts = path.split('/');
  parts.forEach((part, i) =>
    out.push({ name: part, href: `${view.base}/tree/${encodePath(identifier)}/f/${encodePath(parts.slice(0, i + 1).join('/'))}` }),
  );
  return out;
}

export function filePages(router: ForgeRouter, services: DomainServices, deps: GitBrowseDeps): void {
  /** The project, its repository and the commit of the identifier, or the 404 Pagure answers. */
  async function located(ctx: ForgeContext, identifier: string | undefined) {
    const view = await projectView(ctx, services, deps, { readsGit: true });
    const { branches, head } = await view.refs();
    if (!branches.length) throw notFound('Empty repo cannot have a file');
    const ref = identifier || head?.name || 'HEAD';
    const commit = await commitNamed(view, ref);
    if (!commit) throw notFound('Commit or branch not found');
    return { view, identifier: ref, commit, branches: branches.map((b) => branchName(b.ref)) };
  }

  async function browse(ctx: ForgeContext, mode: 'tree' | 'blob'): Promise<void> {
    const split = splitIdentifier(routeParams(ctx).rest ?? '');
    if (mode === 'blob' && split.path === undefined) throw notFound('File not found');
    const { view, identifier, commit, branches } = await located(ctx, split.identifier);
    const clean = split.path === undefined ? '' : cleanTreePath(split.path);
    if (clean === undefined) throw notFound('File not found');
    const entry =
      clean === '' ? { type: 'tree' as const, oid: `${commit}^{tree}`, size: undefined } : await fileAt(view.dir, commit, clean);
    if (!entry) throw notFound('File not found');
    if (mode === 'tree' && entry.type === 'blob') {
      ctx.redirect(`${view.base}/blob/${encodePath(identifier)}/f/${encodePath(clean)}`);
      return;
    }
    const page: Record<string, unknown> = {
      title: `${clean || 'Files'} - ${view.fullname}`,
      project: projectHeader(view, 'files'),
      identifier,
      path: clean,
      crumbs: crumbs(view, identifier, clean || undefined),
      branches: branches.map((name) => ({
        name,
        href: `${view.base}/tree/${encodePath(name)}${clean ? `/f/${encodePath(clean)}` : ''}`,
        current: name === identifier,
      })),
    };
    if (entry.type === 'tree') {
      const entries = await listTree(view.dir, entry.oid);
      const link = (name: string, isFolder: boolean) =>
        `${view.base}/${mode === 'tree' && !isFolder ? 'blob' : mode}/${encodePath(identifier)}/f/${encodePath(clean ? `${clean}/${name}` : name)}`;
      page.entries = entries
        .map((e) => ({ name: e.name, type: e.type, isFolder: e.type === 'tree', order: e.type === 'tree' ? 0 : 1 }))
        .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))
        .map((e) => ({ ...e, href: e.type === 'commit' ? undefined : link(e.name, e.isFolder) }));
      page.isEmptyFolder = entries.length === 0;
      if (ctx.method !== 'HEAD') page.readme = await readmeOf(services, view, entries, deps.publicUrl(), LARGEST_SHOWN);
    } else {
      page.isFile = true;
      page.rawUrl = rawFileUrl(deps, view.record, identifier, clean);
      page.blameUrl = `${view.base}/blame/${encodePath(clean)}?identifier=${encodeURIComponent(identifier)}`;
      page.historyUrl = `${view.base}/history/${encodePath(clean)}?identifier=${encodeURIComponent(identifier)}`;
      // The status is what clients ask a HEAD request for: the content is not read.
      if (ctx.method !== 'HEAD') {
        if ((entry.size ?? 0) > LARGEST_SHOWN) page.note = `This file is too large to be shown here (${entry.size} bytes).`;
        else {
          const { data } = await readBlob(view.dir, entry.oid, LARGEST_SHOWN);
          if (isBinary(data)) page.note = `This is a binary file (${data.length} bytes).`;
          else if (!data.length) page.note = 'This file is empty.';
          else {
            page.lines = highlightLines(data.toString('utf8'), clean).map((html, i) => ({ number: i + 1, html }));
            if (isMarkdownFile(clean) && ctx.query.text === undefined) {
              page.rendered = await markdownFor(services, view, data.toString('utf8'), deps.publicUrl());
              page.sourceUrl = `?text=1`;
            }
          }
        }
      }
    }
    await ctx.render('repo-file', page);
  }

  async function blamePage(ctx: ForgeContext): Promise<void> {
    const path = cleanTreePath(routeParams(ctx).path ?? '');
    const { view, identifier, commit } = await located(ctx, typeof ctx.query.identifier === 'string' ? ctx.query.identifier : undefined);
    const entry = path ? await fileAt(view.dir, commit, path) : undefined;
    if (!path || !entry || entry.type !== 'blob') throw notFound('File not found');
    if ((entry.size ?? 0) > LARGEST_SHOWN) throw notFound('This file is too large to blame');
    const lines = await blame(view.dir, commit, path);
    const html = highlightLines(lines.map((l) => l.line).join('\n'), path);
    let previous = '';
    await ctx.render('repo-blame', {
      title: `Blame ${path} - ${view.fullname}`,
      project: projectHeader(view, 'files'),
      identifier,
      path,
      fileUrl: `${view.base}/blob/${encodePath(identifier)}/f/${encodePath(path)}`,
      lines: lines.map((line, i) => {
        const first = line.hash !== previous;
        previous = line.hash;
        return {
          number: i + 1,
          html: html[i] ?? '',
          first,
          hash: line.hash,
          author: line.author,
          time: line.time,
          summary: line.summary,
          commitUrl: `${view.base}/c/${line.hash}`,
        };
      }),
    });
  }

  async function historyPage(ctx: ForgeContext): Promise<void> {
    const path = cleanTreePath(routeParams(ctx).path ?? '');
    if (!path) throw notFound('File not found');
    const { view, identifier, commit } = await located(ctx, typeof ctx.query.identifier === 'string' ? ctx.query.identifier : undefined);
    const page = pageNumber(ctx);
    const commits = await logCommits(view.dir, commit, { skip: (page - 1) * HISTORY_PER_PAGE, limit: HISTORY_PER_PAGE + 1, path });
    if (!commits.length && page === 1) throw notFound('File not found');
    await ctx.render('repo-commits', {
      title: `History of ${path} - ${view.fullname}`,
      project: projectHeader(view, 'files'),
      heading: `History of ${path}`,
      identifier,
      commits: commits.slice(0, HISTORY_PER_PAGE).map((c) => ({ ...c, href: `${view.base}/c/${c.hash}` })),
      pager: peekLinks(page, commits.length > HISTORY_PER_PAGE),
      query: { identifier },
    });
  }

  for (const variant of PROJECT_PATHS) {
    router.get(`${variant}/tree`, (ctx) => browse(ctx, 'tree'));
    router.get(`${variant}/tree/*rest`, (ctx) => browse(ctx, 'tree'));
    router.get(`${variant}/blob/*rest`, (ctx) => browse(ctx, 'blob'));
    router.get(`${variant}/blame/*path`, blamePage);
    router.get(`${variant}/history/*path`, historyPage);
  }
}
