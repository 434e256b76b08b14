// What one login carries from leaving for the provider to coming back: state, nonce, the
// PKCE verifier and the page to return to, in a short-lived cookie signed with the forge's
// keys (Koa's signed cookies), scoped to /oidc, SameSite=Lax so the provider's redirect
// brings it back and no other site's form does.
import type { ForgeContext } from '@pagurus/core';
import type { LoginChecks } from './provider.js';

const COOKIE = 'pagurus_oidc';
const PATH = '/oidc';

const options = (secure: boolean, maxAgeMs?: number) => ({
  signed: true,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure,
  path: PATH,
  overwrite: true,
  ...(maxAgeMs ? { maxAge: maxAgeMs } : {}),
});

export function saveChecks(ctx: ForgeContext, checks: LoginChecks, secure: boolean, ttlMs: number): void {
  const value = Buffer.from(JSON.stringify({ ...checks, expires: Date.now() + ttlMs })).toString('base64url');
  ctx.cookies.set(COOKIE, value, options(secure, ttlMs));
}

/** The checks of the login under way, once (the cookie is cleared), or undefined when there is none, it was forged or it expired. */
export function takeChecks(ctx: ForgeContext, secure: boolean): LoginChecks | undefined {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  ctx.cookies.set(COOKIE, null, options(secure));
  if (!raw) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<LoginChecks> & { expires?: number };
    if (typeof value.expires !== 'number' || value.expires < Date.now()) return undefined;
    const { state, nonce, verifier, next } = value;
    if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string' || typeof next !== 'string')
      return undefined;
    return { state, nonce, verifier, next };
  } catch {
    return undefined;
  }
}
