// /_health: 200 when the database and the queue answer, 503 otherwise, for load balancers.
import Router from '@koa/router';
import type { ForgeContextExtras, ForgeState } from '../plugins/index.js';
import type { HealthService } from '../services/index.js';

export function createHealthRouter(health: HealthService, version: string) {
  const router = new Router<ForgeState, ForgeContextExtras>();
  router.get('/_health', async (ctx) => {
    const report = await health.report();
    ctx.status = report.status === 'ok' ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ...report, version };
  });
  return router;
}
