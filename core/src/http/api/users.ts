// /api/0/-/whoami, /api/0/users and /api/0/user/<name>.
import { NotFound, Unauthorized } from '../../errors/index.js';
import type { ForgeRouter } from '../../plugins/index.js';
import { avatarUrl, userJson, type DomainServices } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import { pageRequest, pagination, query } from './params.js';

export function userRoutes(router: ForgeRouter, services: DomainServices, baseUrl: () => string): void {
  router.post('/-/whoami', (ctx) => {
    if (!ctx.state.user) throw Unauthorized('EINVALIDTOK', ctx.state.tokenProblem ? { errors: ctx.state.tokenProblem } : {});
    ctx.body = { username: ctx.state.user.name };
  });

  router.get('/users', async (ctx) => {
    const users = await services.users.list(query(ctx, 'pattern'));
    const emails = await services.users.emails(users.map((u) => u.id));
    ctx.body = {
      total_users: users.length,
      users: users.map((u) => u.name),
      mention: users.map((u) => ({ username: u.name, name: u.fullname, image: avatarUrl(emails.get(u.id)?.defaultEmail, 16) })),
    };
  });

  router.get('/user/:username', async (ctx) => {
    const user = await services.users.byNameOrEmail(ctx.params.username!);
    if (!user) throw NotFound('ENOUSER');
    const viewer = await viewerOf(ctx, services);
    // Pagure reads repopage and forkpage leniently: anything but a positive number is page 1.
    const repoPage = pageRequest(ctx, 'repopage', true);
    const forkPage = pageRequest(ctx, 'forkpage', true);
    const queries = services.projectQueries;
    const [repoTotal, repos, forkTotal, forks, emails] = await Promise.all([
      queries.count(viewer, { username: user.name, fork: false }),
      queries.list(viewer, { username: user.name, fork: false }, repoPage),
      queries.count(viewer, { username: user.name, fork: true }),
      queries.list(viewer, { username: user.name, fork: true }, forkPage),
      services.users.emails([user.id]),
    ]);
    ctx.body = {
      user: { ...userJson(user, baseUrl()), avatar_url: avatarUrl(emails.get(user.id)?.defaultEmail, 16) },
      repos: await services.projects.jsonList(repos),
      forks: await services.projects.jsonList(forks),
      repos_pagination: pagination(ctx, repoPage, repoTotal),
      forks_pagination: pagination(ctx, forkPage, forkTotal),
    };
  });
}
