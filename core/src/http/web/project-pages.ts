// Project pages: the index (/projects, with search), the new-project form, a project's
// overview (README, clone URLs, forks, watchers), forking, commits, a commit, branches.
import { existsSync } from 'node:fs';
import { projectFullname, projectUrlPath } from '../../domain/index.js';
import { REFS_HEADS, commitDiffText, rangeDiffText, listTree, logCommits, objectByPrefix, commitOf, readCommit } from '../../git/index.js';
import type { ForgeContext, ForgeRouter, JobQueueApi } from '../../plugins/index.js';
import { parseNewProject, type DomainServices } from '../../services/index.js';
import { encodePath, routeParams, type GitBrowseDeps } from '../common/git-context.js';
import { parseDiff } from './code-view.js';
import { readmeOf } from './readme.js';
import { branchesPage } from './branch-pages.js';
import { flash } from './session.js';
import {
  attempt,
  branchName,
  commitNamed,
  currentQuery,
  form,
  loginFirst,
  notFound,
  PER_PAGE,
  PROJECT_PATHS,
  pageLinks,
  pageNumber,
  peekLinks,
  projectHeader,
  projectView,
  type ProjectView,
  viewContext,
} from './page-kit.js';

export interface ProjectPageDeps {
  browse: GitBrowseDeps;
  jobs: JobQueueApi;
  projectNameRegex: RegExp;
}

const COMMITS_PER_PAGE = 50;
/** A commit page shows at most this much diff. */
export const DIFF_LIMIT = 2 * 1024 * 1024;
/** How long a page waits for a new project's or fork's repository before showing it anyway. */
const JOB_WAIT_MS = 20_000;

/** Clone URLs of a project: HTTPS always, SSH (with the viewer's name for "{username}", else "git") and git:// when configured. */
export function cloneUrls(deps: GitBrowseDeps, fullname: string, viewerName?: string): Array<{ kind: string; url: string }> {
  const urls = [{ kind: 'HTTPS', url: `${deps.publicUrl().replace(/\/+$/, '')}/${fullname}.git` }];
  if (deps.git.urlSsh) urls.push({ kind: 'SSH', url: `${deps.git.urlSsh.replace('{username}', viewerName ?? 'git')}${fullname}.git` });
  if (deps.git.urlGit) urls.push({ kind: 'git', url: `${deps.git.urlGit}${fullname}.git` });
  return urls;
}

