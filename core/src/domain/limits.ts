// How long the text users store may be: Pagure's column sizes where it has them, and sane
// caps where Pagure keeps unbounded text. Services check these (services/input-limits.ts)
// so the API and the web forms refuse the same input with the same field error.

/** Pagure's String(255) columns: names, titles, tags, statuses. */
export const NAME_MAX = 255;

export const LIMITS = {
  projectName: NAME_MAX,
  projectDescription: 4096,
  projectUrl: 2048,
  namespace: NAME_MAX,
  branchName: NAME_MAX,
  email: NAME_MAX,
  ticketTitle: NAME_MAX,
  tag: NAME_MAX,
  tagDescription: NAME_MAX,
  tagColor: 25,
  milestone: NAME_MAX,
  milestoneDate: NAME_MAX,
  closeStatus: NAME_MAX,
  priorityTitle: NAME_MAX,
  customFieldName: NAME_MAX,
  /** The choices of a list field, comma-separated. */
  customFieldData: 4096,
  customFieldValue: 4096,
  fullname: NAME_MAX,
  groupName: NAME_MAX,
  groupDisplayName: NAME_MAX,
  groupDescription: NAME_MAX,
  tokenDescription: NAME_MAX,
  /** Issue contents, pull-request descriptions, comments: 64 KiB of characters. */
  text: 64 * 1024,
} as const;

/** WTForms' message for a field over its length, which Pagure's forms answer. */
export function tooLongMessage(max: number): string {
  return `Field cannot be longer than ${max} character${max === 1 ? '' : 's'}.`;
}

/** The length PostgreSQL counts: characters (code points), not UTF-16 units. */
export function textLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Whether `value` (or any of several values) is longer than `max` characters. */
export function isTooLong(value: string | readonly string[] | null | undefined, max: number): boolean {
  if (value === null || value === undefined) return false;
  const values: readonly string[] = typeof value === 'string' ? [value] : value;
  // A string of at most `max` UTF-16 units has at most `max` characters: count only longer ones.
  return values.some((v) => v.length > max && textLength(v) > max);
}

/** One length check: the form field name the API uses, its value(s), its limit. */
export type LengthCheck = readonly [field: string, value: string | readonly string[] | null | undefined, max: number];

/** Pagure's field errors for the values over their limits (empty when all fit). */
export function lengthErrors(checks: readonly LengthCheck[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const [field, value, max] of checks) {
    if (!errors[field] && isTooLong(value, max)) errors[field] = [tooLongMessage(max)];
  }
  return errors;
}
