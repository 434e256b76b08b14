// The handlebars helpers every template may use. Values are escaped by handlebars; helpers
// that return HTML build it from escaped parts only.
import type Handlebars from 'handlebars';
import type { AssetStore } from './assets.js';

type Options = Handlebars.HelperOptions;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Seconds since the epoch (Pagure's JSON dates), a Date or an ISO string → Date. */
function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string' && value) {
    const date = /^\d+$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function formatDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

export function registerHelpers(handlebars: typeof Handlebars, assets: AssetStore): void {
  const escape = handlebars.Utils.escapeExpression;
  handlebars.registerHelper('asset', (name: unknown) => assets.url(String(name)) ?? '');
  handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b || String(a) === String(b));
  handlebars.registerHelper('ne', (a: unknown, b: unknown) => String(a) !== String(b));
  /** The first argument that is set and not empty (a form's value, else the saved one); else the last. */
  handlebars.registerHelper('or', (...args: unknown[]) => {
    const values = args.slice(0, -1);
    return (
      values.find((value) => value !== undefined && value !== null && value !== '' && value !== false && value !== 0) ??
      values[values.length - 1]
    );
  });
  handlebars.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  handlebars.registerHelper('not', (value: unknown) => !value);
  handlebars.registerHelper('includes', (list: unknown, value: unknown) => Array.isArray(list) && list.map(String).includes(String(value)));
  handlebars.registerHelper('concat', (...args: unknown[]) =>
    args
      .slice(0, -1)
      .map((a) => String(a ?? ''))
      .join(''),
  );
  handlebars.registerHelper('join', (list: unknown) => (Array.isArray(list) ? list.map(String).join(', ') : ''));
  handlebars.registerHelper('short', (hash: unknown) => String(hash ?? '').slice(0, 7));
  handlebars.registerHelper(
    'plural',
    (count: unknown, one: unknown, many: unknown) => `${Number(count)} ${Number(count) === 1 ? String(one) : String(many)}`,
  );
  /** <time> with the date in UTC: {{time issue.date_created}}. */
  handlebars.registerHelper('time', (value: unknown) => {
    const date = toDate(value);
    if (!date) return '';
    return new handlebars.SafeString(`<time datetime="${date.toISOString()}">${escape(formatDate(date))}</time>`);
  });
  /** A user's name as a link to their page. */
  handlebars.registerHelper('user', (name: unknown) => {
    if (typeof name !== 'string' || !name) return '';
    return new handlebars.SafeString(`<a class="user" href="/user/${encodeURIComponent(name)}">${escape(name)}</a>`);
  });
  /**
   * A plugin's panel ({ partial, data }): its partial rendered with the page's data and the
   * panel's. A panel whose partial nobody registered renders as nothing rather than failing the page.
   */
  handlebars.registerHelper('panel', (panel: unknown, options: Options) => {
    const { partial, data } = (panel ?? {}) as { partial?: unknown; data?: Record<string, unknown> };
    const source = typeof partial === 'string' ? handlebars.partials[partial] : undefined;
    if (!source) return '';
    const render = typeof source === 'function' ? (source as Handlebars.TemplateDelegate) : handlebars.compile(source as string);
    handlebars.partials[partial as string] = render;
    return new handlebars.SafeString(render({ ...(options.data as { root?: object } | undefined)?.root, ...data }));
  });
  /** Query string of the current filters with one changed: href="?{{query filters page=2}}". */
  handlebars.registerHelper('query', (base: unknown, options: Options) => {
    const params = new URLSearchParams();
    const merged = { ...(typeof base === 'object' && base ? (base as Record<string, unknown>) : {}), ...options.hash };
    for (const [key, value] of Object.entries(merged)) {
      if (value === undefined || value === null || value === '') continue;
      for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
    }
    // URLSearchParams leaves only URL-safe characters; '&' is written as HTML wants it.
    return new handlebars.SafeString(params.toString().replace(/&/g, '&amp;'));
  });
}
