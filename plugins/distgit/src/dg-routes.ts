// The /_dg endpoints, as fedpkg, toddlers, the-new-hotness and release engineering's scripts
// call them: Pagure's API tokens (`Authorization: token ...`, the modify_project ACL for
// changes), JSON or form bodies, Pagure's error JSON; and as pages' scripts call them, with
// the browser's session and its form token (X-CSRF-Token).
import type { ForgeContext, ForgeMiddleware, MountRegistry, ProjectRecord, Viewer } from '@pagurus/core';
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

  /** A read of a package, open to whoever may see it. */
  const read = (path: string, answer: (project: ProjectRecord) => Promise<unknown>) =>
    dg.get(`/${path}/:namespace/:repo`, async (ctx) => {
      ctx.body = await answer((await find(ctx)).project);
    });
  /** A change to a package, by a token with modify_project or a session; the service checks who may. */
  const change = (path: string, answer: (viewer: Viewer, project: ProjectRecord, body: Body) => Promise<unknown>) =>
    dg.post(`/${path}/:namespace/:repo`, write, async (ctx) => {
      const { viewer, project } = await find(ctx);
      ctx.body = await answer(viewer, project, bodyOf(ctx));
    });

  read('anitya', async (project) => ({ monitoring: await packages.monitoring(project) }));
  change('anitya', async (viewer, project, body) => ({ monitoring: await packages.setMonitoring(viewer, project, body.anitya_status) }));
  read('bzoverrides', (project) => packages.overrides(project));
  change('bzoverrides', (viewer, project, body) => packages.setOverrides(viewer, project, body));
  read('orphan', (project) => packages.orphanStatus(project));
  change('orphan', (viewer, project, body) => packages.orphan(viewer, project, body));
  change('take_orphan', (viewer, project) => packages.take(viewer, project));
  change('give_orphan', (viewer, project, body) => packages.give(viewer, project, body));
  // Not Pagure's: FESCo's exemptions from provenpackager access, kept by release engineering.
  read('provenpackager_exempt', (project) => packages.exempt(project));
  change('provenpackager_exempt', (viewer, project, body) => packages.setExempt(viewer, project, body.exempt));
  read('actived', async (project) => ({ active: await packages.active(project) }));
}
