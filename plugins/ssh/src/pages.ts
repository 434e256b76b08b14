// The project's deploy keys page, for its admins: /<repo>/settings/deploy-keys (all four path
// forms): the keys (read-only or with push), a form to add one, a button to remove each.
import { projectFullname, projectUrlPath, type ForgeContext, type ProjectPageRoutes, type ProjectScope } from '@pagurus/core';
import type { DeployKeys } from './deploy-keys.js';

/** Fixed texts only: a link cannot make the page say something else. */
const NOTICES: Record<string, string> = { added: 'The deploy key was added', removed: 'The deploy key was removed' };
const PROBLEMS: Record<string, string> = {
  invalid: 'That is not one SSH public key, on one line',
  'in-use': 'This SSH key is already in use (by a user, or a project)',
  missing: 'No such deploy key for this project',
};

const baseOf = (scope: ProjectScope) => `/${projectUrlPath(scope.project)}/settings/deploy-keys`;

export function registerPages(routes: ProjectPageRoutes, keys: DeployKeys): void {
  const admins = { level: 'admin' as const };

  routes.get(
    '/settings/deploy-keys',
    async (ctx: ForgeContext, scope) => {
      const project = scope.project;
      await ctx.render('ssh/deploy-keys', {
        title: `Deploy keys - ${projectFullname(project)}`,
        fullname: projectFullname(project),
        settingsUrl: `/${projectUrlPath(project)}/settings`,
        base: baseOf(scope),
        csrfToken: ctx.state.csrfToken,
        notice: typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined,
        problem: typeof ctx.query.problem === 'string' ? PROBLEMS[ctx.query.problem] : undefined,
        keys: (await keys.list(project)).map((k) => ({
          ...k,
          short: k.publicKey.length > 48 ? `${k.publicKey.slice(0, 45)}...` : k.publicKey,
        })),
      });
    },
    admins,
  );

  routes.post(
    '/settings/deploy-keys',
    async (ctx, scope) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const text = typeof body.ssh_key === 'string' ? body.ssh_key : '';
      // Pagure's form field: a checkbox, sent only when ticked.
      const push = ['y', 'on', 'true', '1'].includes(String(body.pushaccess ?? '').toLowerCase());
      const outcome = await keys.add(scope.project, text, { push }).then(
        () => 'done=added',
        (error: Error) => `problem=${/already in use/.test(error.message) ? 'in-use' : 'invalid'}`,
      );
      ctx.redirect(`${baseOf(scope)}?${outcome}`);
    },
    admins,
  );

  routes.post(
    '/settings/deploy-keys/:id/remove',
    async (ctx, scope) => {
      const id = String((ctx as ForgeContext & { params?: Record<string, string> }).params?.id ?? '');
      const removed = /^\d{1,9}$/.test(id) && (await keys.remove(scope.project, id));
      ctx.redirect(`${baseOf(scope)}?${removed ? 'done=removed' : 'problem=missing'}`);
    },
    admins,
  );
}
