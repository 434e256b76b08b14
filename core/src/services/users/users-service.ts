// Accounts: creating users, finding them, their emails, site-admin status and SSH keys.
import type { Knex } from 'knex';
import { USER_COLUMNS, userFromRow, type UserRow } from '../../db/index.js';
import type { UserRecord } from '../../domain/index.js';
import { Conflict, Invalid, NotFound } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { EMAIL, MIN_PASSWORD_LENGTH, usernameProblem } from './names.js';
import { hashPassword } from './passwords.js';
import { parseSshKey } from './ssh-keys.js';

export interface NewUser {
  name: string;
  email: string;
  password?: string | undefined;
  fullname?: string | undefined;
  admin?: boolean | undefined;
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

export class UsersService {
  constructor(private readonly ctx: ServiceContext) {}

  private get db(): Knex {
    return this.ctx.db;
  }

  private users(db: Knex | Knex.Transaction = this.db) {
    return db('users').select(...USER_COLUMNS);
  }

  async create(input: NewUser): Promise<UserRecord> {
    const name = input.name.trim();
    const email = input.email.trim();
    const problem = usernameProblem(name);
    if (problem) throw invalid('name', problem);
    if (!EMAIL.test(email)) throw invalid('email', 'Give a valid email address');
    if (input.password !== undefined) {
      const weak = passwordProblem(input.password);
      if (weak) throw invalid('password', weak);
    }
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    return this.db.transaction(async (trx) => {
      if (await trx('users').whereRaw('lower(name) = lower(?)', [name]).first('id')) {
        throw Conflict('ENOCODE', { message: `The user name "${name}" is taken`, errors: { name: ['This user name is taken'] } });
      }
      if (await trx('user_emails').whereRaw('lower(email) = lower(?)', [email]).first('id')) {
        throw Conflict('ENOCODE', { message: `The email address ${email} is already used`, errors: { email: ['This email address is already used'] } });
      }
      const [row] = (await trx('users')
        .insert({ name, fullname: input.fullname?.trim() ?? '', password_hash: passwordHash, is_admin: input.admin ?? false })
        .returning(['id', 'name', 'fullname', 'is_admin', 'created_at'])) as UserRow[];
      await trx('user_emails').insert({ user_id: row!.id, email, is_default: true });
      return userFromRow(row!);
    });
  }

  /** Changes the full name shown beside the user name (empty is allowed). */
  async setFullname(user: UserRecord, fullname: string): Promise<UserRecord> {
    const value = fullname.trim();
    if (value.length > 255 || /[\x00-\x1f\x7f]/.test(value)) throw invalid('fullname', 'At most 255 characters, on one line');
    const [row] = (await this.db('users').where({ id: user.id }).update({ fullname: value }).returning(['id', 'name', 'fullname', 'is_admin', 'created_at'])) as UserRow[];
    return userFromRow(row!);
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
    return new Set((await this.ctx.db('users').whereIn('name', [...new Set(names)]).pluck('name')) as string[]);
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
    await this.db('users').where('id', userId).update({ password_hash: await hashPassword(password), updated_at: this.db.fn.now() });
  }

  async passwordHash(userId: number): Promise<string | null> {
    const row = (await this.db('users').where('id', userId).first('password_hash')) as { password_hash: string | null } | undefined;
    return row?.password_hash ?? null;
  }

  async addEmail(user: UserRecord, email: string): Promise<void> {
    const address = email.trim();
    if (!EMAIL.test(address)) throw invalid('email', 'Give a valid email address');
    if (await this.db('user_emails').whereRaw('lower(email) = lower(?)', [address]).first('id')) {
      throw Conflict('ENOCODE', { message: `The email address ${address} is already used`, errors: { email: ['This email address is already used'] } });
    }
    await this.db('user_emails').insert({ user_id: user.id, email: address, is_default: false });
  }

  async setDefaultEmail(user: UserRecord, email: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row = await trx('user_emails').where({ user_id: user.id }).whereRaw('lower(email) = lower(?)', [email]).first('id');
      if (!row) throw invalid('email', 'This address is not one of yours');
      await trx('user_emails').where({ user_id: user.id }).update({ is_default: false });
      await trx('user_emails').where({ id: (row as { id: number }).id }).update({ is_default: true });
    });
  }

  async removeEmail(user: UserRecord, email: string): Promise<void> {
    const row = (await this.db('user_emails').where({ user_id: user.id }).whereRaw('lower(email) = lower(?)', [email]).first('id', 'is_default')) as
      | { id: number; is_default: boolean }
      | undefined;
    if (!row) throw invalid('email', 'This address is not one of yours');
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
      .returning(['id', 'public_key', 'fingerprint', 'created_at'])) as Array<{ id: number; public_key: string; fingerprint: string; created_at: Date }>;
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
