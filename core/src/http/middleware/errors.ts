// The one place errors become responses: typed ForgeErrors carry their status and
// Pagure code; /api/ answers {"error", "error_code"[, "errors"]}, pages get an error page,
// and a plugin's mount either, as it chose.
// The database away (restarting, cut off, every connection busy too long) is answered 503
// with Pagure's error JSON and a Retry-After. Anything else is a bug: logged with its stack,
// answered 500 without details.
import type { Middleware } from 'koa';
import { isDatabaseUnavailable } from '../../db/index.js';
import { ForgeError, invalidTokenText, isForgeError, type ErrorCode } from '../../errors/index.js';
import type { ForgeContext, ForgeContextExtras, ForgeState } from '../../plugins/index.js';
import { looksLikeGit } from '../git/git-paths.js';

export function isApiRequest(ctx: { path: string }): boolean {
  return ctx.path === '/api' || ctx.path.startsWith('/api/');
}

/** Errors Koa and its body parser throw (with `status` and `expose`) as ForgeErrors. */
function fromHttpError(error: unknown): ForgeError | undefined {
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const message = (error as { expose?: boolean }).expose ? (error as Error).message : undefined;
  switch (status) {
    case 400:
      return new ForgeError('invalid', 'EINVALIDREQ', { message });
    case 401:
      return new ForgeError('unauthorized', 'EINVALIDTOK');
    case 403:
      return new ForgeError('forbidden', 'ENOTHIGHENOUGH');
    case 404:
      return new ForgeError('not-found', 'ENOCODE', { message: message ?? 'Not found' });
    case 405:
      return new ForgeError('method-not-allowed', 'ENOCODE', { message: 'Method not allowed' });
    case 413:
      return new ForgeError('too-large', 'ENOCODE', { message: 'The request body is too large' });
    default:
      return new ForgeError('invalid', 'ENOCODE', { message: message ?? 'Bad request' });
  }
}

export function errorHandler(options: {
  publicUrl: () => string;
  renderErrorPage: (ctx: ForgeContext, status: number, message: string) => Promise<void>;
  /** The format a path's errors answer in when it is not core's choice (a plugin's mount chose it). */
  formatOf?: (path: string) => 'api' | 'page' | undefined;
}): Middleware<ForgeState, ForgeContextExtras> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      const error = isForgeError(thrown) ? thrown : fromHttpError(thrown);
      let status: number;
      let code: ErrorCode;
      let message: string;
      if (error) {
        status = error.status;
        code = error.code;
        message = code === 'EINVALIDTOK' && error.message.includes('%s') ? invalidTokenText(options.publicUrl()) : error.message;
        if (status >= 500) ctx.state.log.warn({ err: thrown }, message);
      } else if (isDatabaseUnavailable(thrown)) {
        status = 503;
        code = 'ENOCODE';
        message = 'The database is unavailable just now; try again in a moment';
        ctx.set('Retry-After', '5');
        ctx.state.log.warn({ err: thrown }, 'database unavailable');
      } else {
        status = 500;
        code = 'ENOCODE';
        message = `Internal error; it was logged with request id ${ctx.state.requestId}`;
        ctx.state.log.error({ err: thrown }, 'unhandled error');
      }
      ctx.status = status;
      const chosen = options.formatOf?.(ctx.path);
      if (chosen === 'api' || (!chosen && isApiRequest(ctx))) {
        ctx.body = { error: message, error_code: code, ...(error?.errors ? { errors: error.errors } : {}) };
        return;
      }
      if (!chosen && looksLikeGit(ctx.path)) {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = `${message}\n`;
        return;
      }
      try {
        await options.renderErrorPage(ctx, status, message);
      } catch (renderError) {
        ctx.state.log.error({ err: renderError }, 'the error page failed to render');
        ctx.type = 'text/plain';
        ctx.body = `${status}: ${message}\n`;
      }
      ctx.status = status;
    }
  };
}
