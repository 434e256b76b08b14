// GET /_sse/stream?channels=...: the text/event-stream a page's EventSource opens. The
// viewer is the browser session's; channels it may not follow answer 404 before anything
// is streamed, and an address already holding its share of streams gets 429.
import type { ForgeContext, ForgeRouter, ForgeServices } from '@pagurus/core';
import { Forbidden, RateLimited, Unavailable } from '@pagurus/core';
import { authorizeChannels, EventGate, parseChannels, type ChannelSpec } from './access.js';
import type { Hub } from './hub.js';
import { EventStream } from './stream.js';

export const SSE_PREFIX = '/_sse';

export interface RouteOptions {
  maxPerAddress: number;
  maxChannels: number;
  authCacheMs: number;
  retryMs: number;
}

function lastEventId(ctx: ForgeContext): number | undefined {
  const raw = ctx.get('Last-Event-ID') || (typeof ctx.query.lastEventId === 'string' ? ctx.query.lastEventId : '');
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

export function streamRoutes(router: ForgeRouter, hub: () => Hub | undefined, services: ForgeServices, options: RouteOptions): void {
  router.get(`${SSE_PREFIX}/stream`, async (ctx) => {
    const channels = parseChannels(ctx.query.channels, options.maxChannels);
    const live = hub();
    if (!live) throw Unavailable('ENOCODE', 'Live updates are served by another process (pagurus sse)');
    if (!live.admits(ctx.ip, options.maxPerAddress)) throw RateLimited('ENOCODE', 'Too many live-update streams from this address');
    const viewer = await services.access.viewer(ctx.state.user ?? null);
    await authorizeChannels(services, viewer, channels);
    // Checked again after the lookups: other streams of this address may have opened meanwhile.
    if (!live.admits(ctx.ip, options.maxPerAddress)) throw RateLimited('ENOCODE', 'Too many live-update streams from this address');
    const watchesPrivate = await followsPrivate(services, channels);

    // The response is written by hand and held open: Koa must not end it.
    ctx.respond = false;
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // Proxies (nginx) would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${options.retryMs}\n: connected\n\n`);
    const stream = new EventStream(res, channels, new EventGate(services, viewer, options.authCacheMs), ctx.ip, watchesPrivate);
    live.add(stream, lastEventId(ctx));
  });

  router.get(`${SSE_PREFIX}/stats`, async (ctx) => {
    const viewer = await services.access.viewer(ctx.state.user ?? null);
    if (!viewer.siteAdmin) throw Forbidden('ENOCODE', 'Only site admins see live-update statistics');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = hub()?.stats() ?? { streams: 0, channels: 0, addresses: 0, buffered: 0, subscribed: false };
  });
}

/** Whether any channel is of a private project or issue: such streams are re-checked now and then. */
async function followsPrivate(services: ForgeServices, channels: readonly ChannelSpec[]): Promise<boolean> {
  for (const channel of channels) {
    const project = await services.projects.byId(channel.project);
    if (!project || project.private) return true;
    if (channel.kind === 'issue') {
      const issue = await services.issues.get(project, channel.n!);
      if (!issue || issue.private) return true;
    }
  }
  // Anonymous: nothing to revoke that a public channel's events would not show anyway.
  return false;
}
