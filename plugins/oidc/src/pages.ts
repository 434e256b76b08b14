// The login's two pages: /oidc/login sends the browser to the provider, /oidc/callback takes
// its answer, checks it, finds or makes the account, syncs its groups and opens core's
// session. Whatever fails is a page saying what and what to do, with its status: 503 when
// the provider is down, 400 for an answer that cannot be trusted, 409 for a name clash.
import type { ForgeApi, ForgeContext } from '@pagurus/core';
import { LoginRefused, type OidcAccounts } from './accounts.js';
import { saveChecks, takeChecks } from './login-cookie.js';
import type { OidcOptions } from './options.js';
import { classify, type OidcProvider } from './provider.js';

export const LOGIN_PATH = '/oidc/login';
export const CALLBACK_PATH = '/oidc/callback';

const STATUS = { down: 503, refused: 400, unverified: 400 } as const;

export function registerPages(forge: ForgeApi, options: OidcOptions, provider: OidcProvider, accounts: OidcAccounts): void {
  const base = () => forge.config.url.replace(/\/+$/, '');
  const secure = () => base().startsWith('https:');

  const problem = async (ctx: ForgeContext, status: number, message: string) => {
    await ctx.render('oidc/problem', { title: 'Login failed', message, retry: LOGIN_PATH });
    ctx.status = status;
  };

  forge.hooks.webRoutes.tap('oidc', (router) => {
    router.get(LOGIN_PATH, async (ctx) => {
      const next = forge.auth.safeNext(ctx.query.next);
      try {
        const { url, checks } = await provider.start(`${base()}${CALLBACK_PATH}`, next);
        saveChecks(ctx, checks, secure(), options.login_timeout_minutes * 60_000);
        ctx.redirect(url.href);
      } catch (error) {
        const found = classify(error);
        await problem(ctx, STATUS[found.kind], found.message);
      }
    });

    router.get(CALLBACK_PATH, async (ctx) => {
      const checks = takeChecks(ctx, secure());
      if (!checks) return problem(ctx, 400, 'This login took too long, or did not start on this forge; start again.');
      try {
        const answer = await provider.finish(new URL(ctx.url, `${base()}/`), checks);
        const user = await accounts.userFor(answer);
        const groups = await accounts.syncGroups(user, answer);
        const { sessionId } = await forge.auth.startSession(ctx, user);
        await accounts.recordSession(sessionId, answer.idToken);
        forge.log.info({ user: user.name, subject: answer.subject, ...groups }, 'oidc: logged in');
        ctx.redirect(checks.next);
      } catch (error) {
        if (error instanceof LoginRefused) return problem(ctx, error.status, error.message);
        const found = classify(error);
        await problem(ctx, STATUS[found.kind], found.message);
      }
    });
  });
}
