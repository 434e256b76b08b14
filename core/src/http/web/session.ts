// Browser sessions and CSRF protection for pages. A signed cookie names the session row;
// every POST/PUT/PATCH/DELETE page request must carry a form token derived from it (or,
// before login, from a random cookie), so other sites cannot submit forms as the user.
// A form that succeeds leaves a confirmation (a "flash") for the page it redirects to, in a
// short-lived signed cookie: no session row is written, and any process can show it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { Invalid } from '../../errors/index.js';
import type { ForgeContext, ForgeContextExtras, ForgeState } from '../../plugins/index.js';
import type { SessionsService } from '../../services/index.js';

export const SESSION_COOKIE = 'pagurus_session';
const ANONYMOUS_COOKIE = 'pagurus_csrf';
/** The confirmation the page after a form's redirect shows once (a short-lived signed cookie). */
export const FLASH_COOKIE = 'pagurus_flash';
const FLASH_MAX_AGE_MS = 5 * 60_000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SessionOptions {
  secret: string;
  secure: boolean;
  lifetimeDays: number;
}

function cookieOptions(options: SessionOptions, maxAgeMs?: number) {
  return {
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: options.secure,
    overwrite: true,
    ...(maxAgeMs ? { maxAge: maxAgeMs } : {}),
  };
}

function formToken(secret: string, seed: string): string {
  return createHmac('sha256', secret).update(`csrf:${seed}`).digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A confirmation shown once on the next page; a new token's value rides along, for that page only. */
export interface Flash {
  text: string;
  token?: { value: string; description: string; expiresAt: string };
}

interface FlashSlot {
  /** What the previous request left for this one. */
  received: Flash | undefined;
  /** Whether this request's page showed it. */
  shown: boolean;
  /** What this request leaves for the next. */
  next: Flash | undefined;
}

const flashSlots = new WeakMap<object, FlashSlot>();

/** After a successful form, before its redirect: the next page says `text`. */
export function flash(ctx: ForgeContext, text: string, token?: Flash['token']): void {
  const slot = flashSlots.get(ctx);
  if (slot) slot.next = token ? { text, token } : { text };
}

/** The confirmation this page shows, if the previous request left one; it is forgotten once shown. */
export function takeFlash(ctx: ForgeContext): Flash | undefined {
  const slot = flashSlots.get(ctx);
  if (!slot?.received) return undefined;
  slot.shown = true;
  return slot.received;
}

function readFlash(ctx: ForgeContext): Flash | undefined {
  const raw = ctx.cookies.get(FLASH_COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flash>;
    return typeof value.text === 'string' ? (value as Flash) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a session: the cookie that names it. */
export function setSessionCookie(ctx: ForgeContext, sessionId: string, options: SessionOptions): void {
  ctx.cookies.set(SESSION_COOKIE, sessionId, cookieOptions(options, options.lifetimeDays * 86_400_000));
}

export function clearSessionCookie(ctx: ForgeContext, options: SessionOptions): void {
  ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(options));
}

/** Whether the request carries a session cookie (valid or not: the sessions middleware decides). */
export function hasSessionCookie(ctx: { cookies: { get(name: string): string | undefined } }): boolean {
  return Boolean(ctx.cookies.get(SESSION_COOKIE));
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
    const slot: FlashSlot = { received: readFlash(ctx), shown: false, next: undefined };
    flashSlots.set(ctx, slot);
    if (UNSAFE_METHODS.has(ctx.method)) {
      const sent = (ctx.request.body as Record<string, unknown> | undefined)?.csrf_token ?? ctx.get('X-CSRF-Token');
      if (typeof sent !== 'string' || !sameToken(sent, ctx.state.csrfToken)) {
        throw Invalid('EINVALIDREQ', 'This form has expired or did not come from this site; reload the page and try again');
      }
    }
    await next();
    if (slot.next) {
      ctx.cookies.set(FLASH_COOKIE, Buffer.from(JSON.stringify(slot.next)).toString('base64url'), cookieOptions(options, FLASH_MAX_AGE_MS));
    } else if (slot.shown) {
      ctx.cookies.set(FLASH_COOKIE, null, cookieOptions(options));
    }
  };
}
