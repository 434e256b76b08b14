// @pagurus/plugin-distgit: what src.fedoraproject.org adds to a forge. The /_dg endpoints
// (monitoring, Bugzilla overrides, orphan, take and give, whether a package is retired),
// and the packager push policy.
import { definePlugin } from '@pagurus/core';
import { registerDgRoutes } from './dg-routes.js';
import { migrations } from './migrations.js';
import { optionsSchema } from './options.js';
import { Packages } from './packages.js';
import { registerPolicy } from './policy.js';

export { MONITORING_STATUSES, ORPHAN_REASONS } from './monitoring.js';
export type { DistgitOptions } from './options.js';

export default definePlugin({
  name: 'distgit',
  options: optionsSchema,
  migrations,
  apply(forge, options) {
    const packages = new Packages(forge, options);
    forge.hooks.mounts.tap('distgit', (mounts) => registerDgRoutes(mounts, packages));
    registerPolicy(forge, packages, options);
  },
});
