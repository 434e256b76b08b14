// `forge.auth`: ways to log in that plugins bring (an OpenID Connect provider, say), beside or
// instead of core's passwords. The plugin proves who the person is on its own routes, then
// asks core to open the session; core keeps the cookie, CSRF and logout.
import type { UserRecord, UserRef } from '../domain/index.js';
import type { ForgeContext } from './contracts.js';

/** A way to log in, shown on the login page as a button. */
export interface LoginMethod {
  /** "oidc": lower-case letters, digits and "-", unique on the instance. */
  id: string;
  /** The button's words: "Log in with Fedora Accounts". */
  label: string;
  /** Where the button leads: a page route of the plugin; core adds `?next=<the page to come back to>`. */
  path: string;
}

/** What the logout hook knows: who logs out, and which session ends. */
export interface LogoutContext {
  user: UserRef;
  sessionId: string;
}

export interface ForgeAuthApi {
  /** Adds a way to log in (call it in `apply`, in every process). A second method with the same id stops the start. */
  defineLoginMethod(method: LoginMethod): void;
  /**
   * Logs `user` in on this request's browser, as core's password login does: a new session
   * and its cookie. The plugin has proved who they are. Answers the session's id (to keep
   * what the plugin needs at logout beside it).
   */
  startSession(ctx: ForgeContext, user: UserRecord): Promise<{ sessionId: string }>;
  /** The page to go back to: `next` when it is a path on this forge, else "/". */
  safeNext(next: unknown): string;
}
