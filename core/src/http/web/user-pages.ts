// People and groups: /user/<name> (projects, forks, groups and the activity heatmap),
// /groups (with search) and /group/<name> (members, projects; members add and remove people).
import { projectFullname, projectUrlPath, type ProjectRecord } from '../../domain/index.js';
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { routeParams } from '../common/git-context.js';
import { attempt, currentQuery, form, loginFirst, notFound, PER_PAGE, pageLinks, pageNumber } from './page-kit.js';
import { flash } from './session.js';

const DAY_MS = 86_400_000;

/** 53 weeks of days ending today, oldest first, each with a level 0-4 for the heatmap's colour. */
export function heatmap(
  counts: ReadonlyArray<{ date: string; count: number }>,
  now = new Date(),
): Array<{ date: string; count: number; level: number }> {
  const byDate = new Map(counts.map((c) => [c.date, c.count]));
  const max = Math.max(1, ...counts.map((c) => c.count));
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  // Start on a Sunday, so each column of seven is a week.
  const first = today - 52 * 7 * DAY_MS - new Date(today).getUTCDay() * DAY_MS;
  const days = [];
  for (let t = first; t <= today; t += DAY_MS) {
    const date = new Date(t).toISOString().slice(0, 10);
    const count = byDate.get(date) ?? 0;
    days.push({ date, count, level: count === 0 ? 0 : Math.min(4, Math.ceil((count / max) * 4)) });
  }
  return days;
}

const projectItem = (p: ProjectRecord) => ({
  name: projectFullname(p),
  href: `/${projectUrlPath(p)}`,
  description: p.description,
  private: p.private,
});

export function userPages(router: ForgeRouter, services: DomainServices): void {
  router.get('/user/:username', async (ctx) => {
    const name = routeParams(ctx).username ?? '';
    const user = await services.users.byName(name);
    if (!user) throw notFound('No such user');
    const viewer = await services.access.viewer(ctx.state.user ?? null);
    const [projects, forks, groups, activity] = await Promise.all([
      services.projectQueries.list(viewer, { owner: user.name, fork: false }, { offset: 0, limit: 100 }),
      services.projectQueries.list(viewer, { owner: user.name, fork: true }, { offset: 0, limit: 100 }),
      services.groups.namesOf(user),
      services.activity.yearlyCounts(viewer, user, 'UTC'),
    ]);
    const days = heatmap(activity);
    await ctx.render('user', {
      title: user.name,
      user: { name: user.name, fullname: user.fullname, createdAt: user.createdAt },
      projects: projects.map(projectItem),
      forks: forks.map(projectItem),
      groups: groups.map((g) => ({ name: g, href: `/group/${encodeURIComponent(g)}` })),
      days,
      contributions: activity.reduce((sum, d) => sum + d.count, 0),
      isMe: ctx.state.user?.id === user.id,
    });
  });

  router.get('/groups', async (ctx) => {
    const q = typeof ctx.query.q === 'string' ? ctx.query.q.trim().slice(0, 100) : '';
    const page = pageNumber(ctx);
    const { total, groups } = await services.groups.list({
      pattern: q ? (q.includes('*') ? q : `*${q}*`) : undefined,
      offset: (page - 1) * PER_PAGE,
      limit: PER_PAGE,
    });
    await ctx.render('groups', {
      title: 'Groups',
      q,
      total,
      groups: groups.map((g) => ({
        name: g.name,
        displayName: g.displayName,
        description: g.description,
        href: `/group/${encodeURIComponent(g.name)}`,
      })),
      pager: pageLinks(page, total),
      query: currentQuery(ctx),
    });
  });

  async function groupPage(ctx: ForgeContext, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const group = await services.groups.byName(routeParams(ctx).group ?? '');
    if (!group) throw notFound('No such group');
    const viewer = await services.access.viewer(ctx.state.user ?? null);
    const page = pageNumber(ctx);
    const [members, projects, isMember] = await Promise.all([
      services.groups.members([group.id]),
      services.projectQueries.ofGroup(viewer, group.id, undefined, { offset: (page - 1) * PER_PAGE, limit: PER_PAGE }),
      ctx.state.user ? services.groups.isMember(group, ctx.state.user) : Promise.resolve(false),
    ]);
    const mayManage = Boolean(ctx.state.user) && (isMember || viewer.siteAdmin || group.creatorId === ctx.state.user?.id);
    await ctx.render('group', {
      title: group.displayName || group.name,
      group: { name: group.name, displayName: group.displayName, description: group.description, type: group.groupType },
      members: (members.get(group.id) ?? []).map((name) => ({ name })),
      projects: projects.projects.map(projectItem),
      total: projects.total,
      pager: pageLinks(page, projects.total),
      query: currentQuery(ctx),
      mayManage,
      action: `/group/${encodeURIComponent(group.name)}`,
      values: {},
      errors: {},
      ...extra,
    });
    ctx.status = status;
  }

  router.get('/group/:group', (ctx) => groupPage(ctx));
  for (const [suffix, add] of [
    ['add', true],
    ['remove', false],
  ] as const) {
    router.post(`/group/:group/${suffix}`, async (ctx) => {
      const actor = loginFirst(ctx);
      if (!actor) return;
      const group = await services.groups.byName(routeParams(ctx).group ?? '');
      if (!group) throw notFound('No such group');
      const values = form(ctx);
      const failed = await attempt(() =>
        add
          ? services.groups.addMember(actor, group, (values.user ?? '').trim())
          : services.groups.removeMember(actor, group, (values.user ?? '').trim()),
      );
      if (failed) {
        await groupPage(ctx, { values, errors: { user: failed.errors.form ?? Object.values(failed.errors).join(' ') } }, failed.status);
        return;
      }
      flash(ctx, add ? 'Member added' : 'Member removed');
      ctx.redirect(`/group/${encodeURIComponent(group.name)}`);
    });
  }
}
