// Static files of core, plugins and the theme (each package's `static/` folder), served from
// memory under names that carry a hash of their content, so they can be cached for a year:
// /_static/pagurus.css becomes /_static/pagurus.1a2b3c4d.css. The theme overrides by name.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Middleware } from 'koa';
import { filesUnder } from './files.js';

export const STATIC_PREFIX = '/_static/';

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/vnd.microsoft.icon',
  woff2: 'font/woff2',
  json: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

interface Asset {
  data: Buffer;
  type: string;
  url: string;
  etag: string;
}

/** "pagurus.css" and a hash → "pagurus.<hash>.css". */
function hashedName(name: string, hash: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= name.lastIndexOf('/') ? `${name}.${hash}` : `${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
}

export class AssetStore {
  private readonly byName = new Map<string, Asset>();
  private readonly byUrl = new Map<string, Asset>();

  /** Adds every file under `dir` (recursively), named by its path relative to `dir`. */
  addDirectory(dir: string): void {
    for (const { name, file } of filesUnder(dir)) this.add(name, readFileSync(file));
  }

  add(name: string, data: Buffer): void {
    const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
    const hash = createHash('sha256').update(data).digest('hex').slice(0, 10);
    const previous = this.byName.get(name);
    if (previous) this.byUrl.delete(previous.url);
    const asset = { data, type: TYPES[ext] ?? 'application/octet-stream', url: STATIC_PREFIX + hashedName(name, hash), etag: `"${hash}"` };
    this.byName.set(name, asset);
    this.byUrl.set(asset.url, asset);
  }

  /** The cache-busting URL of a file, or undefined when no package supplies it. */
  url(name: string): string | undefined {
    return this.byName.get(name)?.url;
  }

  middleware(): Middleware {
    return async (ctx, next) => {
      if (!ctx.path.startsWith(STATIC_PREFIX) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
      const asset = this.byUrl.get(ctx.path);
      if (!asset) return next();
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.etag = asset.etag;
      ctx.type = asset.type;
      const known = ctx
        .get('If-None-Match')
        .split(',')
        .map((tag) => tag.trim().replace(/^W\//, ''));
      if (known.includes(asset.etag)) {
        ctx.status = 304;
        return;
      }
      ctx.body = asset.data;
    };
  }
}
