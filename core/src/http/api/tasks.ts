// /api/0/task/<id>/status: where clients poll the jobs behind wait=false requests.
import type { ForgeRouter } from '../../plugins/index.js';
import type { TaskService } from '../../services/index.js';

export function taskRoutes(router: ForgeRouter, tasks: TaskService): void {
  router.get('/task/:taskid/status', async (ctx) => {
    ctx.body = await tasks.report(ctx.params.taskid ?? '');
  });
}
