// Parses JSON and form bodies, with a size limit, as Pagure accepts either on every
// endpoint. Git's own request bodies are other content types and stay unparsed streams.
// A NUL byte anywhere in a parsed body (a value or a key, at any depth) is refused with
// 400 EINVALIDREQ naming the field: PostgreSQL cannot store it, and nothing may be written.
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { Invalid, TooLarge } from '../../errors/index.js';

/** The path of the first string or key holding a NUL byte ("title", "tags.1", "a.b"), if any. */
export function nulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || '(body)' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes('\0')) return here.replace(/\0/g, '\\0');
    const found = nulPath(inner, here);
    if (found) return found;
  }
  return undefined;
}

export function bodyParsing(limitKb: number): Middleware {
  return parsedBodies({ limitBytes: limitKb * 1024, types: ['json', 'form'] });
}

/** JSON and/or form bodies up to `limitBytes` (413 beyond), NUL bytes refused; other types stay unparsed. */
export function parsedBodies(options: { limitBytes: number; types: ReadonlyArray<'json' | 'form'> }): Middleware {
  const limit = options.limitBytes;
  const shown = limit % 1024 === 0 ? `${limit / 1024} KiB` : `${limit} bytes`;
  const parse = bodyParser({
    enableTypes: [...options.types],
    // DELETE too: Pagure reads a form on any method, and a NUL must be refused there as well.
    parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    jsonLimit: limit,
    formLimit: limit,
    onError(error) {
      if ((error as { status?: number }).status === 413) {
        throw TooLarge('ENOCODE', `The request body is larger than ${shown}`);
      }
      throw Invalid('EINVALIDREQ', { message: 'The request body could not be parsed', cause: error });
    },
  }) as unknown as Middleware;
  return (ctx, next) =>
    parse(ctx, () => {
      const field = nulPath((ctx.request as { body?: unknown }).body);
      if (field) throw Invalid('EINVALIDREQ', { errors: { [field]: ['The value contains a NUL byte'] } });
      return next();
    });
}
