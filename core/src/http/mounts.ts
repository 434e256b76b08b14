// Plugins' mounts (the mounts hook): routers outside /api/0 under a prefix of their own, each
// with the authentication, body parsing and error format it chose. A mount owns its prefix:
// what its router does not answer is a 404 in its format, never a page. The app runs them
// after the request context, errors, security headers and input guard, before the pages.
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import Router from '@koa/router';
import type Koa from 'koa';
import compose from 'koa-compose';
import type { TokenAcl } from '../domain/index.js';
import { Invalid, TooLarge, Unauthorized } from '../errors/index.js';
import type {
  ForgeContext,
  ForgeContextExtras,
  ForgeMiddleware,
  ForgeRouter,
  ForgeState,
  MountOptions,
  MountRegistry,
  RawBody,
} from '../plugins/index.js';
import type { DomainServices } from '../services/index.js';
import { apiAuthentication, requireToken } from './common/auth.js';
import { parsedBodies } from './middleware/body.js';
import { hasSessionCookie, sessions, type SessionOptions } from './web/session.js';

export interface MountDependencies {
  services: DomainServices;
  session: SessionOptions;
  /** The default body limit, as for every request. */
  bodyLimitKb: number;
}

/** A mount as the app and listRoutes see it. */
export interface Mount {
  options: Readonly<MountOptions>;
  router: ForgeRouter;
}

/** Paths that stay core's: the API, health, the git hooks' callback, static files. */
const RESERVED = /^\/(api|_health|_pagurus|static)(\/|$)/;
const PREFIX = /^(\/[A-Za-z0-9._~-]+)+$/;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** Whether the request has a body (a length, or chunks coming). */
const hasBody = (ctx: ForgeContext) => ctx.get('Transfer-Encoding') !== '' || Number(ctx.get('Content-Length') || 0) > 0;

/** The request's body as a stream that fails with 413 once more than `limit` bytes came. */
function cappedStream(ctx: ForgeContext, limit: number): Readable {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) throw TooLarge('ENOCODE', `The request body is larger than ${limit} bytes`);
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) done(TooLarge('ENOCODE', `The request body is larger than ${limit} bytes`));
      else done(null, chunk);
    },
  });
  ctx.req.on('error', (error) => cap.destroy(error));
  return ctx.req.pipe(cap);
}

export class Mounts implements MountRegistry {
  readonly list: Mount[] = [];
  private readonly stacks = new Map<Mount, Koa.Middleware>();
  private readonly raw = new WeakMap<object, RawBody>();

  constructor(private readonly deps: MountDependencies) {}

  mount(options: MountOptions): ForgeRouter {
    const { prefix } = options;
    if (!PREFIX.test(prefix) || RESERVED.test(prefix)) {
      throw new Error(`A mount's prefix is a path such as "/_dg", not under /api, /_health, /_pagurus or /static: "${prefix}"`);
    }
    const clash = this.list.find((m) => under(prefix, m.options.prefix) || under(m.options.prefix, prefix));
    if (clash) throw new Error(`The mount "${prefix}" overlaps the mount "${clash.options.prefix}"`);
    if (!['token', 'session', 'token-or-session', 'none'].includes(options.auth))
      throw new Error(`A mount's auth is token, session, token-or-session or none: "${options.auth}"`);
    if (!['api', 'page'].includes(options.errors)) throw new Error(`A mount's errors are api or page: "${options.errors}"`);
    const bodies = typeof options.body === 'string' ? [options.body] : [...options.body];
    const rawAlone = bodies.length === 1 && bodies[0] === 'raw';
    if (!bodies.length || (!rawAlone && !bodies.every((b) => b === 'json' || b === 'form'))) {
      throw new Error(`A mount's body is 'raw', or 'json' and/or 'form': ${JSON.stringify(options.body)}`);
    }
    const router = new Router<ForgeState, ForgeContextExtras>({ prefix });
    const mount: Mount = { options: Object.freeze({ ...options }), router };
    this.list.push(mount);
    this.stacks.set(mount, compose([...this.front(mount.options), router.allowedMethods(), router.routes()] as Koa.Middleware[]));
    return router;
  }

