// @pagurus/plugin-distgit: what src.fedoraproject.org adds to a forge. The /_dg endpoints
// (monitoring, Bugzilla overrides, orphan, take and give, whether a package is retired),
// the packager push policy, and the extras files (/extras/pagure_poc.json, pagure_bz.json,
// pagure_owner_alias.json), and the lookaside cache (/repo/pkgs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { definePlugin, NotFound } from '@pagurus/core';
import { registerBugzillaTab } from './bugzilla.js';
import { registerDgRoutes } from './dg-routes.js';
import { Extras, EXTRAS_FILES, type ExtrasFile } from './extras.js';
import { migrations } from './migrations.js';
import { optionsSchema } from './options.js';
import { Packages } from './packages.js';
import { registerLookaside } from './lookaside.js';
import { LookasideStore } from './lookaside-store.js';
import { registerPages } from './pages.js';
import { registerPolicy } from './policy.js';
import { bumpExtras } from './store.js';

export { MONITORING_STATUSES, ORPHAN_REASONS } from './monitoring.js';
export type { DistgitOptions } from './options.js';

export default definePlugin({
  name: 'distgit',
  options: optionsSchema,
  migrations,
  apply(forge, options) {
    const packages = new Packages(forge, options);
    const extras = new Extras(forge, options);
    const lookaside = new LookasideStore(options.lookaside_dir ?? path.join(forge.config.dataDir, 'lookaside'));
    forge.hooks.mounts.tap('distgit', (mounts) => {
      registerDgRoutes(mounts, packages);
      registerLookaside(mounts, packages, lookaside, options.lookaside_max_mb * 1024 * 1024);
      // cgit's old clone URLs (/cgit/rpms/<pkg>.git), still in tools' configurations: git
      // follows the first redirect and talks to the new place from then on.
      const cgit = mounts.mount({ prefix: '/cgit', auth: 'none', body: 'raw', errors: 'api' });
      cgit.all(/^\/(.+)$/, (ctx) => {
        const rest = ctx.path.slice('/cgit'.length);
        // Never off this host: "//evil.example/x" would be a redirect to another one.
        if (rest.startsWith('//') || rest.includes('\\')) throw NotFound('ENOCODE', 'Not Found');
        const target = rest + (ctx.querystring ? `?${ctx.querystring}` : '');
        ctx.status = ctx.method === 'GET' || ctx.method === 'HEAD' ? 301 : 308;
        ctx.redirect(target);
      });
      const files = mounts.mount({ prefix: '/extras', auth: 'none', body: 'json', errors: 'api' });
      files.get('/:file', async (ctx) => {
        const file = ctx.params.file as ExtrasFile;
        if (!EXTRAS_FILES.includes(file)) throw NotFound('ENOCODE', `No such file: the extras are ${EXTRAS_FILES.join(', ')}`);
        const { body, etag } = await extras.get(file);
        ctx.set('ETag', etag);
        ctx.set('Cache-Control', 'no-cache');
        ctx.type = 'application/json';
        if (
          ctx
            .get('If-None-Match')
            .split(/\s*,\s*/)
            .includes(etag)
        ) {
          ctx.status = 304;
          return;
        }
        ctx.body = body;
      });
    });
    registerPolicy(forge, packages, options);
    registerBugzillaTab(forge, packages, options);
    registerPages(forge, packages, options);
    forge.hooks.templates.tap('distgit', (registry) => registry.addDirectory(fileURLToPath(new URL('..', import.meta.url))));

    // A new package starts on rawhide, with main as its alias, and without core's issue
    // tracker (its bugs live in Bugzilla).
    forge.hooks.newProject.tap('distgit', (plan, { namespace }) =>
      packages.isNamespace(namespace)
        ? {
            defaultBranch: options.initial_branch,
            aliases: Object.fromEntries(options.initial_aliases.map((alias) => [alias, options.initial_branch])),
            settings: { ...plan.settings, issue_tracker: false },
          }
        : plan,
    );

    // Changes of core that the extras show: owners (project.edit), access, new and deleted
    // projects. Moving the version in the cursor's transaction: exactly once.
    forge.events.subscribe({
      name: 'distgit-extras',
      topics: ['project.new', 'project.deleted', 'project.edit', 'project.user.*', 'project.group.*'],
      startAt: 'now',
      async handle(event, { trx }) {
        if (event.visibility.projectPrivate) return;
        await bumpExtras(trx);
      },
    });
  },
});
