// @pagurus/plugin-sse: live updates. Every process publishes a compact message for each
// event on one pub/sub channel; each web process (or `pagurus sse`) subscribes once and
// fans messages out to the browsers connected to it, checking per event what each viewer
// may see. Lossy by design: a page that misses something resumes with Last-Event-ID from a
// short in-memory buffer, or reloads what it shows.
import { fileURLToPath } from 'node:url';
import { definePlugin, StartupError, z, type ForgeApi } from '@pagurus/core';
import { Hub, PUBSUB_CHANNEL } from './hub.js';
import { toMessage } from './message.js';
import { tapPanels } from './page.js';
import { streamRoutes } from './route.js';

const options = z.object({
  /** Seconds between heartbeat comments: below the 30–60 s idle timeouts of common proxies. */
  heartbeat_seconds: z.number().positive().max(300).default(15),
  /** Messages kept per process for Last-Event-ID resumes. */
  replay_size: z.number().int().min(0).max(100_000).default(1000),
  /** Open streams one client address may hold (429 beyond). */
  max_connections_per_address: z.number().int().positive().default(16),
  /** Channels one stream may follow. */
  max_channels: z.number().int().positive().max(100).default(16),
  /** How long a stream trusts an answer to "may this viewer see that private project/issue?". */
  auth_cache_seconds: z.number().min(0).default(10),
  /** How often streams following something private check their access again (it also happens on access changes). */
  recheck_seconds: z.number().positive().default(60),
  /** The reconnection delay browsers are told (ms). */
  retry_ms: z.number().int().positive().default(3000),
  /** Serve streams from `pagurus serve` too (false: only from `pagurus sse`). */
  in_web: z.boolean().default(true),
});

type Options = z.output<typeof options>;

/** Whether this process serves streams. */
function streams(forge: ForgeApi, o: Options): boolean {
  const role: string = forge.role;
  return role === 'sse' || (role === 'web' && o.in_web);
}

export default definePlugin({
  name: 'sse',
  options,
  apply(forge, o) {
    let hub: Hub | undefined;
    forge.hooks.event.tapPromise('sse', async (event) => {
      const message = toMessage(event);
      if (message) await forge.pubsub.publish(PUBSUB_CHANNEL, message);
    });
    forge.hooks.templates.tap('sse', (registry) => registry.addDirectory(fileURLToPath(new URL('../', import.meta.url))));
    tapPanels(forge.hooks);
    forge.hooks.webRoutes.tap('sse', (router) => {
      streamRoutes(router, () => hub, forge.services, {
        maxPerAddress: o.max_connections_per_address,
        maxChannels: o.max_channels,
        authCacheMs: o.auth_cache_seconds * 1000,
        retryMs: o.retry_ms,
      });
    });
    forge.hooks.init.tap('sse', () => {
      if (!streams(forge, o)) return;
      hub = new Hub(forge.services, forge.log, {
        heartbeatMs: o.heartbeat_seconds * 1000,
        replaySize: o.replay_size,
        recheckMs: o.recheck_seconds * 1000,
      });
      hub.open(forge.pubsub);
    });
    // Before the server closes: it waits for open connections, and a stream never ends on its own.
    forge.hooks.stopping.tap('sse', () => hub?.close());
    forge.hooks.close.tap('sse', () => hub?.close());
  },
  commands(cli) {
    cli.command({
      name: 'sse',
      description: 'Serve live updates (GET /_sse/stream) in a process of their own',
      options: [
        { flags: '-p, --port <port>', description: 'the port to listen on', default: '8081' },
        { flags: '--host <host>', description: 'the address to listen on', default: '127.0.0.1' },
      ],
      async action(context) {
        const given = context.options;
        const port = Number(given.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new StartupError(`--port must be a port number, not ${String(given.port)}`);
        const booted = await context.boot({ role: 'sse', http: true });
        context.say(`live updates at ${await booted.listen(port, String(given.host))}/_sse/stream`);
      },
    });
  },
});
