// Reading API input the way Pagure does: JSON or form bodies, query strings, its boolean
// rules, and page/per_page with the pagination object that links to neighbouring pages.
import { INT4_MAX, parseBoundedInt, rowId } from '../../domain/index.js';
import { Invalid, NotFound, type ErrorCode } from '../../errors/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import type { DateRange } from '../../services/index.js';

/** The request body as an object: JSON or form fields (a repeated form field counts once). */
export function body(ctx: ForgeContext): Record<string, unknown> {
  const parsed = ctx.request.body;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [key, Array.isArray(value) && !ctx.is('json') ? value[0] : value]),
  );
}

/** A query-string value (the first, if repeated). */
export function query(ctx: ForgeContext, name: string): string | undefined {
  const value = ctx.query[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a repeated query-string or form field. */
export function queryList(ctx: ForgeContext, name: string): string[] {
  const fromQuery = ctx.query[name];
  const fromBody = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return [fromQuery, fromBody].flat().filter((v): v is string => typeof v === 'string');
}

/** Query string first, then the body: Werkzeug's request.values. */
export function value(ctx: ForgeContext, name: string): string | undefined {
  const fromQuery = query(ctx, name);
  if (fromQuery !== undefined) return fromQuery;
  const fromBody = body(ctx)[name];
  return fromBody === undefined || fromBody === null ? undefined : String(fromBody);
}

/** Pagure's is_true: 1, true, t, y (any case); a JSON boolean as it is. */
export function isTrue(input: unknown): boolean {
  if (typeof input === 'boolean') return input;
  if (typeof input === 'number') return input === 1;
  return typeof input === 'string' && ['1', 'true', 't', 'y'].includes(input.trim().toLowerCase());
}

/** A "wait" flag: true unless clearly false (false, 0, "", "false", "0", "no", "off"). */
export function waitFlag(input: unknown): boolean {
  if (input === undefined) return true;
  if (input === null || input === false || input === 0) return false;
  return !['', 'false', '0', 'no', 'off', 'n', 'f'].includes(String(input).trim().toLowerCase());
}

/** A whole number in int4's range; NaN when not one, ±Infinity when one beyond that range. */
function integer(text: string | undefined): number | undefined {
  const n = parseBoundedInt(text);
  if (!Number.isNaN(n)) return n;
  return /^\s*\+?-?\d+\s*$/.test(text!) ? (text!.includes('-') ? -Infinity : Infinity) : Number.NaN;
}

/** A row id in the route (`:commentid`): digits within int4's range, else 404 with `code`. */
export function routeId(ctx: ForgeContext, name: string, code: ErrorCode): number {
  const id = rowId((ctx as { params?: Record<string, string | undefined> }).params?.[name]);
  if (id === undefined) throw NotFound(code);
  return id;
}

export interface PageRequest {
  page: number;
  perPage: number;
  offset: number;
  /** The same as perPage, for queries. */
  limit: number;
  /** "page", or "repopage"/"forkpage" on /user/<name>. */
  key: string;
}

/** page (≥ 1, default 1) and per_page (1-100, default 20), with Pagure's errors. */
export function pageRequest(ctx: ForgeContext, key = 'page', lenientPage = false): PageRequest {
  const perPage = integer(value(ctx, 'per_page')) ?? 20;
  if (Number.isNaN(perPage)) throw Invalid('EINVALIDREQ');
  if (perPage < 1 || perPage > 100) throw Invalid('EINVALIDPERPAGEVALUE');
  let page = integer(key === 'page' ? value(ctx, key) : query(ctx, key)) ?? 1;
  if (lenientPage) page = Number.isFinite(page) && page >= 1 ? page : 1;
  else if (Number.isNaN(page) || page < 1) throw Invalid('EINVALIDREQ');
  else if (page > INT4_MAX) throw Invalid('EINVALIDREQ', { errors: { [key]: [`Not a whole number from 1 to ${INT4_MAX}.`] } });
  return { page, perPage, offset: (page - 1) * perPage, limit: perPage, key };
}

export interface Pagination {
  [key: string]: number | string | null;
  pages: number;
  per_page: number;
  first: string;
  last: string;
  next: string | null;
  prev: string | null;
}

/** Pagure's pagination object: absolute links to this endpoint with the other query arguments kept. */
export function pagination(ctx: ForgeContext, request: PageRequest, total: number): Pagination {
  const pages = Math.ceil(total / request.perPage);
  const kept = new URLSearchParams();
  for (const [name, raw] of Object.entries(ctx.query)) {
    if (name === request.key || name === 'per_page' || name.startsWith('_')) continue;
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first !== undefined) kept.append(name, first);
  }
  const link = (page: number) => {
    const params = new URLSearchParams([['per_page', String(request.perPage)], ...kept, [request.key, String(page)]]);
    return `${ctx.protocol}://${ctx.host}${ctx.path}?${params.toString().replace(/%2A/g, '*')}`;
  };
  return {
    [request.key]: request.page,
    pages,
    per_page: request.perPage,
    first: link(1),
    last: link(pages),
    next: request.page < pages ? link(request.page + 1) : null,
    prev: request.page > 1 ? link(request.page - 1) : null,
  };
}

/** Pagure's dates in queries: epoch seconds (ETIMESTAMP when out of range) or YYYY-MM-DD (EDATETIME). */
export function parseDate(text: string): Date {
  if (/^\s*-?\d+(\.\d+)?\s*$/.test(text)) {
    const date = new Date(Math.trunc(Number(text)) * 1000);
    if (Number.isNaN(date.getTime())) throw Invalid('ETIMESTAMP');
    return date;
  }
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(match![3])) throw Invalid('EDATETIME');
  return date;
}

/** Pagure's "since..until" (either side may be empty; no ".." means since only). */
export function parseDateRange(text: string | undefined): DateRange {
  if (text === undefined) return {};
  const [since, until] = text.includes('..') ? [text.slice(0, text.indexOf('..')), text.slice(text.indexOf('..') + 2)] : [text, ''];
  return { ...(since.trim() ? { since: parseDate(since) } : {}), ...(until.trim() ? { until: parseDate(until) } : {}) };
}
