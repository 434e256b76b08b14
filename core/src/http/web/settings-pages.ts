// A user's settings: profile, emails, SSH keys and API tokens. A new token's value is shown
// once, on the page its form redirects to, and never again.
import { rowId, type UserRef } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import type { ForgeContext, ForgeRouter, NavLink, PagePanel } from '../../plugins/index.js';
import { DEFAULT_TOKEN_DAYS, type ConfirmLink, type DomainServices, type TokenRecord } from '../../services/index.js';
import { aclChoices, offeredAcls } from './acl-choices.js';
import { attempt, form, formList, loginFirst } from './page-kit.js';
import { flash, type Flash } from './session.js';

/** The link that confirms an email address (Pagure's path); `:token` keeps it out of the access log. */
export const emailConfirmLink =
  (publicUrl: () => string): ConfirmLink =>
  (token) =>
    `${publicUrl()}/settings/email/confirm/${token}`;

/** "YYYY-MM-DD" → the end of that day (UTC); empty → undefined (the default lifetime). */
export function expiryDate(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59)) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text.trim()) {
    throw Invalid('EINVALIDREQ', { errors: { expires: ['A date such as 2027-01-31'] } });
  }
  return date;
}

/** Checks the chosen ACLs against those offered; answers them. */
export function chosenAcls(chosen: readonly string[], offered: readonly string[]): string[] {
  if (!chosen.length) throw Invalid('EINVALIDREQ', { errors: { acls: ['Choose at least one ACL'] } });
  const refused = chosen.filter((acl) => !offered.includes(acl));
  if (refused.length) throw Invalid('EINVALIDREQ', { errors: { acls: [`Not offered here: ${refused.join(', ')}`] } });
  return [...chosen];
}

/** A new token's value for the page after the redirect (a long description is cut: it rides in a cookie). */
export const newTokenFlash = (value: string, token: TokenRecord): NonNullable<Flash['token']> => ({
  value,
  description: token.description.slice(0, 200),
  expiresAt: token.expiresAt.toISOString(),
});

export const tokenRows = (tokens: readonly TokenRecord[]) =>
  tokens.map((t) => ({ id: t.id, description: t.description, acls: t.acls.join(', '), expiresAt: t.expiresAt, createdAt: t.createdAt }));

/** What the settings page asks of plugins, and whether passwords are the forge's own (login.local). */
export interface SettingsPageDeps {
  publicUrl: () => string;
  pluginLinks: (viewer: UserRef) => Promise<NavLink[]>;
  pluginPanels: (viewer: UserRef) => Promise<PagePanel[]>;
  localPasswords: boolean;
}

