// Whole numbers read from users' text, bounded to what PostgreSQL's integer columns hold, so
// that no id, page or count can reach a query as an out-of-range value.

/** PostgreSQL's `integer` (int4): ids, issue and pull-request numbers, pages. */
export const INT4_MIN = -2147483648;
export const INT4_MAX = 2147483647;

/**
 * `text` as a whole number (optional sign, surrounding blanks allowed): undefined when
 * absent or blank, NaN when not a whole number or outside [min, max] (default: int4).
 */
export function parseBoundedInt(text: string | undefined | null, min = INT4_MIN, max = INT4_MAX): number | undefined {
  if (text === undefined || text === null || text.trim() === '') return undefined;
  const match = /^\s*([+-]?)(\d+)\s*$/.exec(text);
  if (!match) return Number.NaN;
  const digits = match[2]!.replace(/^0+(?=\d)/, '');
  // More than 10 digits is out of any int4 range; below that the double is exact.
  if (digits.length > 10) return Number.NaN;
  const n = Number(digits) * (match[1] === '-' ? -1 : 1);
  return n < min || n > max ? Number.NaN : n;
}

/** A row id in a path (`/issue/<id>`, `/comment/<id>`): digits only, 1..INT4_MAX, or undefined. */
export function rowId(text: string | undefined | null): number | undefined {
  if (text === undefined || text === null || !/^\d+$/.test(text)) return undefined;
  const n = parseBoundedInt(text, 1);
  return n === undefined || Number.isNaN(n) ? undefined : n;
}
