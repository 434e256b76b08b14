// Parses JSON and form bodies, with a size limit, as Pagure accepts either on every
// endpoint. Git's own request bodies are other content types and stay unparsed streams.
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { Invalid, TooLarge } from '../../errors/index.js';

export function bodyParsing(limitKb: number): Middleware {
  const limit = `${limitKb}kb`;
  return bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: limit,
    formLimit: limit,
    onError(error) {
      if ((error as { status?: number }).status === 413) {
        throw TooLarge('ENOCODE', `The request body is larger than ${limitKb} KiB`);
      }
      throw Invalid('EINVALIDREQ', { message: 'The request body could not be parsed', cause: error });
    },
  }) as unknown as Middleware;
}
