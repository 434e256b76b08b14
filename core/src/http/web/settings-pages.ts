// A user's settings: profile, emails, SSH keys and API tokens. A new token's value is shown
// once, on the page that answers its form, and never again.
import { Invalid } from '../../errors/index.js';
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import { DEFAULT_TOKEN_DAYS, type DomainServices, type TokenRecord } from '../../services/index.js';
import { aclChoices, offeredAcls } from './acl-choices.js';
import { attempt, form, formList, loginFirst } from './page-kit.js';

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

export const tokenRows = (tokens: readonly TokenRecord[]) =>
  tokens.map((t) => ({ id: t.id, description: t.description, acls: t.acls.join(', '), expiresAt: t.expiresAt, createdAt: t.createdAt }));

export function settingsPages(router: ForgeRouter, services: DomainServices): void {
  async function show(ctx: ForgeContext, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const user = ctx.state.user!;
    const [emails, keys, tokens, siteAdmin] = await Promise.all([
      services.users.emails([user.id]),
      services.users.sshKeys(user),
      services.tokens.list(user),
      services.users.isSiteAdmin(user),
    ]);
    const mine = emails.get(user.id) ?? { defaultEmail: null, emails: [] };
    const values = (extra.values ?? {}) as Record<string, string>;
    await ctx.render('settings', {
      title: 'Settings',
      user: { name: user.name, fullname: user.fullname },
      emails: mine.emails.map((email) => ({ email, isDefault: email === mine.defaultEmail })),
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

  /** A settings form: on success back to /settings#<anchor>, else the page with the error by its field. */
  function action(path: string, anchor: string, run: (ctx: ForgeContext, values: Record<string, string>) => Promise<Record<string, unknown> | undefined>) {
    router.post(path, async (ctx) => {
      if (!loginFirst(ctx)) return;
      const values = form(ctx);
      let shown: Record<string, unknown> | undefined;
      const failed = await attempt(async () => {
        shown = await run(ctx, values);
      });
      if (failed) {
        await show(ctx, { values, errors: failed.errors, chosen: formList(ctx, 'acls'), failedForm: anchor }, failed.status);
        return;
      }
      if (shown) {
        await show(ctx, shown);
        return;
      }
      ctx.redirect(`/settings#${anchor}`);
    });
  }

  action('/settings/profile', 'profile', async (ctx, values) => {
    await services.users.setFullname(ctx.state.user!, values.fullname ?? '');
    return undefined;
  });
  action('/settings/email/add', 'emails', async (ctx, values) => {
    await services.users.addEmail(ctx.state.user!, (values.email ?? '').trim());
    return undefined;
  });
  action('/settings/email/default', 'emails', async (ctx, values) => {
    await services.users.setDefaultEmail(ctx.state.user!, values.email ?? '');
    return undefined;
  });
  action('/settings/email/drop', 'emails', async (ctx, values) => {
    await services.users.removeEmail(ctx.state.user!, values.email ?? '');
    return undefined;
  });
  action('/settings/key/add', 'keys', async (ctx, values) => {
    await services.users.addSshKey(ctx.state.user!, (values.ssh_key ?? '').trim());
    return undefined;
  });
  action('/settings/key/drop', 'keys', async (ctx, values) => {
    await services.users.removeSshKey(ctx.state.user!, Number(values.id));
    return undefined;
  });
  action('/settings/token/new', 'tokens', async (ctx, values) => {
    const user = ctx.state.user!;
    const siteAdmin = await services.users.isSiteAdmin(user);
    const acls = chosenAcls(formList(ctx, 'acls'), offeredAcls('user', siteAdmin));
    const expiresAt = expiryDate(values.expires);
    const { value, token } = await services.tokens.create(user, { acls, description: values.description ?? '', ...(expiresAt ? { expiresAt } : {}) });
    return { newToken: { value, description: token.description, expiresAt: token.expiresAt } };
  });
  action('/settings/token/revoke', 'tokens', async (ctx, values) => {
    await services.tokens.revoke(ctx.state.user!, Number(values.id));
    return undefined;
  });
}
