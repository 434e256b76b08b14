// API tokens: handed out once, stored as a hash, checked on every API call.
import { USER_COLUMNS, userFromRow, type UserRow } from '../../db/index.js';
import { isTokenAcl, PROJECT_TOKEN_ACLS, type TokenAcl, type UserRecord } from '../../domain/index.js';
import { Invalid, NotFound } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { newTokenValue, secretHash } from './secrets.js';

export { MAX_TOKEN_DAYS, readTokenForm, type TokenFormInput, type TokenFormValues } from './token-form.js';

export const DEFAULT_TOKEN_DAYS = 60;

export interface TokenRecord {
  id: number;
  userId: number;
  /** Bound to one project, or null for a user token. */
  projectId: number | null;
  acls: TokenAcl[];
  description: string;
  expiresAt: Date;
  createdAt: Date;
}

export interface NewToken {
  acls: readonly string[];
  projectId?: number | null | undefined;
  description?: string | undefined;
  expiresAt?: Date | undefined;
}

/** Pagure's reasons, which it returns in `errors` next to EINVALIDTOK. */
export type TokenFailure = 'Invalid token' | 'Expired token';

export type TokenCheck = { ok: true; user: UserRecord; token: TokenRecord } | { ok: false; reason: TokenFailure };

interface TokenRow {
  id: number;
  user_id: number;
  project_id: number | null;
  acls: string[];
  description: string;
  expires_at: Date;
  created_at: Date;
  revoked_at: Date | null;
}

function tokenFromRow(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    projectId: row.project_id,
    acls: row.acls.filter(isTokenAcl),
    description: row.description,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

export class TokensService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Returns the token's value, which is shown once and never stored. */
  async create(user: UserRecord, input: NewToken): Promise<{ value: string; token: TokenRecord }> {
    const acls = [...new Set(input.acls)];
    const unknown = acls.filter((acl) => !isTokenAcl(acl));
    if (!acls.length) throw Invalid('EINVALIDREQ', { errors: { acls: ['Choose at least one ACL'] } });
    if (unknown.length) throw Invalid('EINVALIDREQ', { errors: { acls: [`Unknown ACLs: ${unknown.join(', ')}`] } });
    const beyondProject = input.projectId == null ? [] : acls.filter((acl) => !(PROJECT_TOKEN_ACLS as readonly string[]).includes(acl));
    if (beyondProject.length) {
      throw Invalid('EINVALIDREQ', { errors: { acls: [`A project's token cannot carry: ${beyondProject.join(', ')}`] } });
    }
    const expiresAt = input.expiresAt ?? new Date(Date.now() + DEFAULT_TOKEN_DAYS * 86_400_000);
    if (expiresAt.getTime() <= Date.now()) throw Invalid('EINVALIDREQ', { errors: { expires: ['The expiry date must be in the future'] } });
    const value = newTokenValue();
    const [row] = (await this.ctx
      .db('api_tokens')
      .insert({
        token_hash: secretHash(value),
        user_id: user.id,
        project_id: input.projectId ?? null,
        acls,
        description: input.description?.trim() ?? '',
        expires_at: expiresAt,
      })
      .returning('*')) as TokenRow[];
    return { value, token: tokenFromRow(row!) };
  }

  async verify(value: string): Promise<TokenCheck> {
    if (!value || value.length > 256) return { ok: false, reason: 'Invalid token' };
    const row = (await this.ctx
      .db('api_tokens')
      .join('users', 'users.id', 'api_tokens.user_id')
      .where('api_tokens.token_hash', secretHash(value))
      .first(
        ...USER_COLUMNS,
        'api_tokens.id as token_id',
        'api_tokens.project_id',
        'api_tokens.acls',
        'api_tokens.description',
        'api_tokens.expires_at',
        'api_tokens.created_at as token_created_at',
        'api_tokens.revoked_at',
      )) as
      | (UserRow & {
          token_id: number;
          project_id: number | null;
          acls: string[];
          description: string;
          expires_at: Date;
          token_created_at: Date;
          revoked_at: Date | null;
        })
      | undefined;
    if (!row) return { ok: false, reason: 'Invalid token' };
    // A revoked token reads as expired, as Pagure revokes by expiring.
    if (row.revoked_at || row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'Expired token' };
    return {
      ok: true,
      user: userFromRow(row),
      token: tokenFromRow({ ...row, id: row.token_id, user_id: row.id, created_at: row.token_created_at }),
    };
  }

  /** The user's tokens that still work, newest first. */
  async list(user: UserRecord): Promise<TokenRecord[]> {
    const rows = (await this.ctx
      .db('api_tokens')
      .where({ user_id: user.id })
      .whereNull('revoked_at')
      .andWhere('expires_at', '>', new Date())
      .orderBy('id', 'desc')) as TokenRow[];
    return rows.map(tokenFromRow);
  }

  /** Revokes one of `user`'s tokens, or any token when `user` is null (the operator). */
  async revoke(user: UserRecord | null, id: number): Promise<void> {
    const query = this.ctx.db('api_tokens').where({ id }).whereNull('revoked_at');
    if (user) query.andWhere({ user_id: user.id });
    if (!(await query.update({ revoked_at: new Date() })))
      throw NotFound('ENOCODE', `No token ${id}${user ? ` of ${user.name}` : ''} to revoke`);
  }
}
