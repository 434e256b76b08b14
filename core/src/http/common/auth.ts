// Token authentication as Pagure's API does it: "Authorization: token <value>" names a token;
// the guards below answer 401 EINVALIDTOK (with the reason in `errors`) when it will not do.
// /api/0, plugins' project routes and 'token' mounts share it.
import type { Middleware, Next } from 'koa';
import type { TokenAcl, UserRecord } from '../../domain/index.js';
import { ForgeError, Forbidden, Unauthorized } from '../../errors/index.js';
import type { ForgeContext, ForgeContextExtras, ForgeState } from '../../plugins/index.js';
import type { DomainServices, Viewer } from '../../services/index.js';

/** Everything after the first "token" in the header, trimmed; undefined when there is none. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const at = header.indexOf('token');
  if (at === -1) return undefined;
  return header.slice(at + 'token'.length).trim() || undefined;
}

/** A project-bound token of this request, kept aside until the project it names is known. */
interface BoundToken {
  user: UserRecord;
  token: NonNullable<ForgeState['token']>;
}

const BOUND = Symbol('bound project token');

/** The request's token if it is bound to a project (in effect or not), else undefined. */
export function boundTokenOf(ctx: ForgeContext): BoundToken | undefined {
  return (ctx as unknown as { [BOUND]?: BoundToken })[BOUND];
}

/**
 * Lets the request act as its project-bound token's user, once the project it works on is
 * that token's project (see ProjectRoutes). Until then, and on every other project or
 * endpoint, such a token is anonymous.
 */
export function useBoundToken(ctx: ForgeContext, bound: BoundToken): void {
  ctx.state.user = bound.user;
  ctx.state.token = bound.token;
}

/**
 * Reads the token of every API request; the guards decide what a missing or bad one means.
 * A token bound to a project does not log the request in: only the project routes of its own
 * project do (useBoundToken), so it reads nobody's private projects and makes no projects.
 */
export function apiAuthentication(services: DomainServices): Middleware<ForgeState, ForgeContextExtras> {
  return async (ctx, next) => {
    const value = tokenFromHeader(ctx.get('Authorization'));
    if (value) {
      const check = await services.tokens.verify(value);
      if (!check.ok) {
        ctx.state.tokenProblem = check.reason;
      } else {
        const token = { id: check.token.id, acls: check.token.acls, projectId: check.token.projectId };
        if (token.projectId === null) {
          ctx.state.user = check.user;
          ctx.state.token = token;
        } else {
          (ctx as unknown as { [BOUND]?: BoundToken })[BOUND] = { user: check.user, token };
        }
      }
    }
    await next();
  };
}

function invalidToken(reason: string | null | undefined): ForgeError {
  return Unauthorized('EINVALIDTOK', reason === undefined ? {} : { errors: reason as string });
}

/** Throws Pagure's 401 EINVALIDTOK unless the request carries a valid token holding any of `acls` (none: any valid token). */
export function checkToken(ctx: ForgeContext, acls: readonly TokenAcl[]): void {
  const token = ctx.state.token;
  // A project's token away from its project: 401 without a reason, as Pagure answers it.
  if (!token && boundTokenOf(ctx)) throw invalidToken(undefined);
  if (!token) throw invalidToken(ctx.state.tokenProblem ?? 'Invalid token');
  if (acls.length && !acls.some((acl) => token.acls.includes(acl))) {
    const missing = acls.filter((acl) => !token.acls.includes(acl)).sort();
    throw invalidToken(`Missing ACLs: ${missing.join(', ')}`);
  }
}

/** Pagure's login-required endpoints: a valid token holding any of `acls`. */
export function requireToken(...acls: TokenAcl[]): Middleware<ForgeState, ForgeContextExtras> {
  return async (ctx, next: Next) => {
    checkToken(ctx, acls);
    await next();
  };
}

/** Pagure's login-optional endpoints: no token is fine, a bad one is not. */
export const optionalToken: Middleware<ForgeState, ForgeContextExtras> = async (ctx, next) => {
  if (ctx.state.tokenProblem) throw invalidToken(ctx.state.tokenProblem);
  await next();
};

/** A token bound to a project works on that project only; some endpoints want exactly that. */
export function checkProjectToken(ctx: ForgeContext, projectId: number, options: { userTokens: boolean }): void {
  const token = ctx.state.token;
  if (!token) return;
  if (token.projectId === null ? !options.userTokens : token.projectId !== projectId) throw Unauthorized('EINVALIDTOK');
}

/** Writes by a user the project blocked are refused (EUBLOCKED). */
export function checkNotBlocked(ctx: ForgeContext, blockUsers: readonly string[]): void {
  if (ctx.method === 'POST' && ctx.state.user && blockUsers.includes(ctx.state.user.name)) throw Forbidden('EUBLOCKED');
}

const VIEWER = Symbol('viewer');

/** The request's viewer (site-admin status looked up once). */
export async function viewerOf(ctx: ForgeContext, services: DomainServices): Promise<Viewer> {
  const cache = ctx as unknown as { [VIEWER]?: Promise<Viewer> };
  cache[VIEWER] ??= services.access.viewer(ctx.state.user);
  return cache[VIEWER];
}
