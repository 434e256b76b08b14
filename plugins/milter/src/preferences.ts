// Each user's choices about mail, on a page of their settings (/settings/mail): notification
// mails about issues and pull requests at all, and replying to them by mail.
import type { ForgeApi } from '@pagurus/core';

export interface MailPreferences {
  notifications: boolean;
  replies: boolean;
}

const DEFAULTS: MailPreferences = { notifications: true, replies: true };

export class Preferences {
  constructor(private readonly forge: ForgeApi) {}

  /** `db`: a transaction to read through (the notificationMail hook's). */
  async of(userId: number, db: ForgeApi['db'] = this.forge.db): Promise<MailPreferences> {
    const row = (await db('milter_preferences').where({ user_id: userId }).first('notifications', 'replies')) as
      MailPreferences | undefined;
    return row ? { notifications: row.notifications, replies: row.replies } : DEFAULTS;
  }

  async set(userId: number, preferences: MailPreferences): Promise<void> {
    await this.forge
      .db('milter_preferences')
      .insert({ user_id: userId, ...preferences, updated_at: this.forge.db.fn.now() })
      .onConflict('user_id')
      .merge(['notifications', 'replies', 'updated_at']);
  }

  /** The page and its form, and the link from /settings. */
  register(): void {
    const forge = this.forge;
    forge.hooks.userSettingsLinks.tap('milter', (links) => [...links, { id: 'milter', label: 'Mail and replies', href: '/settings/mail' }]);
    forge.hooks.webRoutes.tap('milter', (router) => {
      router.get('/settings/mail', async (ctx) => {
        const user = ctx.state.user;
        if (!user) return ctx.redirect(`/login?next=${encodeURIComponent('/settings/mail')}`);
        await ctx.render('milter/preferences', { title: 'Mail and replies', ...(await this.of(user.id)), saved: ctx.query.saved === '1' });
      });
      router.post('/settings/mail', async (ctx) => {
        const user = ctx.state.user;
        if (!user) return ctx.redirect(`/login?next=${encodeURIComponent('/settings/mail')}`);
        const body = (ctx.request.body ?? {}) as Record<string, unknown>;
        const on = (name: string) => body[name] === 'on' || body[name] === 'true';
        await this.set(user.id, { notifications: on('notifications'), replies: on('replies') });
        ctx.redirect('/settings/mail?saved=1');
      });
    });
  }
}
