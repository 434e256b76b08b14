// Pagure's user JSON: name, fullname, url_path, full_url; emails only in private views.
import { createHash } from 'node:crypto';
import type { UserRecord } from '../../domain/index.js';
import type { UserPayload } from '../../plugins/event-payloads.js';
import type { UserEmails } from '../users/users-service.js';
import { fullUrl } from './common.js';

/** Pagure's user JSON: the shape the events carry too (plugins/event-payloads.ts). */
export type UserJson = UserPayload;

export function userJson(user: Pick<UserRecord, 'name' | 'fullname'>, baseUrl: string, emails?: UserEmails): UserJson {
  const json: UserJson = {
    name: user.name,
    fullname: user.fullname,
    url_path: `user/${user.name}`,
    full_url: fullUrl(baseUrl, `user/${user.name}`),
  };
  if (emails) {
    json.default_email = emails.defaultEmail;
    json.emails = emails.emails;
  }
  return json;
}

/** Libravatar URL for an email address, as Pagure builds it; null without an address. */
export function avatarUrl(email: string | null | undefined, size: number): string | null {
  if (!email) return null;
  const hash = createHash('sha256').update(email, 'utf8').digest('hex');
  return `https://seccdn.libravatar.org/avatar/${hash}?s=${size}&d=retro`;
}
