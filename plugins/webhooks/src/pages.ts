// The project's web-hooks page, for its admins: /<repo>/settings/webhooks (all four path
// forms), with the delivery log, "redeliver", "send a test event" and the hook token.
import { randomUUID } from 'node:crypto';
import { projectFullname, projectUrlPath, type ForgeContext, type ProjectPageRoutes, type ProjectScope } from '@pagurus/core';
import { deliveryJson } from './api.js';
import type { Engine } from './engine.js';
import { hookUrls } from './store.js';

const PER_PAGE = 30;

/** Fixed texts only: a link cannot make the page say something else. */
const NOTICES: Record<string, string> = {
  test: 'Test notification queued',
  token: 'A new hook token was made',
  redeliver: 'Delivery queued again',
  missing: 'No such delivery for this project',
  'no-urls': 'This project has no web-hook URL',
};

const baseOf = (scope: ProjectScope) => `/${projectUrlPath(scope.project)}/settings/webhooks`;

export function registerPages(routes: ProjectPageRoutes, engine: Engine): void {
  const admins = { level: 'admin' as const };

  routes.get(
    '/settings/webhooks',
    async (ctx: ForgeContext, scope) => {
      const project = scope.project;
      const requested = Number(ctx.query.page ?? 1);
      const page = Number.isInteger(requested) && requested >= 1 ? requested : 1;
      const { total, rows } = await engine.store.page(project.id, page, PER_PAGE);
      const pages = Math.max(1, Math.ceil(total / PER_PAGE));
      const base = baseOf(scope);
      const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
      await ctx.render('webhooks/deliveries', {
        title: `Web-hooks - ${projectFullname(project)}`,
        fullname: projectFullname(project),
        settingsUrl: `/${projectUrlPath(project)}/settings`,
        base,
        csrfToken: ctx.state.csrfToken,
        notice,
        urls: hookUrls(project.settings),
        token: await engine.store.token(project.id),
        deliveries: rows.map((row) => ({ ...deliveryJson(row), created: new Date(row.created_at).toISOString() })),
        page,
        pages,
        prev: page > 1 ? `${base}?page=${page - 1}` : null,
        next: page < pages ? `${base}?page=${page + 1}` : null,
      });
    },
    admins,
  );

  routes.post(
    '/settings/webhooks/test',
    async (ctx, scope) => {
      const project = scope.project;
      const urls = hookUrls(project.settings);
      if (urls.length)
        await engine.sendTest({ id: project.id, fullname: projectFullname(project), settings: project.settings }, randomUUID());
      ctx.redirect(`${baseOf(scope)}?done=${urls.length ? 'test' : 'no-urls'}`);
    },
    admins,
  );

  routes.post(
    '/settings/webhooks/token',
    async (ctx, scope) => {
      await engine.store.regenerateToken(scope.project.id);
      ctx.redirect(`${baseOf(scope)}?done=token`);
    },
    admins,
  );

  routes.post(
    '/settings/webhooks/deliveries/:id/redeliver',
    async (ctx, scope) => {
      const id = String((ctx as ForgeContext & { params?: Record<string, string> }).params?.id ?? '');
      const original = /^\d{1,18}$/.test(id) ? await engine.store.delivery(id) : undefined;
      if (!original || original.project_id !== scope.project.id) {
        ctx.redirect(`${baseOf(scope)}?done=missing`);
        return;
      }
      await engine.redeliver(original);
      ctx.redirect(`${baseOf(scope)}?done=redeliver`);
    },
    admins,
  );
}
