// Accounts: creating users, finding them, their emails, site-admin status and SSH keys.
import type { Knex } from 'knex';
import { USER_COLUMNS, userFromRow, type UserRow } from '../../db/index.js';
import { LIMITS, type UserRecord } from '../../domain/index.js';
import { Conflict, Invalid, NotFound } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { addLengthErrors, checkLengths } from '../input-limits.js';
import { EMAIL, MIN_PASSWORD_LENGTH, usernameProblem } from './names.js';
import { hashPassword } from './passwords.js';
import { parseSshKey, sshFingerprint } from './ssh-keys.js';

export interface NewUser {
  name: string;
  email: string;
  password?: string | undefined;
  fullname?: string | undefined;
  admin?: boolean | undefined;
}

/** A new account's address waiting for its mailed link (see EmailConfirmations). */
export interface PendingAddress {
  tokenHash: string;
  expiresAt: Date;
}

export interface UserEmails {
  defaultEmail: string | null;
  /** Sorted, as Pagure lists them. */
  emails: string[];
}

export interface SshKeyRecord {
  id: number;
  publicKey: string;
  fingerprint: string;
  createdAt: Date;
}

function invalid(field: string, message: string) {
  return Invalid('EINVALIDREQ', { errors: { [field]: [message] } });
}

export function passwordProblem(password: string): string | undefined {
  return password.length < MIN_PASSWORD_LENGTH ? `Use at least ${MIN_PASSWORD_LENGTH} characters` : undefined;
}

/** What is wrong with a new account's name, email and password, field by field. */
export function newUserFormProblems(input: NewUser): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const problem = usernameProblem(input.name.trim());
  if (problem) errors.name = [problem];
  if (!EMAIL.test(input.email.trim())) errors.email = ['Give a valid email address'];
  const weak = input.password === undefined ? undefined : passwordProblem(input.password);
  if (weak) errors.password = [weak];
  addLengthErrors(errors, [
    ['email', input.email.trim(), LIMITS.email],
    ['fullname', input.fullname?.trim(), LIMITS.fullname],
  ]);
  return errors;
}

const emailTakenError = (email: string) =>
  Conflict('ENOCODE', { message: `The email address ${email} is already used`, errors: { email: ['This email address is already used'] } });

/**
 * Whether an address is someone's: confirmed, or waiting for a link that is still good.
 * An expired wait is forgotten here, so the address can be claimed again.
 */
export async function emailTaken(db: Knex | Knex.Transaction, email: string): Promise<boolean> {
  if (await db('user_emails').whereRaw('lower(email) = lower(?)', [email]).first('id')) return true;
  const pending = await db('user_emails_pending')
    .whereRaw('lower(email) = lower(?)', [email])
    .andWhere('expires_at', '>', new Date())
    .first('id');
  if (pending) return true;
  await db('user_emails_pending').whereRaw('lower(email) = lower(?)', [email]).delete();
  return false;
}

/** A unique index refused the row: the address was claimed at the same moment. */
export async function claimingEmail<T>(email: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw (error as { code?: string }).code === '23505' ? emailTakenError(email) : error;
  }
}

export class UsersService {
  constructor(private readonly ctx: ServiceContext) {}

  private get db(): Knex {
    return this.ctx.db;
  }

  private users(db: Knex | Knex.Transaction = this.db) {
    return db('users').select(...USER_COLUMNS);
  }

  /**
   * Everything wrong with a new account, field by field and all at once (a form shows each
   * by its field): the form of each value, and whether the name or the email is taken.
   */
  async newUserProblems(input: NewUser): Promise<Record<string, string[]>> {
    const errors = newUserFormProblems(input);
    if (!errors.name && (await this.db('users').whereRaw('lower(name) = lower(?)', [input.name.trim()]).first('id')))
      errors.name = ['This user name is taken'];
    if (!errors.email && (await emailTaken(this.db, input.email.trim()))) errors.email = ['This email address is already used'];
    return errors;
  }

