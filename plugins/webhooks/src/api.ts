// The plugin's API, under each of a project's path forms:
//   GET  /api/0/<repo>/webhook/token                        Pagure's: the hook token (any token, committers)
//   POST /api/0/<repo>/webhook/token/new                    a new hook token (modify_project, admins)
//   GET  /api/0/<repo>/webhooks/deliveries                  the delivery log, paged as Pagure pages (admins)
//   POST /api/0/<repo>/webhooks/deliveries/<id>/redeliver   sends a delivery's message again (admins)
//   POST /api/0/<repo>/webhooks/test                        a Test.notification to every URL (admins)
import { randomUUID } from 'node:crypto';
import {
  Invalid,
  NotFound,
  projectFullname,
  Unauthorized,
  type ForgeContext,
  type ProjectApiRoutes,
  type ProjectScope,
} from '@pagurus/core';
import type { Engine } from './engine.js';
import { hookUrls, type DeliveryRow } from './store.js';

const epoch = (date: Date | string | null) => (date === null ? null : String(Math.floor(new Date(date).getTime() / 1000)));

export function deliveryJson(row: DeliveryRow) {
  return {
    id: Number(row.id),
    topic: row.topic,
    url: row.url,
    msg_id: row.msg_id,
    status: row.status,
    attempt: row.attempt,
    response_status: row.response_status,
    duration_ms: row.duration_ms,
    response_excerpt: row.response_excerpt,
    redelivery_of: row.redelivery_of === null ? null : Number(row.redelivery_of),
    date_created: epoch(row.created_at),
    last_attempt: epoch(row.last_attempt_at),
    next_attempt: row.status === 'pending' ? epoch(row.next_attempt_at) : null,
  };
}

/** Pagure's paging: page ≥ 1, per_page 1..100 (else 400 EINVALIDPERPAGEVALUE). */
export function paging(query: Record<string, unknown>): { page: number; perPage: number } {
  const read = (value: unknown, fallback: number) => (value === undefined || value === '' ? fallback : Number(value));
  const page = read(query.page, 1);
  const perPage = read(query.per_page, 20);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) throw Invalid('EINVALIDPERPAGEVALUE');
  if (!Number.isInteger(page) || page < 1) throw Invalid('EINVALIDREQ', { errors: { page: ['Must be a whole number, 1 or more'] } });
  return { page, perPage };
}

function pagination(ctx: ForgeContext, page: number, perPage: number, total: number) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const link = (n: number) => {
    const url = new URL(ctx.href);
    url.searchParams.set('page', String(n));
    url.searchParams.set('per_page', String(perPage));
    return url.toString();
  };
  return {
    page,
    pages,
    per_page: perPage,
    first: link(1),
    last: link(pages),
    next: page < pages ? link(page + 1) : null,
    prev: page > 1 ? link(page - 1) : null,
  };
}

/** The project's admins (site admins too); Pagure answers others 401 EMODIFYPROJECTNOTALLOWED. */
async function requireAdmin(scope: ProjectScope): Promise<void> {
  if (!(await scope.can('admin'))) throw Unauthorized('EMODIFYPROJECTNOTALLOWED');
}

export function registerApi(routes: ProjectApiRoutes, engine: Engine): void {
  routes.get(
    '/webhook/token',
    async (ctx, scope) => {
      // Pagure: any valid token, and the caller must have commit access.
      if (!(await scope.can('commit'))) throw Unauthorized('EMODIFYPROJECTNOTALLOWED');
      ctx.body = { webhook: { token: await engine.store.token(scope.project.id) } };
    },
    { acls: [] },
  );

  routes.post(
    '/webhook/token/new',
    async (ctx, scope) => {
      await requireAdmin(scope);
      ctx.body = { webhook: { token: await engine.store.regenerateToken(scope.project.id) } };
    },
    { acls: ['modify_project'] },
  );

  routes.get(
    '/webhooks/deliveries',
    async (ctx, scope) => {
      await requireAdmin(scope);
      const { page, perPage } = paging(ctx.query);
      const { total, rows } = await engine.store.page(scope.project.id, page, perPage);
      ctx.body = {
        deliveries: rows.map(deliveryJson),
        total_deliveries: total,
        pagination: pagination(ctx, page, perPage, total),
      };
    },
    { acls: ['modify_project'] },
  );

  routes.post(
    '/webhooks/deliveries/:id/redeliver',
    async (ctx, scope) => {
      await requireAdmin(scope);
      // The router sets the route's parameters on the context; ForgeContext does not declare them.
      const id = String((ctx as ForgeContext & { params?: Record<string, string> }).params?.id ?? '');
      const original = /^\d{1,18}$/.test(id) ? await engine.store.delivery(id) : undefined;
      if (!original || original.project_id !== scope.project.id) {
        throw NotFound('EINVALIDREQ', { message: 'No such delivery for this project' });
      }
      const row = await engine.redeliver(original);
      ctx.body = { message: 'Delivery queued again', delivery: deliveryJson(row) };
    },
    { acls: ['modify_project'] },
  );

  routes.post(
    '/webhooks/test',
    async (ctx, scope) => {
      await requireAdmin(scope);
      const project = scope.project;
      if (!hookUrls(project.settings).length) {
        throw Invalid('EINVALIDREQ', { message: 'This project has no web-hook URL (the Web-hooks option)' });
      }
      const rows = await engine.sendTest({ id: project.id, fullname: projectFullname(project), settings: project.settings }, randomUUID());
      ctx.body = { message: 'Test notification queued', deliveries: rows.map(deliveryJson) };
    },
    { acls: ['modify_project'] },
  );
}