export function projectPages(router: ForgeRouter, services: DomainServices, deps: ProjectPageDeps): void {
  const { browse } = deps;

  router.get('/projects', async (ctx) => {
    const viewer = await services.access.viewer(ctx.state.user ?? null);
    const q = typeof ctx.query.q === 'string' ? ctx.query.q.trim().slice(0, 100) : '';
    const filters = { pattern: q ? (q.includes('*') ? q : `*${q}*`) : undefined, fork: false };
    const page = pageNumber(ctx);
    const [total, projects] = await Promise.all([
      services.projectQueries.count(viewer, filters),
      services.projectQueries.list(viewer, filters, { offset: (page - 1) * PER_PAGE, limit: PER_PAGE }),
    ]);
    await ctx.render('projects', {
      title: 'Projects',
      q,
      total,
      projects: projects.map((p) => ({
        name: projectFullname(p),
        href: `/${projectUrlPath(p)}`,
        description: p.description,
        private: p.private,
        owner: p.ownerName,
      })),
      pager: pageLinks(page, total),
      query: currentQuery(ctx),
    });
  });

  /** The form offers the namespaces the user may create a project in (the admins' list, their groups, their own). */
  const newForm = async (ctx: ForgeContext, values: Record<string, string>, errors: Record<string, string> = {}) => {
    const choices = await services.projects.namespaceChoices(await services.access.viewer(ctx.state.user));
    const chosen = values.namespace ?? choices[0];
    await ctx.render('project-new', {
      title: 'New project',
      values,
      errors,
      namespaces: choices.map((ns) => ({ name: ns, selected: ns === chosen })),
    });
  };

  router.get('/new', async (ctx) => {
    if (!loginFirst(ctx)) return;
    await newForm(ctx, { create_readme: 'y' });
  });
  router.post('/new', async (ctx) => {
    if (!loginFirst(ctx)) return;
    const values = form(ctx);
    let target = '';
    const failed = await attempt(async () => {
      const viewer = await services.access.viewer(ctx.state.user);
      const { project, taskId } = await services.projects.create(viewer, parseNewProject(values, deps.projectNameRegex));
      await deps.jobs.wait(taskId, JOB_WAIT_MS);
      target = `/${projectUrlPath(project)}`;
    });
    if (failed) {
      await newForm(ctx, values, failed.errors);
      ctx.status = failed.status;
      return;
    }
    flash(ctx, 'Project created');
    ctx.redirect(target);
  });

  async function overview(ctx: ForgeContext): Promise<void> {
    const view = await projectView(ctx, services, browse, { readsGit: true });
    const parent = view.record.parentId === null ? undefined : await services.projectQueries.byId(view.record.parentId);
    const empty = !(await view.refs()).branches.length;
    const [forks, watchers, git, panels] = await Promise.all([
      services.projectQueries.count(view.viewer, { parentId: view.record.id }),
      services.watchers.list(view.record),
      empty ? Promise.resolve(undefined) : repositorySummary(view),
      browse.hooks.projectView.promise([], viewContext(view)),
    ]);
    const viewerName = ctx.state.user?.name;
    await ctx.render('project', {
      title: view.fullname,
      project: projectHeader(view, 'overview', parent),
      cloneUrls: cloneUrls(browse, view.fullname, view.viewer.user?.name),
      empty,
      defaultBranch: view.record.settings.default_branch ?? 'main',
      forks,
      forksHref: `${view.base}/forks`,
      watchers: Object.keys(watchers).length,
      watching: viewerName ? Boolean(watchers[viewerName]?.length) : false,
      canFork: Boolean(viewerName) && !(view.record.isFork && view.record.ownerName === viewerName),
      forkAction: `/do_fork${view.base}`,
      panels,
      ...git,
    });
  }

  /** The overview's git part: branches, last commits and the README of the default branch (four git processes in all). */
  async function repositorySummary(view: ProjectView) {
    const { branches, head } = await view.refs();
    if (!head) return { branchCount: branches.length };
    const [commits, entries] = await Promise.all([
      logCommits(view.dir, head.commit, { limit: 5 }),
      listTree(view.dir, `${head.commit}^{tree}`),
    ]);
    const readme = await readmeOf(services, view, entries, browse.publicUrl(), 512 * 1024);
    return {
      head: head.name,
      branchCount: branches.length,
      commits: commits.map((c) => ({ ...c, href: `${view.base}/c/${c.hash}` })),
      commitsHref: `${view.base}/commits/${encodePath(head.name)}`,
      readme,
    };
  }

  async function forks(ctx: ForgeContext): Promise<void> {
    const view = await projectView(ctx, services, browse);
    const page = pageNumber(ctx);
    const filters = { parentId: view.record.id };
    const [total, list] = await Promise.all([
      services.projectQueries.count(view.viewer, filters),
      services.projectQueries.list(view.viewer, filters, { offset: (page - 1) * PER_PAGE, limit: PER_PAGE }),
    ]);
    await ctx.render('projects', {
      title: `Forks of ${view.fullname}`,
      heading: `Forks of ${view.fullname}`,
      project: projectHeader(view, 'overview'),
      total,
      projects: list.map((p) => ({
        name: projectFullname(p),
        href: `/${projectUrlPath(p)}`,
        description: p.description,
        private: p.private,
        owner: p.ownerName,
      })),
      pager: pageLinks(page, total),
      query: currentQuery(ctx),
      noSearch: true,
    });
  }

  async function fork(ctx: ForgeContext): Promise<void> {
    if (!loginFirst(ctx)) return;
    const view = await projectView(ctx, services, browse);
    const { fork: created, taskId } = await services.projects.fork(view.viewer, view.record);
    await deps.jobs.wait(taskId, JOB_WAIT_MS);
    flash(ctx, 'Project forked');
    ctx.redirect(`/${projectUrlPath(created)}`);
  }

  async function commits(ctx: ForgeContext): Promise<void> {
    const view = await projectView(ctx, services, browse, { readsGit: true });
    const page = pageNumber(ctx);
    const header = projectHeader(view, 'commits');
    const { branches, head } = await view.refs();
    if (!branches.length) {
      await ctx.render('repo-commits', {
        title: `Commits - ${view.fullname}`,
        project: header,
        heading: 'Commits',
        commits: [],
        empty: true,
      });
      return;
    }
    const wanted = routeParams(ctx).branch?.replace(/\/+$/, '') || head?.name || 'HEAD';
    const commit = await commitNamed(view, wanted);
    if (!commit) throw notFound('Branch not found');
    // One more than a page says whether there is a next one, without counting the history.
    const found = await logCommits(view.dir, commit, { skip: (page - 1) * COMMITS_PER_PAGE, limit: COMMITS_PER_PAGE + 1 });
    const list = found.slice(0, COMMITS_PER_PAGE);
    await ctx.render('repo-commits', {
      title: `Commits of ${wanted} - ${view.fullname}`,
      project: header,
      heading: `Commits of ${wanted}`,
      identifier: wanted,
      branches: branches.map((b) => {
        const name = b.ref.slice(REFS_HEADS.length);
        return { name, href: `${view.base}/commits/${encodePath(name)}`, current: name === wanted };
      }),
      commits: list.map((c) => ({ ...c, href: `${view.base}/c/${c.hash}` })),
      pager: peekLinks(page, found.length > COMMITS_PER_PAGE),
      query: currentQuery(ctx),
    });
  }

  /** /<repo>/c/<from>..<to>: the commits `to` has that `from` lacks, and what they change. */
  async function comparePage(ctx: ForgeContext, view: ProjectView, range: string): Promise<void> {
    const at = range.indexOf('..');
    const from = range.slice(0, at);
    const to = range.slice(at + 2).replace(/^\./, '');
    const [fromCommit, toCommit] = await Promise.all([commitNamed(view, from), commitNamed(view, to)]);
    if (!fromCommit || !toCommit) throw notFound(`No commit or branch named ${!fromCommit ? from : to}`);
    const [list, diff] = await Promise.all([
      logCommits(view.dir, toCommit, { limit: 250, exclude: fromCommit }),
      rangeDiffText(view.dir, fromCommit, toCommit, DIFF_LIMIT),
    ]);
    const branches = new Set((await view.refs()).branches.map((b) => branchName(b.ref)));
    await ctx.render('repo-compare', {
      title: `${from}...${to} - ${view.fullname}`,
      project: projectHeader(view, 'commits'),
      from,
      to,
      commits: list.map((c) => ({ ...c, href: `${view.base}/c/${c.hash}` })),
      files: parseDiff(diff.text),
      truncated: diff.truncated,
      split: ctx.query.view === 'split',
      newPrHref:
        branches.has(from) && branches.has(to) && list.length && view.settings.pull_requests
          ? `${view.base}/diff/${encodePath(from)}..${encodePath(to)}`
          : undefined,
    });
  }

  async function commitPage(ctx: ForgeContext): Promise<void> {
    const view = await projectView(ctx, services, browse, { readsGit: true });
    const named = (routeParams(ctx).commit ?? '').replace(/\/+$/, '');
    if (named.includes('..')) return comparePage(ctx, view, named);
    const object = existsSync(view.dir) ? await objectByPrefix(view.dir, named) : undefined;
    const sha = object && (object.type === 'commit' || object.type === 'tag') ? await commitOf(view.dir, object.sha) : undefined;
    if (!sha) throw notFound('Commit not found');
    const info = await readCommit(view.dir, sha);
    const [diff, flags] = await Promise.all([commitDiffText(view.dir, info, DIFF_LIMIT), services.flags.ofCommit(view.record, sha)]);
    const newline = info.message.indexOf('\n');
    const split = ctx.query.view === 'split';
    await ctx.render('repo-commit', {
      title: `${info.message.split('\n')[0]} - ${view.fullname}`,
      project: projectHeader(view, 'commits'),
      commit: {
        hash: sha,
        subject: newline === -1 ? info.message : info.message.slice(0, newline),
        body: newline === -1 ? '' : info.message.slice(newline + 1).trim(),
        author: info.author,
        committer: info.committer,
        parents: info.parents.map((p) => ({ hash: p, href: `${view.base}/c/${p}` })),
      },
      files: parseDiff(diff.text),
      truncated: diff.truncated,
      split,
      unifiedHref: `${view.base}/c/${sha}`,
      splitHref: `${view.base}/c/${sha}?view=split`,
      patchHref: `${view.base}/c/${sha}.patch`,
      treeHref: `${view.base}/tree/${sha}`,
      flags,
    });
  }

  const branchList = branchesPage(services, browse);

  router.post('/do_fork/fork/:username/:namespace/:repo', fork);
  router.post('/do_fork/fork/:username/:repo', fork);
  router.post('/do_fork/:namespace/:repo', fork);
  router.post('/do_fork/:repo', fork);
  for (const variant of PROJECT_PATHS) {
    router.get(`${variant}/commits`, commits);
    router.get(`${variant}/commits/*branch`, commits);
    router.get(`${variant}/c/*commit`, commitPage);
    router.get(`${variant}/branches`, branchList);
    router.get(`${variant}/forks`, forks);
  }
  // Last: a project's own path is the most general pattern.
  for (const variant of PROJECT_PATHS) router.get(variant, overview);
}
