// Provider accounts to forge accounts: found by (issuer, subject); made on the first login
// from the claims, with the record of which provider account it is in the same transaction;
// a forge user name that belongs to someone else is never taken over. At each login the full
// name, the address and the synced groups are brought up to date.
import { fnmatch, isForgeError, type ForgeApi, type UserRecord } from '@pagurus/core';
import type { OidcOptions } from './options.js';
import type { ProviderAnswer } from './provider.js';

/** A login this forge will not take, with what to tell the person and the HTTP status. */
export class LoginRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Identity {
  issuer: string;
  subject: string;
  userId: number;
  lastLoginAt: Date | null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

export class OidcAccounts {
  constructor(
    private readonly forge: ForgeApi,
    private readonly options: OidcOptions,
  ) {}

  /** The user name the claims give, with the configured fallback. */
  usernameOf(answer: ProviderAnswer): string | undefined {
    const claimed = text(answer.claims[this.options.claims.username]);
    if (claimed) return claimed;
    if (this.options.username_fallback === 'sub') return answer.subject;
    if (this.options.username_fallback === 'email') return text(answer.claims[this.options.claims.email])?.split('@')[0];
    return undefined;
  }

  async identityOf(issuer: string, subject: string): Promise<Identity | undefined> {
    return this.identityWhere({ issuer, subject });
  }

  async identityOfUser(user: UserRecord): Promise<Identity | undefined> {
    return this.identityWhere({ user_id: user.id });
  }

  private async identityWhere(where: Record<string, string | number>): Promise<Identity | undefined> {
    const row = (await this.forge.db('oidc_identities').where(where).first()) as
      { issuer: string; subject: string; user_id: number; last_login_at: Date | null } | undefined;
    return row && { issuer: row.issuer, subject: row.subject, userId: row.user_id, lastLoginAt: row.last_login_at };
  }

  /** The forge account of the provider account: found, or made from the claims. */
  async userFor(answer: ProviderAnswer): Promise<UserRecord> {
    const known = await this.knownUser(answer);
    if (known) return this.refresh(known, answer);
    const name = this.usernameOf(answer);
    const email = text(answer.claims[this.options.claims.email]);
    if (!name) throw new LoginRefused(400, `The login provider gave no user name (claim "${this.options.claims.username}").`);
    if (!email) throw new LoginRefused(400, `The login provider gave no email address (claim "${this.options.claims.email}").`);
    if (await this.forge.services.users.byName(name)) throw this.taken(name, answer);
    try {
      return await this.forge.services.users.create(
        { name, email, fullname: text(answer.claims[this.options.claims.fullname]) ?? '' },
        {
          alsoWrite: async (trx, user) => {
            await trx('oidc_identities').insert({
              issuer: answer.issuer,
              subject: answer.subject,
              user_id: user.id,
              last_login_at: new Date(),
            });
          },
        },
      );
    } catch (error) {
      if (!isForgeError(error)) throw error;
      // A second first login at the same moment made it: take theirs.
      const raced = await this.knownUser(answer);
      if (raced) return raced;
      if (error.status === 409 && (await this.forge.services.users.byName(name))) throw this.taken(name, answer);
      throw new LoginRefused(error.status === 409 ? 409 : 400, `This account cannot be made here: ${error.message}.`);
    }
  }

  private async knownUser(answer: ProviderAnswer): Promise<UserRecord | undefined> {
    const identity = await this.identityOf(answer.issuer, answer.subject);
    if (!identity) return undefined;
    const user = (await this.forge.db('users').where({ id: identity.userId }).first('name')) as { name: string } | undefined;
    return user && this.forge.services.users.byName(user.name);
  }

  private taken(name: string, answer: ProviderAnswer): LoginRefused {
    this.forge.log.warn(
      { name, issuer: answer.issuer, subject: answer.subject },
      'oidc: a login asked for a user name a local account holds',
    );
    return new LoginRefused(
      409,
      `The user name ${name} belongs to an account of this forge that does not come from this login provider, so it is not yours to take. ` +
        `If it is yours, ask an admin to link it (pagurus oidc link ${name} ${answer.subject}).`,
    );
  }

  /** The name and address as the provider says they are now; an address another account holds is kept out (logged). */
  private async refresh(user: UserRecord, answer: ProviderAnswer): Promise<UserRecord> {
    await this.forge.db('oidc_identities').where({ issuer: answer.issuer, subject: answer.subject }).update({ last_login_at: new Date() });
    const fullname = text(answer.claims[this.options.claims.fullname]);
    const email = text(answer.claims[this.options.claims.email]);
    try {
      return await this.forge.services.users.update(user, { ...(fullname !== undefined ? { fullname } : {}), ...(email ? { email } : {}) });
    } catch (error) {
      if (!isForgeError(error)) throw error;
      this.forge.log.warn({ user: user.name, err: error }, 'oidc: the account could not take what the provider says now');
      return user;
    }
  }

  /** Whether a forge group mirrors the groups claim. */
  synced(group: string): boolean {
    return this.options.sync_groups.some((pattern) => fnmatch(group, pattern));
  }

  /**
   * Mirrors the groups claim on the synced groups: added to those it names, taken out of the
   * others. Without the claim at all (a scope not granted) nothing changes: no claim is not
   * an empty list. Answers what changed.
   */
  async syncGroups(user: UserRecord, answer: ProviderAnswer): Promise<{ added: string[]; removed: string[] }> {
    const changed = { added: [] as string[], removed: [] as string[] };
    const raw = answer.claims[this.options.claims.groups];
    if (!this.options.sync_groups.length || raw === undefined || raw === null) return changed;
    const claimed = new Set((Array.isArray(raw) ? raw : [raw]).filter((g): g is string => typeof g === 'string'));
    const groups = this.forge.services.groups;
    for (const name of [...claimed].filter((g) => this.synced(g)).sort()) {
      if ((await groups.members(name)) === undefined) {
        if (!this.options.create_groups) continue;
        await groups
          .create({ name, description: `Mirrored from ${this.options.label.replace(/^Log in with /, '')}` }, user)
          .catch((error: unknown) => {
            // Made meanwhile by someone else's login: fine. A name the forge refuses: logged.
            if (!isForgeError(error) || error.status !== 409)
              this.forge.log.warn({ group: name, err: error }, 'oidc: could not make a synced group');
          });
        if ((await groups.members(name)) === undefined) continue;
      }
      if (await groups.addMember(name, user)) changed.added.push(name);
    }
    for (const name of await groups.namesOf(user)) {
      if (this.synced(name) && !claimed.has(name) && (await groups.removeMember(name, user))) changed.removed.push(name);
    }
    return changed;
  }

  async recordSession(sessionId: string, idToken: string): Promise<void> {
    await this.forge.db('oidc_sessions').insert({ session_id: sessionId, id_token: idToken }).onConflict('session_id').merge();
  }

  async idTokenOf(sessionId: string): Promise<string | undefined> {
    const row = (await this.forge.db('oidc_sessions').where({ session_id: sessionId }).first('id_token')) as
      { id_token: string } | undefined;
    return row?.id_token;
  }

  /** An admin's link of an existing account to a provider account (its subject), for the name clash above. */
  async link(user: UserRecord, issuer: string, subject: string): Promise<void> {
    if (await this.identityOfUser(user)) throw new LoginRefused(409, `${user.name} is already linked to a provider account`);
    if (await this.identityOf(issuer, subject)) throw new LoginRefused(409, `that provider account is already linked to another user`);
    await this.forge.db('oidc_identities').insert({ issuer, subject, user_id: user.id });
  }
}
