// The types of a plugin's routes beyond plain routers: project routes (answering under a
// project's four path forms, the project resolved and the viewer known) and mounts (routers
// outside /api/0 with their own auth, body and error format). Implemented in http/common.
import type { Readable } from 'node:stream';
import type { Middleware } from 'koa';
import type { AccessLevel, ProjectRecord, TokenAcl } from '../domain/index.js';
import type { ForgeContext, ForgeContextExtras, ForgeRouter, ForgeState } from './contracts.js';
import type { Viewer } from './services.js';

/** Koa middleware with the forge's state and context, as routers take it. */
export type ForgeMiddleware = Middleware<ForgeState, ForgeContextExtras>;

// ---- project routes ----

/** What a project route knows besides the request: the project its path names and who is asking. */
export interface ProjectScope {
  /** The project the path names, visible to the viewer (else the route answered 404 ENOPROJECT). */
  readonly project: ProjectRecord;
  readonly viewer: Viewer;
  /** The viewer's level from core's grants (owner, direct or group), null for none. Decide with `can`: it also counts site admins and the canAccess hook. */
  readonly level: AccessLevel | null;
  /** Whether the viewer holds `level` on the project (for `commit`: on `branch`, as collaborators' patterns allow). */
  can(level: AccessLevel, branch?: string): Promise<boolean>;
  /** Throws 403 ENOTHIGHENOUGH unless the viewer holds `level` (anonymous: 401 EINVALIDTOK on the API; pages send them to log in). */
  requireLevel(level: AccessLevel, branch?: string): Promise<void>;
  /**
   * API routes: throws 401 EINVALIDTOK (Pagure's reason in `errors`, "Missing ACLs: ...") unless the
   * request carries a valid token holding any of `acls` (none: any valid token) that may act on this
   * project: a user's token, or a token bound to this very project. A project's token elsewhere is anonymous.
   */
  requireToken(...acls: TokenAcl[]): void;
}

export type ProjectRouteHandler = (ctx: ForgeContext, scope: ProjectScope) => Promise<void> | void;

export interface ProjectApiRouteOptions {
  /**
   * Pagure's login-required endpoints: a token holding any of these ACLs ([] for any valid token),
   * checked before the project is looked up, as Pagure orders them (401 EINVALIDTOK). A project-bound
   * token must be this project's; users the project blocked may not POST (403 EUBLOCKED).
   */
  acls?: readonly TokenAcl[];
  /** The level the viewer needs on the project (403 ENOTHIGHENOUGH), checked once the project is known. */
  level?: AccessLevel;
  /** Also answer under /fork/<user>/... (default true). */
  forks?: boolean;
}

export interface ProjectPageRouteOptions {
  /** The level the viewer needs on the project: the anonymous are sent to log in, others get a 403 page. */
  level?: AccessLevel;
  /** Also answer under /fork/<user>/... (default true). */
  forks?: boolean;
}

/**
 * Registers routes under each of a project's path forms: `<repo>`, `<namespace>/<repo>`,
 * `fork/<user>/<repo>` and `fork/<user>/<namespace>/<repo>`. `suffix` follows the project's
 * path ("/webhook/token"; route parameters allowed: "/build/:id") and starts with "/".
 */
export interface ProjectRouteRegistry<O> {
  get(suffix: string, handler: ProjectRouteHandler, options?: O): void;
  post(suffix: string, handler: ProjectRouteHandler, options?: O): void;
  put(suffix: string, handler: ProjectRouteHandler, options?: O): void;
  patch(suffix: string, handler: ProjectRouteHandler, options?: O): void;
  delete(suffix: string, handler: ProjectRouteHandler, options?: O): void;
}

/** The projectApiRoutes hook's registry: paths under /api/0/<project>. Errors answer Pagure's JSON. */
export type ProjectApiRoutes = ProjectRouteRegistry<ProjectApiRouteOptions>;
/** The projectWebRoutes hook's registry: pages under /<project>. */
export type ProjectPageRoutes = ProjectRouteRegistry<ProjectPageRouteOptions>;

// ---- mounts ----

/**
 * Who a mount's requests are from: 'token' reads Pagure's "Authorization: token <value>" (no
 * CSRF: nothing a browser sends on its own; a project-bound token logs nobody in here),
 * 'session' the browser's session cookie, with the CSRF check on POST/PUT/PATCH/DELETE
 * (a `csrf_token` field or an X-CSRF-Token header; on a 'raw' mount, the header), 'token-or-session'
 * the session when the request carries a session cookie and no Authorization (a browser: CSRF
 * checked), else the token, or nobody (the lookaside cache: fedpkg and browsers), 'none' nobody (callbacks that carry their own secret).
 */
export type MountAuth = 'token' | 'session' | 'token-or-session' | 'none';

/** 'json' and 'form' parse bodies of that type (another type is refused, 400 EINVALIDREQ); 'raw' parses nothing: read it with `rawBody`. */
export type MountBody = 'json' | 'form' | 'raw';

export interface MountOptions {
  /** Where the mount answers: every path equal to it or under it ("/_dg", "/repo/pkgs"). Not under /api, not "/", no trailing slash. */
  prefix: string;
  auth: MountAuth;
  /** One type, or several of 'json' and 'form'. */
  body: MountBody | readonly ('json' | 'form')[];
  /** The largest body it takes, in bytes (413 beyond); default: the instance's `http.bodyLimitKb`. */
  bodyLimitBytes?: number;
  /** How errors answer: 'api' with Pagure's JSON (`{"error", "error_code"}`), 'page' with the theme's error page. */
  errors: 'api' | 'page';
}

/** A raw mount's request body, read on demand. */
export interface RawBody {
  /** The whole body; rejects with 413 when it is larger than the mount's limit. */
  buffer(): Promise<Buffer>;
  /** The body as a stream that fails with a 413 ForgeError past the limit; read it once, or call buffer(), not both. */
  stream(): Readable;
}

/** The mounts hook's registry. */
export interface MountRegistry {
  /**
   * Adds a router answering under `options.prefix`, whose paths are relative to it; what it does
   * not answer is a 404 in the mount's error format (it never falls through to pages).
   */
  mount(options: MountOptions): ForgeRouter;
  /** Middleware for 'token' mounts: a valid user token holding any of `acls` (none: any), else 401 EINVALIDTOK as /api/0 answers. */
  requireToken(...acls: TokenAcl[]): ForgeMiddleware;
  /** Middleware: someone is logged in (by token or session), else 401 (EINVALIDTOK on 'token' mounts, ENOCODE otherwise). */
  requireUser(): ForgeMiddleware;
  /** The body of a request on a 'raw' mount (throws elsewhere). */
  rawBody(ctx: ForgeContext): RawBody;
}
