// Gives every request an id (kept from X-Request-Id when sane), a logger carrying it,
// and one access-log line when the response is done.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { ForgeContextExtras, ForgeState } from '../../plugins/index.js';

const SANE_ID = /^[\w.:-]{1,128}$/;
/** Route parameters whose values are secrets (reset links, CI callback tokens): never logged. */
const SECRET_PARAM = /token|secret|password/i;

/**
 * The request's path as the access log shows it: the value of every route parameter named
 * like a secret (`:token`, `:pagure_ci_token`, ...) is replaced, for core's routes and
 * plugins' alike.
 */
export function loggedPath(ctx: { path: string; params?: Record<string, string | undefined> }): string {
  let path = ctx.path;
  for (const [name, value] of Object.entries(ctx.params ?? {})) {
    if (!value || !SECRET_PARAM.test(name)) continue;
    for (const form of new Set([value, encodeURIComponent(value)])) path = path.split(form).join('[redacted]');
  }
  return path;
}

export function requestContext(log: Logger): Middleware<ForgeState, ForgeContextExtras> {
  return async (ctx, next) => {
    const given = ctx.get('X-Request-Id');
    const requestId = SANE_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = log.child({ req: requestId });
    ctx.state.user = null;
    ctx.state.token = null;
    ctx.state.tokenProblem = null;
    ctx.state.csrfToken = '';
    ctx.state.sessionId = null;
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      const line = { method: ctx.method, path: loggedPath(ctx), status: ctx.status, ms: Math.round(performance.now() - started) };
      if (ctx.path === '/_health') ctx.state.log.debug(line, 'request');
      else ctx.state.log.info(line, 'request');
    }
  };
}