  /**
   * Makes an account. With `pending`, its address waits for the mailed link (and the
   * account cannot log in until then); without, the address is confirmed (an admin vouches).
   * `alsoWrite` runs in the account's transaction: what records it commits with it.
   */
  async create(
    input: NewUser,
    pending?: PendingAddress,
    alsoWrite?: (trx: Knex.Transaction, user: UserRecord) => Promise<void>,
  ): Promise<UserRecord> {
    const name = input.name.trim();
    const email = input.email.trim();
    const problems = await this.newUserProblems(input);
    if (Object.keys(problems).length) {
      // Only taken names or emails: a conflict, as before; anything malformed: invalid input.
      if (Object.keys(newUserFormProblems(input)).length) throw Invalid('EINVALIDREQ', { errors: problems });
      throw Conflict('ENOCODE', {
        message: problems.name ? `The user name "${name}" is taken` : `The email address ${email} is already used`,
        errors: problems,
      });
    }
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password, this.ctx.config.login.passwordCost);
    return this.db.transaction(async (trx) => {
      if (await trx('users').whereRaw('lower(name) = lower(?)', [name]).first('id')) {
        throw Conflict('ENOCODE', { message: `The user name "${name}" is taken`, errors: { name: ['This user name is taken'] } });
      }
      if (await emailTaken(trx, email)) throw emailTakenError(email);
      const [row] = (await trx('users')
        .insert({ name, fullname: input.fullname?.trim() ?? '', password_hash: passwordHash, is_admin: input.admin ?? false })
        .returning(['id', 'name', 'fullname', 'is_admin', 'created_at'])) as UserRow[];
      await claimingEmail(email, () =>
        pending
          ? trx('user_emails_pending').insert({ user_id: row!.id, email, token_hash: pending.tokenHash, expires_at: pending.expiresAt })
          : trx('user_emails').insert({ user_id: row!.id, email, is_default: true }),
      );
      const user = userFromRow(row!);
      if (alsoWrite) await alsoWrite(trx, user);
      return user;
    });
  }

  /** Changes the full name shown beside the user name (empty is allowed). */
  async setFullname(user: UserRecord, fullname: string): Promise<UserRecord> {
    const value = fullname.trim();
    if (value.length > 255 || /[\x00-\x1f\x7f]/.test(value)) throw invalid('fullname', 'At most 255 characters, on one line');
    const [row] = (await this.db('users')
      .where({ id: user.id })
      .update({ fullname: value })
      .returning(['id', 'name', 'fullname', 'is_admin', 'created_at'])) as UserRow[];
    return userFromRow(row!);
  }

  /**
   * The full name and default address as a login provider says they are now: a new address
   * is added (confirmed: the provider vouches) and made the default; the old ones stay.
   */
  async updateFromSource(user: UserRecord, changes: { fullname?: string | undefined; email?: string | undefined }): Promise<UserRecord> {
    let current = user;
    if (changes.fullname !== undefined && changes.fullname.trim() !== user.fullname)
      current = await this.setFullname(user, changes.fullname);
    if (changes.email !== undefined) {
      const address = UsersService.checkedAddress(changes.email);
      const same = (email: string | null | undefined) => email?.toLowerCase() === address.toLowerCase();
      const mine = (await this.emails([user.id])).get(user.id);
      if (!same(mine?.defaultEmail)) {
        if (!mine?.emails.some(same)) await this.addEmail(user, address);
        await this.setDefaultEmail(user, address);
      }
    }
    return current;
  }

  async byName(name: string): Promise<UserRecord | undefined> {
    const row = (await this.users().where('users.name', name).first()) as UserRow | undefined;
    return row && userFromRow(row);
  }

  /** Pagure accepts an email address wherever it looks a user up by name. */
  async byNameOrEmail(value: string): Promise<UserRecord | undefined> {
    const byName = await this.byName(value);
    if (byName || !value.includes('@')) return byName;
    const row = (await this.users()
      .join('user_emails', 'user_emails.user_id', 'users.id')
      .whereRaw('lower(user_emails.email) = lower(?)', [value])
      .first()) as UserRow | undefined;
    return row && userFromRow(row);
  }

  /** The users owning these addresses (any case), keyed by the address in lower case. */
  async byEmails(emails: readonly string[]): Promise<Map<string, UserRecord>> {
    const wanted = [...new Set(emails.map((email) => email.toLowerCase()))];
    if (!wanted.length) return new Map();
    const rows = (await this.users()
      .join('user_emails', 'user_emails.user_id', 'users.id')
      .whereRaw('lower(user_emails.email) = any(?)', [wanted])
      .select(this.db.raw('lower(user_emails.email) as matched_email'))) as Array<UserRow & { matched_email: string }>;
    return new Map(rows.map((row) => [row.matched_email, userFromRow(row)]));
  }

  async require(name: string): Promise<UserRecord> {
    const user = await this.byName(name);
    if (!user) throw NotFound('ENOUSER');
    return user;
  }

  /** Which of `names` are users, in one query. */
  async existingNames(names: readonly string[]): Promise<Set<string>> {
    if (!names.length) return new Set();
    return new Set(
      (await this.ctx
        .db('users')
        .whereIn('name', [...new Set(names)])
        .pluck('name')) as string[],
    );
  }

  async byIds(ids: readonly number[]): Promise<Map<number, UserRecord>> {
    if (!ids.length) return new Map();
    const rows = (await this.users().whereIn('users.id', [...new Set(ids)])) as UserRow[];
    return new Map(rows.map((row) => [row.id, userFromRow(row)]));
  }

  async emails(ids: readonly number[]): Promise<Map<number, UserEmails>> {
    const result = new Map<number, UserEmails>(ids.map((id) => [id, { defaultEmail: null, emails: [] }]));
    if (!ids.length) return result;
    const rows = (await this.db('user_emails')
      .whereIn('user_id', [...new Set(ids)])
      .orderBy('email')
      .select('user_id', 'email', 'is_default')) as Array<{ user_id: number; email: string; is_default: boolean }>;
    for (const row of rows) {
      const entry = result.get(row.user_id)!;
      entry.emails.push(row.email);
      if (row.is_default) entry.defaultEmail = row.email;
    }
    return result;
  }

  /** Users whose names start with `pattern` (a `*` anywhere matches anything), by name. */
  async list(pattern?: string): Promise<UserRecord[]> {
    const query = this.users().orderBy('users.name');
    if (pattern) query.where('users.name', 'like', likePattern(pattern, { prefix: true }));
    return ((await query) as UserRow[]).map(userFromRow);
  }

  async setAdmin(name: string, on: boolean): Promise<UserRecord> {
    const user = await this.require(name);
    await this.db('users').where('id', user.id).update({ is_admin: on, updated_at: this.db.fn.now() });
    return { ...user, isAdmin: on };
  }

  /** Site admins: config `admins`, users made admin from the CLI, members of `admin_groups`. */
  async isSiteAdmin(user: UserRecord | null): Promise<boolean> {
    if (!user) return false;
    if (user.isAdmin || this.ctx.config.admins.includes(user.name)) return true;
    if (!this.ctx.config.adminGroups.length) return false;
    const row = await this.db('group_members')
      .join('groups', 'groups.id', 'group_members.group_id')
      .where('group_members.user_id', user.id)
      .whereIn('groups.name', this.ctx.config.adminGroups)
      .first('groups.id');
    return row !== undefined;
  }

  async setPassword(userId: number, password: string): Promise<void> {
    const weak = passwordProblem(password);
    if (weak) throw invalid('password', weak);
    await this.db('users')
      .where('id', userId)
      .update({ password_hash: await hashPassword(password, this.ctx.config.login.passwordCost), updated_at: this.db.fn.now() });
  }

  async passwordHash(userId: number): Promise<string | null> {
    const row = (await this.db('users').where('id', userId).first('password_hash')) as { password_hash: string | null } | undefined;
    return row?.password_hash ?? null;
  }

  /** Checks a new address's form; answers it trimmed. */
  static checkedAddress(email: string): string {
    const address = email.trim();
    if (!EMAIL.test(address)) throw invalid('email', 'Give a valid email address');
    checkLengths([['email', address, LIMITS.email]]);
    return address;
  }

  /** Adds a confirmed address (when the instance does not confirm addresses by mail). */
  async addEmail(user: UserRecord, email: string): Promise<void> {
    const address = UsersService.checkedAddress(email);
    await this.db.transaction(async (trx) => {
      if (await emailTaken(trx, address)) throw emailTakenError(address);
      await claimingEmail(address, () => trx('user_emails').insert({ user_id: user.id, email: address, is_default: false }));
    });
  }

  async setDefaultEmail(user: UserRecord, email: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row = await trx('user_emails').where({ user_id: user.id }).whereRaw('lower(email) = lower(?)', [email]).first('id');
      if (!row) throw invalid('email', 'This address is not one of yours');
      await trx('user_emails').where({ user_id: user.id }).update({ is_default: false });
      await trx('user_emails')
        .where({ id: (row as { id: number }).id })
        .update({ is_default: true });
    });
  }

  async removeEmail(user: UserRecord, email: string): Promise<void> {
    const row = (await this.db('user_emails')
      .where({ user_id: user.id })
      .whereRaw('lower(email) = lower(?)', [email])
      .first('id', 'is_default')) as { id: number; is_default: boolean } | undefined;
    if (!row) {
      // An address still waiting for its link is simply forgotten.
      const dropped = await this.db('user_emails_pending')
        .where({ user_id: user.id })
        .whereRaw('lower(email) = lower(?)', [email])
        .delete();
      if (!dropped) throw invalid('email', 'This address is not one of yours');
      return;
    }
    if (row.is_default) throw invalid('email', 'Make another address the default before removing this one');
    await this.db('user_emails').where({ id: row.id }).delete();
  }

  async addSshKey(user: UserRecord, text: string): Promise<SshKeyRecord> {
    const parsed = parseSshKey(text);
    if (typeof parsed === 'string') throw invalid('ssh_key', parsed);
    if (await this.db('ssh_keys').where({ fingerprint: parsed.fingerprint }).first('id')) {
      throw Conflict('ENOCODE', { message: 'This SSH key is already in use', errors: { ssh_key: ['This SSH key is already in use'] } });
    }
    const [row] = (await this.db('ssh_keys')
      .insert({ user_id: user.id, public_key: parsed.publicKey, fingerprint: parsed.fingerprint })
      .returning(['id', 'public_key', 'fingerprint', 'created_at'])) as Array<{
      id: number;
      public_key: string;
      fingerprint: string;
      created_at: Date;
    }>;
    return { id: row!.id, publicKey: row!.public_key, fingerprint: row!.fingerprint, createdAt: row!.created_at };
  }

  async sshKeys(user: UserRecord): Promise<SshKeyRecord[]> {
    const rows = (await this.db('ssh_keys').where({ user_id: user.id }).orderBy('id')) as Array<{
      id: number;
      public_key: string;
      fingerprint: string;
      created_at: Date;
    }>;
    return rows.map((row) => ({ id: row.id, publicKey: row.public_key, fingerprint: row.fingerprint, createdAt: row.created_at }));
  }

  /** The user holding this key (its wire blob, or its SHA256 fingerprint). */
  async bySshKey(key: Buffer | string): Promise<UserRecord | undefined> {
    return (await this.sshKeyOwner(key))?.user;
  }

  /** The stored key and its owner, by its wire blob, its SHA256 fingerprint or its id. */
  async sshKeyOwner(key: Buffer | string | number): Promise<{ id: number; fingerprint: string; user: UserRecord } | undefined> {
    const where = typeof key === 'number' ? { id: key } : { fingerprint: typeof key === 'string' ? key : sshFingerprint(key) };
    if (typeof key === 'number' && !Number.isSafeInteger(key)) return undefined;
    const row = (await this.db('ssh_keys').where(where).first('id', 'fingerprint', 'user_id')) as
      { id: number; fingerprint: string; user_id: number } | undefined;
    const user = row && (await this.byIds([row.user_id])).get(row.user_id);
    return user && { id: row.id, fingerprint: row.fingerprint, user };
  }

  async removeSshKey(user: UserRecord, id: number): Promise<void> {
    const removed = await this.db('ssh_keys').where({ user_id: user.id, id }).delete();
    if (!removed) throw NotFound('ENOCODE', 'SSH key not found');
  }
}

/**
 * Pagure's glob filters: every `*` matches anything. LIKE's own wildcards in the input are
 * taken literally. With `prefix`, a trailing `*` is implied.
 */
export function likePattern(pattern: string, options: { prefix?: boolean } = {}): string {
  const escaped = pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
  return options.prefix && !escaped.endsWith('%') ? `${escaped}%` : escaped;
}
