// Pages for accounts: log in and out, register, change and reset the password. Plugins'
// ways to log in (forge.auth.defineLoginMethod) show as buttons on the login page; with the
// forge's own passwords off (login.local), they are the only way in.
import { isForgeError } from '../../errors/index.js';
import type { ForgeContext, ForgeHooks, ForgeRouter, LoginMethod } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { fieldErrors, form, safeNext } from './page-kit.js';
import { clearSessionCookie, flash, setSessionCookie, type SessionOptions } from './session.js';
import { emailConfirmLink } from './settings-pages.js';

export interface AccountPagesOptions {
  session: SessionOptions;
  registration: boolean;
  publicUrl: () => string;
  /** The forge's own passwords log people in (login.local). */
  local: boolean;
  /** The plugins' ways to log in. */
  loginMethods: () => readonly LoginMethod[];
}

const NO_PASSWORDS = 'This forge does not use passwords of its own: log in through the login page.';

export function accountPages(router: ForgeRouter, services: DomainServices, hooks: ForgeHooks, options: AccountPagesOptions): void {
  const page = async (ctx: ForgeContext, template: string, title: string, data: Record<string, unknown> = {}, status = 200) => {
    await ctx.render(template, { title, ...data });
    ctx.status = status;
  };

  const confirmLink = emailConfirmLink(options.publicUrl);

  /** The login page's buttons, each carrying the page to come back to. */
  const methods = (next: string) =>
    options.loginMethods().map((m) => ({ id: m.id, label: m.label, href: `${m.path}?next=${encodeURIComponent(next)}` }));
  const loginData = (next: string) => ({ next, registration: options.registration, local: options.local, methods: methods(next) });
  /** Without passwords, the password pages answer that they are not used here. */
  const passwordsOff = async (ctx: ForgeContext) => {
    if (options.local) return false;
    await page(ctx, 'message', 'No passwords here', { message: NO_PASSWORDS }, 404);
    return true;
  };

  router.get('/login', async (ctx) => {
    const next = safeNext(ctx.query.next as string | undefined);
    const buttons = methods(next);
    // The one way in: straight to it.
    if (!options.local && buttons.length === 1) return ctx.redirect(buttons[0]!.href);
    await page(ctx, 'login', 'Log in', loginData(next));
  });
  router.post('/login', async (ctx) => {
    const fields = form(ctx);
    try {
      const { session } = await services.auth.logIn(fields.username ?? '', fields.password ?? '', ctx.ip, confirmLink);
      setSessionCookie(ctx, session.id, options.session);
      ctx.redirect(safeNext(fields.next));
    } catch (error) {
      if (!isForgeError(error)) throw error;
      await page(
        ctx,
        'login',
        'Log in',
        { ...loginData(safeNext(fields.next)), username: fields.username, error: error.message },
        error.status,
      );
    }
  });

  router.get('/logout', (ctx) => page(ctx, 'logout', 'Log out'));
  router.post('/logout', async (ctx) => {
    let redirect = '/';
    if (ctx.state.sessionId && ctx.state.user) {
      // Asked before the session ends: a login plugin may send the browser on to its provider.
      redirect = await hooks.loggingOut.promise('/', { user: { name: ctx.state.user.name }, sessionId: ctx.state.sessionId });
      await services.auth.logOut(ctx.state.sessionId);
    }
    clearSessionCookie(ctx, options.session);
    flash(ctx, 'You are logged out');
    // The pages' policy lets a form lead to this forge only (form-action 'self'), redirects
    // included: another site (a login provider's logout) is reached from a page of our own.
    const elsewhere = /^https?:\/\//i.test(redirect) && new URL(redirect).origin !== new URL(options.publicUrl()).origin;
    if (!elsewhere) return ctx.redirect(redirect);
    await page(ctx, 'logout-continue', 'Logged out', { to: redirect, refreshTo: redirect, host: new URL(redirect).host });
  });

  router.get('/user/new', (ctx) =>
    options.registration
      ? page(ctx, 'register', 'Create an account', { confirmEmail: services.emailConfirmations.enabled })
      : page(ctx, 'message', 'Registration is closed', { message: 'This forge does not take new accounts; ask its admins.' }, 404),
  );
  router.post('/user/new', async (ctx) => {
    if (!options.registration)
      return page(ctx, 'message', 'Registration is closed', { message: 'This forge does not take new accounts; ask its admins.' }, 404);
    const fields = form(ctx);
    const again = (errors: Record<string, string>, status: number) =>
      page(
        ctx,
        'register',
        'Create an account',
        {
          values: { username: fields.username, fullname: fields.fullname, email: fields.email },
          errors,
          confirmEmail: services.emailConfirmations.enabled,
        },
        status,
      );
    const input = { name: fields.username ?? '', email: fields.email ?? '', fullname: fields.fullname, password: fields.password ?? '' };
    // Every field's problem at once: the passwords that differ do not hide the others.
    const shown = (errors: Record<string, string>) => {
      const { name, ...rest } = errors;
      return name ? { ...rest, username: name } : rest;
    };
    if (input.password !== (fields.confirm ?? '')) {
      const problems = await services.users.newUserProblems(input);
      return again(
        shown({
          ...Object.fromEntries(Object.entries(problems).map(([field, messages]) => [field, messages.join(' ')])),
          confirm: 'The two passwords differ',
        }),
        400,
      );
    }
    try {
      const { user, mailed } = await services.emailConfirmations.register(input, confirmLink);
      if (mailed) {
        // No session yet: the account logs in once its address is confirmed.
        flash(
          ctx,
          `Your account ${user.name} is made. To log in, first open the link just mailed to ${input.email.trim()}: it confirms your address, and works for 48 hours.`,
        );
        return ctx.redirect('/login');
      }
      const session = await services.sessions.create(user.id);
      setSessionCookie(ctx, session.id, options.session);
      flash(ctx, `Welcome, ${user.name}: your account is ready`);
      ctx.redirect('/');
    } catch (error) {
      await again(shown(fieldErrors(error)), isForgeError(error) ? error.status : 400);
    }
  });

  router.get('/password/lost', async (ctx) => (await passwordsOff(ctx)) || page(ctx, 'password-lost', 'Lost password'));
  router.post('/password/lost', async (ctx) => {
    if (await passwordsOff(ctx)) return;
    const who = form(ctx).username?.trim() ?? '';
    if (!who) return page(ctx, 'password-lost', 'Lost password', { errors: { username: 'Give your user name or email address' } }, 400);
    await services.auth.requestReset(who, (token) => `${options.publicUrl()}/password/reset/${token}`);
    await page(ctx, 'message', 'Check your mail', {
      message: 'If this account exists, a link to choose a new password was sent to its email address. It works for an hour.',
    });
  });

  router.get('/password/reset/:token', async (ctx) => {
    if (await passwordsOff(ctx)) return;
    if (!(await services.auth.resetTokenValid(ctx.params.token!))) {
      return page(ctx, 'message', 'Link expired', { message: 'This reset link is unknown or has expired; ask for a new one.' }, 404);
    }
    await page(ctx, 'password-reset', 'Choose a new password', { token: ctx.params.token });
  });
  router.post('/password/reset/:token', async (ctx) => {
    if (await passwordsOff(ctx)) return;
    const fields = form(ctx);
    const again = (errors: Record<string, string>, status: number) =>
      page(ctx, 'password-reset', 'Choose a new password', { token: ctx.params.token, errors }, status);
    if ((fields.password ?? '') !== (fields.confirm ?? '')) return again({ confirm: 'The two passwords differ' }, 400);
    try {
      await services.auth.resetPassword(ctx.params.token!, fields.password ?? '');
      flash(ctx, 'Password changed: log in with the new one');
      ctx.redirect('/login');
    } catch (error) {
      await again(fieldErrors(error), 400);
    }
  });

  router.get('/password/change', async (ctx) => {
    if (await passwordsOff(ctx)) return;
    if (!ctx.state.user) return ctx.redirect(`/login?next=${encodeURIComponent('/password/change')}`);
    await page(ctx, 'password-change', 'Change your password');
  });
  router.post('/password/change', async (ctx) => {
    if (await passwordsOff(ctx)) return;
    if (!ctx.state.user || !ctx.state.sessionId) return ctx.redirect('/login');
    const fields = form(ctx);
    const again = (errors: Record<string, string>, status: number) =>
      page(ctx, 'password-change', 'Change your password', { errors }, status);
    if ((fields.password ?? '') !== (fields.confirm ?? '')) return again({ confirm: 'The two passwords differ' }, 400);
    try {
      await services.auth.changePassword(ctx.state.user, fields.current ?? '', fields.password ?? '', ctx.state.sessionId);
      await page(ctx, 'message', 'Password changed', { message: 'Your password was changed; your other sessions were logged out.' });
    } catch (error) {
      await again(fieldErrors(error), 400);
    }
  });
}
