// /api/0/version and /api/0/error_codes (each also under /-/), as Pagure serves them.
import { errorCodeTexts } from '../../errors/index.js';
import type { ForgeRouter } from '../../plugins/index.js';
import { PAGURE_API_VERSION } from './version.js';

export function metaRoutes(router: ForgeRouter, publicUrl: () => string): void {
  router.get(['/version', '/-/version'], (ctx) => {
    ctx.body = { version: PAGURE_API_VERSION };
  });
  router.get(['/error_codes', '/-/error_codes'], (ctx) => {
    ctx.body = errorCodeTexts(publicUrl());
  });
}
