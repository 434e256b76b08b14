// A project's branches page: its branches, the default one first, each behind/ahead of the
// default branch, with a pull-request shortcut; and its tags. A page of branches costs three
// git processes whatever the number of branches (the listing, the tags, and one for-each-ref
// counting ahead/behind for the page's branches), and git walks at most one page's histories.
import { REFS_TAGS, aheadBehindMany, listRefs } from '../../git/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import { readSettings, type DomainServices } from '../../services/index.js';
import { encodePath, type GitBrowseDeps } from '../common/git-context.js';
import { branchName, currentQuery, PER_PAGE, pageLinks, pageNumber, projectHeader, projectView, viewContext } from './page-kit.js';

/** Branches per page: each one is a history walk for its ahead/behind counts. */
export const BRANCHES_PER_PAGE = PER_PAGE;

export function branchesPage(services: DomainServices, browse: GitBrowseDeps): (ctx: ForgeContext) => Promise<void> {
  return async (ctx) => {
    const view = await projectView(ctx, services, browse, { readsGit: true });
    const header = projectHeader(view, 'branches');
    const { branches, head } = await view.refs();
    if (!branches.length) {
      await ctx.render('repo-branches', { title: `Branches - ${view.fullname}`, project: header, branches: [], total: 0, tags: [] });
      return;
    }
    const page = pageNumber(ctx);
    const ordered = branches
      .map((b) => ({ name: branchName(b.ref), commit: b.object }))
      .sort((a, b) => Number(b.name === head?.name) - Number(a.name === head?.name) || a.name.localeCompare(b.name));
    const shown = ordered.slice((page - 1) * BRANCHES_PER_PAGE, page * BRANCHES_PER_PAGE);
    const [tags, parent, counts] = await Promise.all([
      listRefs(view.dir, REFS_TAGS),
      view.record.isFork && view.record.parentId !== null ? services.projectQueries.byId(view.record.parentId) : Promise.resolve(undefined),
      head
        ? aheadBehindMany(
            view.dir,
            head.name,
            shown.map((b) => b.name),
          )
        : Promise.resolve(new Map<string, { ahead: number; behind: number }>()),
    ]);
    // A fork's pull requests go to its parent, whose settings say whether it takes them.
    const takesPullRequests = Boolean((parent ? readSettings(parent) : view.settings).pull_requests);
    const open = await services.pullRequests
      .list(view.record, { status: 'Open' }, { limit: 500, offset: 0 })
      .catch(() => ({ prs: [] as Array<{ branchFrom: string; id: number; projectFromId: number | null }> }));
    const prOf = new Map(open.prs.filter((pr) => pr.projectFromId === view.record.id).map((pr) => [pr.branchFrom, pr.id]));
    const badges = await browse.hooks.branchBadges.promise({}, { ...viewContext(view), branches: shown });
    const rows = shown.map(({ name, commit }) => {
      const isDefault = name === head?.name;
      const { ahead, behind } = counts.get(name) ?? { ahead: 0, behind: 0 };
      const pr = prOf.get(name);
      return {
        name,
        isDefault,
        badges: badges[name] ?? [],
        ahead,
        behind,
        commit,
        href: `${view.base}/tree/${encodePath(name)}`,
        commitsHref: `${view.base}/commits/${encodePath(name)}`,
        prHref: pr !== undefined ? `${view.base}/pull-request/${pr}` : undefined,
        newPrHref:
          !isDefault && pr === undefined && ahead > 0 && takesPullRequests && head
            ? `${view.base}/diff/${encodePath(head.name)}..${encodePath(name)}`
            : undefined,
      };
    });
    await ctx.render('repo-branches', {
      title: `Branches - ${view.fullname}`,
      project: header,
      branches: rows,
      total: branches.length,
      pager: pageLinks(page, branches.length, BRANCHES_PER_PAGE),
      query: currentQuery(ctx),
      tags: tags.map((t) => ({
        name: t.ref.slice(REFS_TAGS.length),
        commit: t.peeled,
        href: `${view.base}/tree/${encodePath(t.ref.slice(REFS_TAGS.length))}`,
      })),
    });
  };
}
