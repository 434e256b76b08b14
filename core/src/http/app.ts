// The Koa application: request context, errors, security headers, bodies, then the
// health, API, plugins' mounts and page routers. Everything else is a plugin's route.
import Koa from 'koa';
import compose from 'koa-compose';
import type { Logger } from 'pino';
import { ForgeError, NotFound } from '../errors/index.js';
import type { ForgeContextExtras, ForgeHooks, ForgeRouter, ForgeState, MountOptions } from '../plugins/index.js';
import type { JobQueueApi, LoginMethod } from '../plugins/index.js';
import { PushIdentities, type DomainServices, type HealthService, type TaskService } from '../services/index.js';
import { createApiRouter } from './api/router.js';
import { createHealthRouter } from './health.js';
import { bodyParsing } from './middleware/body.js';
import { errorHandler, isApiRequest } from './middleware/errors.js';
import { inputGuard } from './middleware/input-guard.js';
import { requestContext } from './middleware/request-context.js';
import { securityHeaders } from './middleware/security.js';
import { PageRenderer, type SiteInfo } from './web/render.js';
import { flash, sessions } from './web/session.js';
import { looksLikeGit } from './git/git-paths.js';
import { smartHttp, type SmartHttpOptions } from './git/smart-http.js';
import { HOOK_CALLBACK_PATH, hookCallback } from './git/hook-callback.js';
import type { TemplateStore } from './web/templates.js';
import { createWebRouter } from './web/router.js';
import type { GitBrowseDeps } from './common/git-context.js';
import { Mounts } from './mounts.js';

export interface HttpDependencies {
  log: Logger;
  hooks: ForgeHooks;
  templates: TemplateStore;
  health: HealthService;
  tasks: TaskService;
  services: DomainServices;
  jobs: JobQueueApi;
  projectNameRegex: RegExp;
  site: SiteInfo;
  publicUrl: () => string;
  trustProxy: boolean;
  /** With trustProxy: how many proxies append to X-Forwarded-For; the client is that many entries from its end. */
  proxyHops: number;
  bodyLimitKb: number;
  secret: string;
  registration: boolean;
  /** The forge's own passwords log people in (login.local). */
  localLogin: boolean;
  /** The plugins' ways to log in. */
  loginMethods: () => readonly LoginMethod[];
  sessionLifetimeDays: number;
  git: Omit<SmartHttpOptions, 'services' | 'identities'>;
  /** Repository browsing: API tree, refs and commits, raw and blob pages. */
  browse: GitBrowseDeps;
}

export type ForgeApp = Koa<ForgeState, ForgeContextExtras>;

/** One route of an app's routers: its full path pattern and methods (HEAD included). */
export interface RouteEntry {
  /** /api/0, pages (and health), or a plugin's mount. */
  area: 'api' | 'web' | 'mount';
  path: string;
  methods: string[];
  /** For a mount's routes: what it chose. */
  mount?: Pick<MountOptions, 'auth' | 'body' | 'errors'>;
}

interface AppRouter {
  area: RouteEntry['area'];
  router: ForgeRouter;
  mount?: RouteEntry['mount'];
}

const appRouters = new WeakMap<ForgeApp, AppRouter[]>();

/** Every route the app's routers answer, core's and plugins' alike, in registration order. */
export function listRoutes(app: ForgeApp): RouteEntry[] {
  return (appRouters.get(app) ?? []).flatMap(({ area, router, mount }) =>
    router.stack
      .filter((layer) => layer.methods.length > 0 && typeof layer.path === 'string')
      .map((layer) => ({ area, path: String(layer.path), methods: [...layer.methods], ...(mount ? { mount } : {}) })),
  );
}

