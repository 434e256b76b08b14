// Browser sessions: a row per login, named by a random id in a signed cookie, so a
// logout (or a password reset) really ends it.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { USER_COLUMNS, userFromRow, type UserRow } from '../../db/index.js';
import type { UserRecord } from '../../domain/index.js';

export interface SessionRecord {
  id: string;
  userId: number;
  /** Form tokens are derived from it; it never leaves the server. */
  csrfSecret: string;
  expiresAt: Date;
}

export class SessionsService {
  constructor(
    private readonly db: Knex,
    private readonly lifetimeDays: number,
  ) {}

  async create(userId: number): Promise<SessionRecord> {
    const session = {
      id: randomUUID(),
      userId,
      csrfSecret: randomBytes(32).toString('base64url'),
      expiresAt: new Date(Date.now() + this.lifetimeDays * 86_400_000),
    };
    await this.db('sessions').insert({ id: session.id, user_id: userId, csrf_secret: session.csrfSecret, expires_at: session.expiresAt });
    return session;
  }

  /** The live session and its user, or undefined if unknown or expired. */
  async find(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const row = (await this.db('sessions')
      .join('users', 'users.id', 'sessions.user_id')
      .where('sessions.id', id)
      .andWhere('sessions.expires_at', '>', new Date())
      .first(...USER_COLUMNS, 'sessions.csrf_secret', 'sessions.expires_at')) as
      (UserRow & { csrf_secret: string; expires_at: Date }) | undefined;
    if (!row) return undefined;
    return {
      session: { id, userId: row.id, csrfSecret: row.csrf_secret, expiresAt: row.expires_at },
      user: userFromRow(row),
    };
  }

  async destroy(id: string): Promise<void> {
    await this.db('sessions').where({ id }).delete();
  }

  async destroyAllOf(userId: number): Promise<void> {
    await this.db('sessions').where({ user_id: userId }).delete();
  }

  /** Expired sessions are ignored; this removes them for good. */
  async prune(): Promise<number> {
    return this.db('sessions').where('expires_at', '<=', new Date()).delete();
  }
}
