// forge.auth: the plugins' ways to log in. A plugin proves who someone is on its own routes
// (an OpenID Connect provider's answer, say), then core opens the session exactly as its
// password login does: the same cookie, CSRF seed and logout.
import type { UserRecord } from './domain/index.js';
import { StartupError } from './errors/index.js';
import { safeNext } from './http/web/page-kit.js';
import { setSessionCookie } from './http/web/session.js';
import type { ForgeAuthApi, ForgeContext, LoginMethod } from './plugins/index.js';
import type { DomainServices } from './services/index.js';

const METHOD_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The login page's buttons, in the order plugins defined them. */
export class LoginMethods {
  private readonly methods: LoginMethod[] = [];

  define(method: LoginMethod): void {
    if (!METHOD_ID.test(method.id)) throw new StartupError(`login method "${method.id}": use lower-case letters, digits and "-"`);
    if (!method.path.startsWith('/') || method.path.startsWith('//'))
      throw new StartupError(`login method "${method.id}": its path must be a path on this forge, not ${method.path}`);
    if (this.methods.some((m) => m.id === method.id)) throw new StartupError(`login method "${method.id}" is defined twice`);
    this.methods.push(Object.freeze({ id: method.id, label: method.label, path: method.path }));
  }

  all(): readonly LoginMethod[] {
    return this.methods;
  }
}

export interface PluginAuthDeps {
  methods: LoginMethods;
  services: DomainServices;
  secret: string;
  publicUrl: () => string;
  lifetimeDays: number;
}

export function createPluginAuth(deps: PluginAuthDeps): ForgeAuthApi {
  return {
    defineLoginMethod: (method) => deps.methods.define(method),
    async startSession(ctx: ForgeContext, user: UserRecord) {
      const session = await deps.services.auth.sessions.create(user.id);
      setSessionCookie(ctx, session.id, {
        secret: deps.secret,
        secure: deps.publicUrl().startsWith('https:'),
        lifetimeDays: deps.lifetimeDays,
      });
      return { sessionId: session.id };
    },
    safeNext: (next) => safeNext(typeof next === 'string' ? next : undefined),
  };
}