export function createHttpApp(deps: HttpDependencies): ForgeApp {
  const app: ForgeApp = new Koa<ForgeState, ForgeContextExtras>();
  app.proxy = deps.trustProxy;
  // Koa reads ctx.ip from the last maxIpsCount entries: a client cannot spoof its address by
  // sending an X-Forwarded-For of its own, which the proxies only append to.
  app.maxIpsCount = deps.proxyHops;
  app.keys = [deps.secret];
  // errorHandler logs what middleware throws; anything Koa reports outside it (a broken
  // response stream, say) is logged here instead of printed to stderr.
  app.silent = true;
  app.on('error', (error: unknown) => deps.log.error({ err: error }, 'http error outside the middleware chain'));
  const pages = new PageRenderer(deps.templates, deps.hooks, deps.site);
  const api = createApiRouter({
    hooks: deps.hooks,
    tasks: deps.tasks,
    services: deps.services,
    jobs: deps.jobs,
    publicUrl: deps.publicUrl,
    projectNameRegex: deps.projectNameRegex,
    browse: deps.browse,
  });
  const session = { secret: deps.secret, secure: deps.publicUrl().startsWith('https:'), lifetimeDays: deps.sessionLifetimeDays };
  const web = createWebRouter(deps.hooks, deps.services, {
    accounts: {
      session,
      registration: deps.registration && deps.localLogin,
      publicUrl: deps.publicUrl,
      local: deps.localLogin,
      loginMethods: deps.loginMethods,
    },
    projects: { browse: deps.browse, jobs: deps.jobs, projectNameRegex: deps.projectNameRegex },
  });
  const health = createHealthRouter(deps.health, deps.site.coreVersion);
  const mounts = new Mounts({ services: deps.services, session, bodyLimitKb: deps.bodyLimitKb });
  deps.hooks.mounts.call(mounts);
  appRouters.set(app, [
    { area: 'api', router: api },
    ...mounts.list.map(({ router, options }) => ({
      area: 'mount' as const,
      router,
      mount: { auth: options.auth, body: options.body, errors: options.errors },
    })),
    { area: 'web', router: health },
    { area: 'web', router: web },
  ]);

  app.use(requestContext(deps.log));
  app.use(
    errorHandler({
      publicUrl: deps.publicUrl,
      renderErrorPage: (ctx, status, message) => pages.render(ctx, 'error', { title: `Error ${status}`, status, message }),
      formatOf: mounts.formatOf,
    }),
  );
  app.use(securityHeaders(deps.publicUrl()));
  // NUL bytes and invalid UTF-8 in the path or query are refused before anything reads them.
  app.use(inputGuard(mounts.formatOf));
  app.use(deps.templates.assets.middleware());
  app.use(async (ctx, next) => {
    ctx.render = (name, data) => pages.render(ctx, name, data);
    ctx.flash = (text) => flash(ctx, text);
    await next();
  });
  // The git hooks' callback and plugins' mounts read their own bodies.
  const parseBody = bodyParsing(deps.bodyLimitKb);
  app.use((ctx, next) => (ctx.path === HOOK_CALLBACK_PATH || mounts.find(ctx.path) ? next() : parseBody(ctx, next)));
  // What no route answered. The routers' allowedMethods leave 405/501 (with an Allow
  // header) for a wrong method; anything still 404 without a body matched no route.
  app.use(async (ctx, next) => {
    await next();
    if (ctx.status === 405 || ctx.status === 501) {
      throw new ForgeError('method-not-allowed', 'ENOCODE', { message: 'Method not allowed' });
    }
    if (ctx.status === 404 && ctx.body == null) {
      throw NotFound('ENOCODE', isApiRequest(ctx) ? 'No such API endpoint' : mounts.find(ctx.path) ? 'Not found' : 'Page not found');
    }
  });
  // API requests never fall through to pages, and pages never to the API; git's own
  // requests go to smart HTTP before sessions and CSRF checks, which are for browsers.
  const apiStack = compose([api.allowedMethods(), api.routes()] as Koa.Middleware[]);
  const identities = new PushIdentities(deps.secret);
  const gitStack = smartHttp({ ...deps.git, services: deps.services, identities }) as Koa.Middleware;
  const gitHooks = hookCallback({
    services: deps.services,
    repositories: deps.git.repositories,
    identities,
    jobs: deps.jobs,
    publicUrl: deps.publicUrl,
  }) as Koa.Middleware;
  const webStack = compose([
    health.routes(),
    sessions(deps.services.sessions, session),
    web.allowedMethods(),
    web.routes(),
  ] as Koa.Middleware[]);
  app.use((ctx, next) => {
    if (isApiRequest(ctx)) return apiStack(ctx, next);
    if (ctx.path === HOOK_CALLBACK_PATH) return gitHooks(ctx, next);
    // Before git and pages: a mount owns its prefix, and page routes like /<ns>/<repo> would swallow it.
    if (mounts.find(ctx.path)) return mounts.middleware(ctx, next);
    if (looksLikeGit(ctx.path)) return gitStack(ctx, () => webStack(ctx, next));
    return webStack(ctx, next);
  });
  return app;
}
