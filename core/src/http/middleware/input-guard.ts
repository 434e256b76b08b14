// The edge's guard against input no handler should see: a NUL byte (PostgreSQL refuses it in
// any text) or bytes that are not UTF-8, in the path or the query string. Refused before any
// route runs, so nothing is read or written: the API answers 400 EINVALIDREQ naming the
// parameter, pages a 400 page, and paths where the status code is the answer (raw files,
// blobs, git's own URLs) a 404. Bodies get the same NUL check in body.ts.
import type { Middleware } from 'koa';
import { Invalid, NotFound } from '../../errors/index.js';
import type { ForgeContextExtras, ForgeState } from '../../plugins/index.js';
import { looksLikeGit } from '../git/git-paths.js';
import { isApiRequest } from './errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What is wrong with a percent-encoded text once decoded, if anything. */
export function encodedProblem(encoded: string): string | undefined {
  if (!encoded.includes('%')) return encoded.includes('\0') ? 'contains a NUL byte' : undefined;
  // Percent escapes to bytes; a "%" not followed by two hex digits stays itself, as Werkzeug reads it.
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded.charCodeAt(i);
    if (char === 0x25 && /^[0-9a-fA-F]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (char < 0x80) {
      bytes.push(char);
    } else {
      bytes.push(...Buffer.from(encoded[i]!, 'utf8'));
    }
  }
  if (bytes.includes(0)) return 'contains a NUL byte';
  try {
    strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return 'is not valid UTF-8';
  }
  return undefined;
}

/** A query string's first bad parameter: its name (as best it reads) and the problem. */
function queryProblem(querystring: string): { name: string; problem: string } | undefined {
  if (!querystring) return undefined;
  for (const part of querystring.split('&')) {
    const at = part.indexOf('=');
    const rawName = (at < 0 ? part : part.slice(0, at)).replace(/\+/g, ' ');
    const rawValue = (at < 0 ? '' : part.slice(at + 1)).replace(/\+/g, ' ');
    const nameProblem = encodedProblem(rawName);
    if (nameProblem) return { name: '(name)', problem: `A parameter's name ${nameProblem}` };
    const valueProblem = encodedProblem(rawValue);
    if (valueProblem) return { name: decodeLoosely(rawName), problem: `The value ${valueProblem}` };
  }
  return undefined;
}

function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Paths that name a file or a git resource answer only with their status code. */
function statusIsTheAnswer(path: string): boolean {
  return looksLikeGit(path) || /\/(raw|blob)\//.test(path);
}

/** `formatOf`: a plugin's mount that answers in the API's format is refused as the API is. */
export function inputGuard(formatOf?: (path: string) => 'api' | 'page' | undefined): Middleware<ForgeState, ForgeContextExtras> {
  return async (ctx, next) => {
    const pathProblem = encodedProblem(ctx.path);
    if (pathProblem) {
      const api = isApiRequest(ctx) || formatOf?.(ctx.path) === 'api';
      if (!api && statusIsTheAnswer(ctx.path)) throw NotFound('ENOCODE', 'Not found');
      throw Invalid('EINVALIDREQ', { errors: { path: [`The path ${pathProblem}`] } });
    }
    const bad = queryProblem(ctx.querystring);
    if (bad) throw Invalid('EINVALIDREQ', { errors: { [bad.name]: [bad.problem] } });
    await next();
  };
}
