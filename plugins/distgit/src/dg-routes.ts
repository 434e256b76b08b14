// The /_dg endpoints, as fedpkg, toddlers, the-new-hotness and release engineering's scripts
// call them: Pagure's API tokens (`Authorization: token ...`, the modify_project ACL for
// changes), JSON or form bodies, Pagure's error JSON; and as pages' scripts call them, with
// the browser's session and its form token (X-CSRF-Token).
import type { ForgeContext, ForgeMiddleware, MountRegistry } from '@pagurus/core';
import type { Packages } from './packages.js';

type Body = Record<string, unknown>;

function bodyOf(ctx: ForgeContext): Body {
  const body = ctx.request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Body) : {};
}

export function registerDgRoutes(mounts: MountRegistry, packages: Packages): void {
  // Clients send a token; the theme's pages, their session (and its form token).
  const dg = mounts.mount({ prefix: '/_dg', auth: 'token-or-session', body: ['json', 'form'], errors: 'api' });
  const byToken = mounts.requireToken('modify_project');
  const bySession = mounts.requireUser();
  const write: ForgeMiddleware = (ctx, next) => (ctx.state.sessionId ? bySession(ctx, next) : byToken(ctx, next));

  const find = async (ctx: ForgeContext & { params: Record<string, string> }) => {
    const viewer = await packages.viewer(ctx);
    const project = await packages.find(viewer, ctx.params.namespace ?? '', ctx.params.repo ?? '');
    return { viewer, project };
  };

  dg.get('/anitya/:namespace/:repo', async (ctx) => {
    const { project } = await find(ctx);
    ctx.body = { monitoring: await packages.monitoring(project) };
  });
  dg.post('/anitya/:namespace/:repo', write, async (ctx) => {
    const { viewer, project } = await find(ctx);
    ctx.body = { monitoring: await packages.setMonitoring(viewer, project, bodyOf(ctx).anitya_status) };
  });

  dg.get('/bzoverrides/:namespace/:repo', async (ctx) => {
    const { project } = await find(ctx);
    ctx.body = await packages.overrides(project);
  });
  dg.post('/bzoverrides/:namespace/:repo', write, async (ctx) => {
    const { viewer, project } = await find(ctx);
    ctx.body = await packages.setOverrides(viewer, project, bodyOf(ctx));
  });

  dg.get('/orphan/:namespace/:repo', async (ctx) => {
    const { project } = await find(ctx);
    ctx.body = await packages.orphanStatus(project);
  });
  dg.post('/orphan/:namespace/:repo', write, async (ctx) => {
    const { viewer, project } = await find(ctx);
    ctx.body = await packages.orphan(viewer, project, bodyOf(ctx));
  });

  dg.post('/take_orphan/:namespace/:repo', write, async (ctx) => {
    const { viewer, project } = await find(ctx);
    ctx.body = await packages.take(viewer, project);
  });
  dg.post('/give_orphan/:namespace/:repo', write, async (ctx) => {
    const { viewer, project } = await find(ctx);
    ctx.body = await packages.give(viewer, project, bodyOf(ctx));
  });

  // Not Pagure's: FESCo's exemptions from provenpackager access, kept by release engineering.
  dg.get('/provenpackager_exempt/:namespace/:repo', async (ctx) => {
    const { project } = await find(ctx);
    ctx.body = await packages.exempt(project);
  });
  dg.post('/provenpackager_exempt/:namespace/:repo', write, async (ctx) => {
    const { viewer, project } = await find(ctx);
    ctx.body = await packages.setExempt(viewer, project, bodyOf(ctx).exempt);
  });

  dg.get('/actived/:namespace/:repo', async (ctx) => {
    const { project } = await find(ctx);
    ctx.body = { active: await packages.active(project) };
  });
}
