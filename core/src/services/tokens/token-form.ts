// The fields of a new API token as Pagure's token form reads them (acls, description,
// expiration_date), with its field names and messages in `errors`.
import { isTokenAcl, type TokenAcl } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';

/** Pagure refuses tokens that outlive two years. */
export const MAX_TOKEN_DAYS = 730;

export interface TokenFormInput {
  acls: unknown;
  description: unknown;
  expiration_date: unknown;
}

export interface TokenFormValues {
  acls: TokenAcl[];
  description: string;
  /** Absent: the forge's default lifetime. */
  expiresAt?: Date;
}

/** A form field's values: one string, or a repeated field (or JSON list) of strings. */
function strings(input: unknown): string[] {
  return [input]
    .flat()
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** YYYY-MM-DD as the end of that day (UTC), or undefined when it is not such a date. */
function endOfDay(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59));
  return date.toISOString().slice(0, 10) === text ? date : undefined;
}

/**
 * Checks the form, every field at once (400 EINVALIDREQ with `errors` keyed by field); `offered`
 * is what this kind of token may carry. An expiry over two years away is 400 ENOCODE, as in Pagure.
 */
export function readTokenForm(input: TokenFormInput, offered: readonly TokenAcl[], now = new Date()): TokenFormValues {
  const errors: Record<string, string[]> = {};
  const acls = [...new Set(strings(input.acls))];
  const refused = acls.filter((acl) => !(offered as readonly string[]).includes(acl));
  if (!acls.length) errors.acls = ['This field is required.'];
  else if (refused.length === 1) errors.acls = [`'${refused[0]}' is not a valid choice for this field.`];
  else if (refused.length) errors.acls = [`'${refused.join("', '")}' are not valid choices for this field.`];
  const description = typeof input.description === 'string' ? input.description.trim() : '';
  const expiry = strings(input.expiration_date)[0];
  const expiresAt = expiry === undefined ? undefined : endOfDay(expiry);
  if (expiry !== undefined && !expiresAt) errors.expiration_date = ['Not a valid date value.'];
  else if (expiresAt && expiresAt.getTime() <= now.getTime()) errors.expiration_date = ['The expiry date must be in the future.'];
  if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
  const latest = endOfDay(now.toISOString().slice(0, 10))!.getTime() + MAX_TOKEN_DAYS * 86_400_000;
  if (expiresAt && expiresAt.getTime() > latest) {
    throw Invalid('ENOCODE', 'API tokens can only be created up to 2 years');
  }
  return { acls: acls.filter(isTokenAcl), description, ...(expiresAt ? { expiresAt } : {}) };
}
