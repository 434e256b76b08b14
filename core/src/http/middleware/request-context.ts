// Gives every request an id (kept from X-Request-Id when sane), a logger carrying it,
// and one access-log line when the response is done.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { ForgeContextExtras, ForgeState } from '../../plugins/index.js';

const SANE_ID = /^[\w.:-]{1,128}$/;

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
      const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) };
      if (ctx.path === '/_health') ctx.state.log.debug(line, 'request');
      else ctx.state.log.info(line, 'request');
    }
  };
}
