// The one check every service runs before it stores user text: 400 EINVALIDREQ with
// Pagure's field error ("Field cannot be longer than 255 characters.") for each value over
// its limit (domain/limits.ts), keyed by the form field name the API and the pages use.
import { lengthErrors, type LengthCheck } from '../domain/index.js';
import { Invalid } from '../errors/index.js';

/** Throws 400 EINVALIDREQ with a field error for every value over its limit. */
export function checkLengths(checks: readonly LengthCheck[]): void {
  const errors = lengthErrors(checks);
  if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
}

/** Adds the length errors of `checks` to `errors` (fields that already have an error keep it). */
export function addLengthErrors(errors: Record<string, string[]>, checks: readonly LengthCheck[]): void {
  for (const [field, messages] of Object.entries(lengthErrors(checks))) errors[field] ??= messages;
}
