// /api/0/user/<name>/activity/stats and /api/0/user/<name>/activity/<date>: a user's
// activity per day over the last year (the heatmap), and the entries of one day.
import { NotFound } from '../../errors/index.js';
import type { ForgeRouter } from '../../plugins/index.js';
import { activityDayJson, parseActivityDate, type DomainServices } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import { isTrue, query } from './params.js';

export function activityRoutes(router: ForgeRouter, services: DomainServices, baseUrl: () => string): void {
  const userNamed = async (name: string) => {
    const user = await services.users.byNameOrEmail(name);
    if (!user) throw NotFound('ENOUSER');
    return user;
  };

  // {"2016-01-02": 3, ...}; with format=timestamp the keys are noon of each day in tz, in epoch seconds.
  router.get('/user/:username/activity/stats', async (ctx) => {
    const user = await userNamed(ctx.params.username!);
    const counts = await services.activity.yearlyCounts(await viewerOf(ctx, services), user, query(ctx, 'tz'));
    const byTimestamp = query(ctx, 'format') === 'timestamp';
    ctx.body = Object.fromEntries(counts.map((day) => [byTimestamp ? String(day.noon) : day.date, day.count]));
  });

  router.get('/user/:username/activity/:date', async (ctx) => {
    // Pagure reads the date before it looks for the user.
    const date = parseActivityDate(ctx.params.date!);
    const user = await userNamed(ctx.params.username!);
    const entries = await services.activity.onDay(await viewerOf(ctx, services), user, date, query(ctx, 'tz'));
    ctx.body = { activities: activityDayJson(entries, user, baseUrl(), isTrue(query(ctx, 'grouped'))), date };
  });
}
