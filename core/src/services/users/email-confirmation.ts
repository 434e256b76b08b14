// Confirming email addresses by mail: a new account's address, and each address added in
// the settings, waits in user_emails_pending until its owner opens the link mailed to it.
// Only then does it count (commit attribution, notifications, the default address), and
// only then may a new account log in. The config key registration_confirm_email turns
// this off (addresses count at once).
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { UserRecord } from '../../domain/index.js';
import { Conflict, Invalid, NotFound } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { secretHash } from '../tokens/secrets.js';
import { claimingEmail, emailTaken, UsersService, type NewUser, type PendingAddress } from './users-service.js';

export const CONFIRM_LIFETIME_MS = 48 * 60 * 60 * 1000;

/** What a login with the right password but no confirmed address is told. */
export const UNCONFIRMED_MESSAGE = 'You need to confirm your email address: open the link mailed to it';

/** Makes the link of a token (the web layer knows the public URL and the path). */
export type ConfirmLink = (token: string) => string;

export interface PendingEmail {
  email: string;
  expiresAt: Date;
}

function freshToken(): { token: string; pending: PendingAddress } {
  const token = randomBytes(32).toString('base64url');
  return { token, pending: { tokenHash: secretHash(token), expiresAt: new Date(Date.now() + CONFIRM_LIFETIME_MS) } };
}

export class EmailConfirmations {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly users: UsersService,
  ) {}

  private get db(): Knex {
    return this.ctx.db;
  }

  /** Whether addresses wait for their link (config registration_confirm_email). */
  get enabled(): boolean {
    return this.ctx.config.registrationConfirmEmail;
  }

  /**
   * A new account from the registration form: its address waits for the mailed link, or
   * counts at once when confirmation is off. Answers whether a link was mailed.
   */
  async register(input: NewUser, linkFor: ConfirmLink): Promise<{ user: UserRecord; mailed: boolean }> {
    if (!this.enabled) return { user: await this.users.create(input), mailed: false };
    const { token, pending } = freshToken();
    const user = await this.users.create(input, pending);
    await this.mail(user, input.email.trim(), linkFor(token));
    return { user, mailed: true };
  }

  /**
   * An address added in the settings: it waits for the mailed link (one already waiting
   * gets a new link). Answers whether a link was mailed (false: it counts at once).
   */
  async add(user: UserRecord, email: string, linkFor: ConfirmLink): Promise<boolean> {
    if (!this.enabled) {
      await this.users.addEmail(user, email);
      return false;
    }
    const address = UsersService.checkedAddress(email);
    const mine = await this.pendingRow(user.id, address);
    if (mine) return this.renew(user, mine, linkFor);
    const { token, pending } = freshToken();
    await this.db.transaction(async (trx) => {
      if (await emailTaken(trx, address)) {
        throw Conflict('ENOCODE', {
          message: `The email address ${address} is already used`,
          errors: { email: ['This email address is already used'] },
        });
      }
      await claimingEmail(address, () =>
        trx('user_emails_pending').insert({
          user_id: user.id,
          email: address,
          token_hash: pending.tokenHash,
          expires_at: pending.expiresAt,
        }),
      );
    });
    await this.mail(user, address, linkFor(token));
    return true;
  }

  /** Mails a new link for one of the user's waiting addresses (the old link stops working). */
  async resend(user: UserRecord, email: string, linkFor: ConfirmLink): Promise<void> {
    const row = await this.pendingRow(user.id, email.trim());
    if (!row) throw Invalid('EINVALIDREQ', { errors: { email: ['This address is not waiting for confirmation'] } });
    await this.renew(user, row, linkFor);
  }

  /**
   * Opens a link: its address now counts (the default one if the user had none). A link
   * works once, and not after it expired.
   */
  async confirm(token: string): Promise<{ user: UserRecord; email: string }> {
    const confirmed = await this.db.transaction(async (trx) => {
      const [row] = (await trx('user_emails_pending')
        .where({ token_hash: secretHash(token) })
        .andWhere('expires_at', '>', new Date())
        .delete()
        .returning(['user_id', 'email'])) as Array<{ user_id: number; email: string }>;
      if (!row) throw NotFound('ENOCODE', 'This confirmation link is unknown, was already used, or has expired');
      const hasDefault = await trx('user_emails').where({ user_id: row.user_id, is_default: true }).first('id');
      await claimingEmail(row.email, () => trx('user_emails').insert({ user_id: row.user_id, email: row.email, is_default: !hasDefault }));
      return row;
    });
    const user = (await this.users.byIds([confirmed.user_id])).get(confirmed.user_id)!;
    return { user, email: confirmed.email };
  }

  /** The user's addresses waiting for their link, by address. */
  async pending(userId: number): Promise<PendingEmail[]> {
    const rows = (await this.db('user_emails_pending').where({ user_id: userId }).orderBy('email').select('email', 'expires_at')) as Array<{
      email: string;
      expires_at: Date;
    }>;
    return rows.map((row) => ({ email: row.email, expiresAt: new Date(row.expires_at) }));
  }

  /** An account that has no confirmed address yet (registered on the web, link not opened). */
  async unconfirmed(userId: number): Promise<boolean> {
    return !(await this.db('user_emails').where({ user_id: userId }).first('id'));
  }

  /**
   * For a login refused for want of a confirmed address: when the account's link has
   * expired, a new one is mailed (unless someone else has claimed the address since).
   * Answers whether it was.
   */
  async renewExpired(user: UserRecord, linkFor: ConfirmLink): Promise<boolean> {
    const row = (await this.db('user_emails_pending')
      .where({ user_id: user.id })
      .andWhere('expires_at', '<=', new Date())
      .orderBy('id')
      .first('id', 'email')) as { id: number; email: string } | undefined;
    if (!row) return false;
    return this.renew(user, row, linkFor);
  }

  private async pendingRow(userId: number, email: string): Promise<{ id: number; email: string } | undefined> {
    return (await this.db('user_emails_pending')
      .where({ user_id: userId })
      .whereRaw('lower(email) = lower(?)', [email])
      .first('id', 'email')) as { id: number; email: string } | undefined;
  }

  /** A new token for a waiting address, mailed. */
  private async renew(user: UserRecord, row: { id: number; email: string }, linkFor: ConfirmLink): Promise<true> {
    const { token, pending } = freshToken();
    const updated = await this.db('user_emails_pending')
      .where({ id: row.id })
      .update({ token_hash: pending.tokenHash, expires_at: pending.expiresAt });
    if (!updated) throw Invalid('EINVALIDREQ', { errors: { email: ['This address is not waiting for confirmation'] } });
    await this.mail(user, row.email, linkFor(token));
    return true;
  }

  private async mail(user: UserRecord, email: string, link: string): Promise<void> {
    const instance = this.ctx.config.instanceName;
    await this.ctx.mailer.send({
      to: email,
      subject: `[${instance}] Confirm your email address`,
      text: `The account ${user.name} on ${instance} gave this email address as its own.\n\nTo confirm it, open this link within 48 hours:\n${link}\n\nIf it was not you, ignore this mail: the address will not be used.\n`,
    });
  }
}
