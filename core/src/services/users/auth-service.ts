// Logging in and out, changing and resetting passwords.
import { randomBytes } from 'node:crypto';
import type { UserRecord } from '../../domain/index.js';
import { Forbidden, Invalid, Unauthorized } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { secretHash } from '../tokens/secrets.js';
import { UNCONFIRMED_MESSAGE, type ConfirmLink, type EmailConfirmations } from './email-confirmation.js';
import { LoginThrottle } from './login-throttle.js';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { SessionsService, type SessionRecord } from './sessions.js';
import { passwordProblem, type UsersService } from './users-service.js';

const RESET_LIFETIME_MS = 60 * 60 * 1000;

/** What a password login hears when the forge's own passwords are off (login.local). */
export const LOCAL_LOGIN_OFF = 'This forge does not log in with passwords: use the login page, or an API token';

export class AuthService {
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly users: UsersService,
    readonly sessions: SessionsService,
    private readonly confirmations: EmailConfirmations,
  ) {
    this.throttle = new LoginThrottle(ctx.db, ctx.config.login);
  }

  /**
   * Checks a password (slowly, also for unknown users), counting failures against throttling.
   * The right password of an account whose address is not confirmed yet is refused too.
   */
  async checkPassword(typed: string, password: string, address: string): Promise<UserRecord> {
    const user = await this.passwordOwner(typed, password, address);
    if (await this.confirmations.unconfirmed(user.id)) throw Forbidden('ENOCODE', UNCONFIRMED_MESSAGE);
    return user;
  }

  private async passwordOwner(typed: string, password: string, address: string): Promise<UserRecord> {
    if (!this.ctx.config.login.local) throw Unauthorized('ENOCODE', LOCAL_LOGIN_OFF);
    // One spelling of the name for the lookup and the throttle alike, so " alice" cannot
    // slip past alice's lockout.
    const name = typed.trim();
    await this.throttle.check(name, address);
    const user = await this.users.byName(name);
    const hash = user ? await this.users.passwordHash(user.id) : null;
    const cost = this.ctx.config.login.passwordCost;
    const ok = await verifyPassword(password, hash ?? (await dummyHash(cost)));
    if (!user || !hash || !ok) {
      await this.throttle.recordFailure(name, address);
      throw Unauthorized('ENOCODE', 'Wrong user name or password');
    }
    // (A login refused below for an unconfirmed address still proves the password.)
    await this.throttle.recordSuccess(name, address);
    // A hash made with an older (cheaper) cost is made again now that the password is known.
    // (Not through setPassword: a password from before a rule change must still be kept.)
    if (needsRehash(hash, cost))
      await this.ctx
        .db('users')
        .where('id', user.id)
        .update({ password_hash: await hashPassword(password, cost) });
    return user;
  }

  /**
   * Checks the password and opens a session. An account not confirmed yet is refused; if
   * its link has expired, a new one is mailed (made with `linkFor`).
   */
  async logIn(
    name: string,
    password: string,
    address: string,
    linkFor?: ConfirmLink,
  ): Promise<{ user: UserRecord; session: SessionRecord }> {
    const user = await this.passwordOwner(name, password, address);
    if (await this.confirmations.unconfirmed(user.id)) {
      const renewed = linkFor ? await this.confirmations.renewExpired(user, linkFor) : false;
      throw Forbidden('ENOCODE', renewed ? `${UNCONFIRMED_MESSAGE} (its link had expired: a new one was just sent)` : UNCONFIRMED_MESSAGE);
    }
    return { user, session: await this.sessions.create(user.id) };
  }

  async logOut(sessionId: string): Promise<void> {
    await this.sessions.destroy(sessionId);
  }

  /** Needs the current password; other sessions of the user end. */
  async changePassword(user: UserRecord, current: string, next: string, keepSession: string): Promise<void> {
    if (!(await verifyPassword(current, await this.users.passwordHash(user.id)))) {
      throw Invalid('EINVALIDREQ', {
        message: 'The current password is wrong',
        errors: { current: ['This is not your current password'] },
      });
    }
    await this.users.setPassword(user.id, next);
    await this.ctx.db('sessions').where({ user_id: user.id }).whereNot({ id: keepSession }).delete();
  }

  /**
   * Mails a reset link to the user's default address (or logs it without mail). Says
   * nothing about whether the user exists: the caller shows the same page either way.
   */
  async requestReset(nameOrEmail: string, linkFor: (token: string) => string): Promise<void> {
    const user = await this.users.byNameOrEmail(nameOrEmail.trim());
    if (!user) return;
    const email = (await this.users.emails([user.id])).get(user.id)?.defaultEmail;
    if (!email) return;
    const token = randomBytes(32).toString('base64url');
    await this.ctx.db('password_resets').insert({
      token_hash: secretHash(token),
      user_id: user.id,
      expires_at: new Date(Date.now() + RESET_LIFETIME_MS),
    });
    await this.ctx.mailer.send({
      to: email,
      subject: `[${this.ctx.config.instanceName}] Reset your password`,
      text: `Someone asked to reset the password of ${user.name} on ${this.ctx.config.instanceName}.\n\nTo choose a new one, open this link within an hour:\n${linkFor(token)}\n\nIf it was not you, ignore this mail.\n`,
    });
  }

  /** Whether a reset link is still good (for showing its form). */
  async resetTokenValid(token: string): Promise<boolean> {
    const row = await this.ctx
      .db('password_resets')
      .where({ token_hash: secretHash(token) })
      .andWhere('expires_at', '>', new Date())
      .first('user_id');
    return row !== undefined;
  }

  /** Sets the new password, uses up the link, and ends every session of the user. */
  async resetPassword(token: string, password: string): Promise<UserRecord> {
    const weak = passwordProblem(password);
    if (weak) throw Invalid('EINVALIDREQ', { errors: { password: [weak] } });
    const row = (await this.ctx
      .db('password_resets')
      .where({ token_hash: secretHash(token) })
      .andWhere('expires_at', '>', new Date())
      .first('user_id')) as { user_id: number } | undefined;
    if (!row) throw Invalid('EINVALIDREQ', 'This reset link is unknown or has expired; ask for a new one');
    await this.users.setPassword(row.user_id, password);
    await this.ctx.db('password_resets').where({ user_id: row.user_id }).delete();
    await this.sessions.destroyAllOf(row.user_id);
    return (await this.users.byIds([row.user_id])).get(row.user_id)!;
  }
}
