// @pagurus/plugin-webhooks: Pagure's web-hooks. Every event of a project (public ones,
// unless the admin allows private projects) is POSTed, signed with the project's hook
// token, to each URL of its `Web-hooks` setting; from the durable event log, through the
// job queue, retried, and logged per delivery.
import { definePlugin, projectUrlPath, type JobData } from '@pagurus/core';
import { fileURLToPath } from 'node:url';
import { registerApi } from './api.js';
import { DRAIN_JOB, Engine, FANOUT_JOB } from './engine.js';
import { migrations } from './migrations.js';
import { optionsSchema } from './options.js';
import { registerPages } from './pages.js';

/** The package's directory: its templates/ are the plugin's pages. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export default definePlugin({
  name: 'webhooks',
  options: optionsSchema,
  migrations,
  apply(forge, options) {
    const engine = new Engine(forge, options);

    forge.events.subscribe({ name: 'webhooks', handle: (event, context) => engine.record(event, context) });

    forge.hooks.jobs.tap('webhooks', (registry) => {
      registry.define<JobData & { project: number }>({
        name: FANOUT_JOB,
        // One fan-out per project at a time keeps its deliveries in log order.
        lockKey: (data) => `webhooks.fanout:${data.project}`,
        attempts: 5,
        backoffMs: 1000,
        async run(data) {
          await engine.fanOut(data.project);
        },
      });
      registry.define<JobData & { url: string }>({
        name: DRAIN_JOB,
        // One drain per URL at a time, in any process: a URL gets one request at a time, in order.
        lockKey: (data) => `webhooks.drain:${data.url}`,
        // Retries of a delivery are the drain's own (per delivery); these cover a failing database.
        attempts: 3,
        backoffMs: 1000,
        async run(data) {
          return engine.drain(data.url);
        },
      });
    });

    forge.hooks.projectApiRoutes.tap('webhooks', (routes) => registerApi(routes, engine));
    forge.hooks.projectWebRoutes.tap('webhooks', (routes) => registerPages(routes, engine));
    forge.hooks.templates.tap('webhooks', (registry) => registry.addDirectory(PACKAGE_DIR));
    forge.hooks.projectSettingsLinks.tap('webhooks', (links, { project }) => {
      return [
        ...links,
        { id: 'webhooks', label: 'Web-hooks: URLs, token and deliveries', href: `/${projectUrlPath(project)}/settings/webhooks` },
      ];
    });

    forge.hooks.ready.tapPromise('webhooks', async ({ role }) => {
      // Servers and workers; the sweep only queues jobs, so a server without jobs of its own may run it too.
      if (role === 'web' || role === 'worker') engine.startSweeping();
    });
    forge.hooks.close.tapPromise('webhooks', async () => engine.close());
  },
});
