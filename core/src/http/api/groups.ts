// /api/0/groups, /api/0/group/<name> (with its projects, as FMN asks), and membership.
import type { GrantableLevel, GroupRecord } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import { groupJson, type DomainServices } from '../../services/index.js';
import { optionalToken, requireToken, viewerOf } from '../common/auth.js';
import { body, isTrue, pageRequest, pagination, query, value } from './params.js';

/** ?acl= of /group/<name>: a level and those above it that Pagure counts with it. */
function levelsFor(acl: string): readonly GrantableLevel[] | undefined {
  switch (acl) {
    case '':
      return undefined;
    case 'ticket':
      return ['admin', 'commit', 'ticket'];
    case 'commit':
      return ['commit', 'admin'];
    case 'admin':
      return ['admin'];
    default:
      return [acl as GrantableLevel];
  }
}

export function groupRoutes(router: ForgeRouter, services: DomainServices, baseUrl: () => string): void {
  /** The group's JSON; with a token, its creator's emails too (Pagure's private view). */
  async function json(ctx: ForgeContext, group: GroupRecord) {
    const [creators, members, emails] = await Promise.all([
      services.users.byIds([group.creatorId]),
      services.groups.members([group.id]),
      ctx.state.token ? services.users.emails([group.creatorId]) : undefined,
    ]);
    return groupJson(group, creators.get(group.creatorId)!, members.get(group.id) ?? [], baseUrl(), emails?.get(group.creatorId));
  }

  router.get('/groups', async (ctx) => {
    const page = pageRequest(ctx);
    const extended = isTrue(query(ctx, 'extended'));
    const { total, groups } = await services.groups.list({ pattern: query(ctx, 'pattern'), ...page });
    ctx.body = {
      total_groups: total,
      groups: extended ? groups.map((g) => ({ name: g.name, description: g.description || null })) : groups.map((g) => g.name),
      pagination: pagination(ctx, page, total),
    };
  });

  router.get('/group/:group', optionalToken, async (ctx) => {
    const group = await services.groups.require(ctx.params.group!);
    const result: Record<string, unknown> = { ...(await json(ctx, group)) };
    if (['1', 'true'].includes((value(ctx, 'projects') ?? '').trim().toLowerCase())) {
      const page = pageRequest(ctx);
      const viewer = await viewerOf(ctx, services);
      const levels = levelsFor((value(ctx, 'acl') ?? '').trim().toLowerCase());
      const { total, projects } = await services.projectQueries.ofGroup(viewer, group.id, levels, page);
      result.total_projects = total;
      result.pagination = pagination(ctx, page, total);
      result.projects = await services.projects.jsonList(projects);
    }
    ctx.body = result;
  });

  for (const action of ['add', 'remove'] as const) {
    router.post(`/group/:group/${action}`, requireToken('group_modify'), async (ctx) => {
      const group = await services.groups.require(ctx.params.group!);
      const username = String(body(ctx).user ?? '').trim();
      if (!username) throw Invalid('EINVALIDREQ', { errors: { user: ['This field is required.'] } });
      if (action === 'add') await services.groups.addMember(ctx.state.user, group, username);
      else await services.groups.removeMember(ctx.state.user, group, username);
      ctx.body = await json(ctx, group);
    });
  }
}