  // Arrow functions: plugins may take them off the registry (`const { rawBody } = mounts`).
  readonly requireToken = (...acls: TokenAcl[]): ForgeMiddleware => requireToken(...acls);

  readonly requireUser = (): ForgeMiddleware => {
    return async (ctx, next) => {
      if (!ctx.state.user) {
        const mount = this.find(ctx.path);
        throw mount?.options.auth === 'token' || (mount?.options.auth === 'token-or-session' && !ctx.state.sessionId)
          ? Unauthorized('EINVALIDTOK', { errors: ctx.state.tokenProblem ?? 'Invalid token' })
          : Unauthorized('ENOCODE', 'Log in first');
      }
      await next();
    };
  };

  readonly rawBody = (ctx: ForgeContext): RawBody => {
    const body = this.raw.get(ctx);
    if (!body) throw new Error(`rawBody: ${ctx.path} is not on a mount whose body is 'raw'`);
    return body;
  };

  /** The mount answering `path`, if any. */
  find(path: string): Mount | undefined {
    return this.list.find((m) => under(path, m.options.prefix));
  }

  /** The error format of `path`, when a mount answers it. */
  readonly formatOf = (path: string): 'api' | 'page' | undefined => this.find(path)?.options.errors;

  /** Runs the mount answering the request; other requests go on to `next`. */
  readonly middleware: ForgeMiddleware = (ctx, next) => {
    const mount = this.find(ctx.path);
    if (!mount) return next();
    // Nothing after a mount: what it does not answer stays 404 (or 405), in its format.
    return this.stacks.get(mount)!(ctx, async () => {});
  };

  /** Body parsing, then authentication: a session's CSRF check reads the parsed form's csrf_token. */
  private front(options: Readonly<MountOptions>): ForgeMiddleware[] {
    const types = options.body === 'raw' ? 'raw' : typeof options.body === 'string' ? [options.body] : [...options.body];
    const limit = options.bodyLimitBytes ?? this.deps.bodyLimitKb * 1024;
    const body: ForgeMiddleware =
      types === 'raw'
        ? async (ctx, next) => {
            let used = false;
            const stream = () => {
              if (used) throw new Error('rawBody: the body was read already');
              used = true;
              return cappedStream(ctx, limit);
            };
            this.raw.set(ctx, {
              stream,
              async buffer() {
                const chunks: Buffer[] = [];
                for await (const chunk of stream()) chunks.push(chunk as Buffer);
                return Buffer.concat(chunks);
              },
            });
            try {
              await next();
            } finally {
              // A body left unread (refused, or not wanted) must not be taken for the next request on this connection.
              if (!ctx.req.complete) ctx.set('Connection', 'close');
            }
          }
        : this.parsed(types, limit);
    const token = () => apiAuthentication(this.deps.services);
    const session = () => sessions(this.deps.services.sessions, this.deps.session);
    let auth: ForgeMiddleware[] = [];
    if (options.auth === 'token') auth = [token()];
    else if (options.auth === 'session') auth = [session()];
    else if (options.auth === 'token-or-session') {
      // A browser's request carries its session cookie (and so needs the CSRF check); any
      // other, or one with Authorization, is a client's: its token, or nobody.
      const [byToken, bySession] = [token(), session()];
      auth = [(ctx, next) => (ctx.get('Authorization') || !hasSessionCookie(ctx) ? byToken(ctx, next) : bySession(ctx, next))];
    }
    return [body, ...auth];
  }

  /** JSON and/or forms, as chosen: a body of another type is refused rather than ignored. */
  private parsed(types: Array<'json' | 'form'>, limit: number): ForgeMiddleware {
    const parse = parsedBodies({ limitBytes: limit, types }) as ForgeMiddleware;
    const names = types.map((t) => (t === 'json' ? 'json' : 'urlencoded'));
    const wanted = types.map((t) => (t === 'json' ? 'JSON' : 'a form (application/x-www-form-urlencoded)')).join(' or ');
    return (ctx, next) => {
      if (UNSAFE_METHODS.has(ctx.method) && hasBody(ctx) && !ctx.is(...names)) {
        throw Invalid('EINVALIDREQ', `The request body must be ${wanted}`);
      }
      return parse(ctx, next);
    };
  }
}