export function settingsPages(router: ForgeRouter, services: DomainServices, deps: SettingsPageDeps): void {
  const { publicUrl, pluginLinks } = deps;
  const confirmLink = emailConfirmLink(publicUrl);
  async function show(ctx: ForgeContext, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const user = ctx.state.user!;
    const [emails, pending, keys, tokens, siteAdmin, links, panels] = await Promise.all([
      services.users.emails([user.id]),
      services.emailConfirmations.pending(user.id),
      services.users.sshKeys(user),
      services.tokens.list(user),
      services.users.isSiteAdmin(user),
      pluginLinks({ name: user.name }),
      deps.pluginPanels({ name: user.name }),
    ]);
    const mine = emails.get(user.id) ?? { defaultEmail: null, emails: [] };
    const values = (extra.values ?? {}) as Record<string, string>;
    await ctx.render('settings', {
      title: 'Settings',
      pluginLinks: links,
      panels,
      localPasswords: deps.localPasswords,
      user: { name: user.name, fullname: user.fullname },
      emails: mine.emails.map((email) => ({ email, isDefault: email === mine.defaultEmail })),
      pendingEmails: pending.map((p) => ({ email: p.email, expired: p.expiresAt.getTime() <= Date.now() })),
      keys: keys.map((k) => ({ id: k.id, fingerprint: k.fingerprint, text: k.publicKey.slice(0, 60), createdAt: k.createdAt })),
      tokens: tokenRows(tokens.filter((t) => t.projectId === null)),
      acls: aclChoices('user', siteAdmin, (extra.chosen as string[] | undefined) ?? []),
      defaultExpiry: new Date(Date.now() + DEFAULT_TOKEN_DAYS * 86_400_000).toISOString().slice(0, 10),
      values,
      errors: {},
      ...extra,
    });
    ctx.status = status;
  }

  router.get('/settings', async (ctx) => {
    if (!loginFirst(ctx)) return;
    await show(ctx);
  });

  /**
   * A settings form: on success back to /settings#<anchor> with `done` (or the text `run`
   * answers) said once (and a new token's value shown there, once); else the page with the
   * error by its field.
   */
  function action(
    path: string,
    anchor: string,
    done: string,
    run: (ctx: ForgeContext, values: Record<string, string>) => Promise<Flash['token'] | string | void>,
  ) {
    router.post(path, async (ctx) => {
      if (!loginFirst(ctx)) return;
      const values = form(ctx);
      let answer: Flash['token'] | string | void = undefined;
      const failed = await attempt(async () => {
        answer = await run(ctx, values);
      });
      if (failed) {
        await show(ctx, { values, errors: failed.errors, chosen: formList(ctx, 'acls'), failedForm: anchor }, failed.status);
        return;
      }
      const said: Flash['token'] | string | void = answer;
      if (typeof said === 'string') flash(ctx, said);
      else flash(ctx, done, said || undefined);
      ctx.redirect(`/settings#${anchor}`);
    });
  }

  action('/settings/profile', 'profile', 'Settings saved', async (ctx, values) => {
    await services.users.setFullname(ctx.state.user!, values.fullname ?? '');
  });
  const mailedFlash = (email: string) => `A link was mailed to ${email}: open it within 48 hours to confirm the address`;
  action('/settings/email/add', 'emails', 'Email address added', async (ctx, values) => {
    const email = (values.email ?? '').trim();
    if (await services.emailConfirmations.add(ctx.state.user!, email, confirmLink)) {
      return mailedFlash(email);
    }
  });
  action('/settings/email/resend', 'emails', 'Confirmation link sent', async (ctx, values) => {
    const email = (values.email ?? '').trim();
    await services.emailConfirmations.resend(ctx.state.user!, email, confirmLink);
    return mailedFlash(email);
  });

  /** Pagure's path. A GET, as it is opened from a mail; the link works once. */
  router.get('/settings/email/confirm/:token', async (ctx) => {
    const done = await attempt(async () => {
      const { email } = await services.emailConfirmations.confirm(ctx.params.token!);
      flash(ctx, ctx.state.user ? `Email address ${email} confirmed` : `Email address ${email} confirmed: you can log in`);
      ctx.redirect(ctx.state.user ? '/settings#emails' : '/login');
    });
    if (done) {
      await ctx.render('message', {
        title: 'Link expired',
        message:
          'This confirmation link is unknown, was already used, or has expired. Log in to be sent a new one, or ask for one beside the address in your settings.',
      });
      ctx.status = done.status;
    }
  });
  action('/settings/email/default', 'emails', 'Default email address changed', async (ctx, values) => {
    await services.users.setDefaultEmail(ctx.state.user!, values.email ?? '');
  });
  action('/settings/email/drop', 'emails', 'Email address removed', async (ctx, values) => {
    await services.users.removeEmail(ctx.state.user!, values.email ?? '');
  });
  action('/settings/key/add', 'keys', 'SSH key added', async (ctx, values) => {
    await services.users.addSshKey(ctx.state.user!, (values.ssh_key ?? '').trim());
  });
  action('/settings/key/drop', 'keys', 'SSH key removed', async (ctx, values) => {
    await services.users.removeSshKey(ctx.state.user!, rowId(values.id) ?? 0);
  });
  action('/settings/token/new', 'tokens', 'Token created', async (ctx, values) => {
    const user = ctx.state.user!;
    const siteAdmin = await services.users.isSiteAdmin(user);
    const acls = chosenAcls(formList(ctx, 'acls'), offeredAcls('user', siteAdmin));
    const expiresAt = expiryDate(values.expires);
    const { value, token } = await services.tokens.create(user, {
      acls,
      description: values.description ?? '',
      ...(expiresAt ? { expiresAt } : {}),
    });
    return newTokenFlash(value, token);
  });
  action('/settings/token/revoke', 'tokens', 'Token revoked', async (ctx, values) => {
    await services.tokens.revoke(ctx.state.user, rowId(values.id) ?? 0);
  });
}
