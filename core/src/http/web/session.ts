// Browser sessions and CSRF protection for pages. A signed cookie names the session row;
// every POST/PUT/PATCH/DELETE page request must carry a form token derived from it (or,
// before login, from a random cookie), so other sites cannot submit forms as the user.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { Invalid } from '../../errors/index.js';
import type { ForgeContext, ForgeContextExtras, ForgeState } from '../../plugins/index.js';
import type { SessionsService } from '../../services/index.js';

export const SESSION_COOKIE = 'pagurus_session';
const ANONYMOUS_COOKIE = 'pagurus_csrf';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SessionOptions {
  secret: string;
  secure: boolean;
  lifetimeDays: number;
}

function cookieOptions(options: SessionOptions, maxAgeMs?: number) {
  return { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: options.secure, overwrite: true, ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) };
}

function formToken(secret: string, seed: string): string {
  return createHmac('sha256', secret).update(`csrf:${seed}`).digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Starts a session: the cookie that names it. */
export function setSessionCookie(ctx: ForgeContext, sessionId: string, options: SessionOptions): void {
  ctx.cookies.set(SESSION_COOKIE, sessionId, cookieOptions(options, options.lifetimeDays * 86_400_000));
}

export function clearSessionCookie(ctx: ForgeContext, options: SessionOptions): void {
  ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(options));
}

/** For page requests: who is logged in, and the form token; unsafe methods must send it back. */
export function sessions(service: SessionsService, options: SessionOptions): Middleware<ForgeState, ForgeContextExtras> {
  return async (ctx, next) => {
    const sessionId = ctx.cookies.get(SESSION_COOKIE, { signed: true });
    const found = sessionId ? await service.find(sessionId) : undefined;
    let seed: string;
    if (found) {
      ctx.state.user = found.user;
      ctx.state.sessionId = found.session.id;
      seed = found.session.csrfSecret;
    } else {
      if (sessionId) clearSessionCookie(ctx, options);
      seed = ctx.cookies.get(ANONYMOUS_COOKIE, { signed: true }) ?? '';
      if (!seed) {
        seed = randomBytes(24).toString('base64url');
        ctx.cookies.set(ANONYMOUS_COOKIE, seed, cookieOptions(options));
      }
    }
    ctx.state.csrfToken = formToken(options.secret, seed);
    if (UNSAFE_METHODS.has(ctx.method)) {
      const sent = (ctx.request.body as Record<string, unknown> | undefined)?.csrf_token ?? ctx.get('X-CSRF-Token');
      if (typeof sent !== 'string' || !sameToken(sent, ctx.state.csrfToken)) {
        throw Invalid('EINVALIDREQ', 'This form has expired or did not come from this site; reload the page and try again');
      }
    }
    await next();
  };
}
