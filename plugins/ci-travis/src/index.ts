// @pagurus/plugin-ci-travis: Travis CI for Pagurus. A project's admin names the repository on
// Travis and gives an API token; pull requests (and pushes to chosen branches) are built
// there, and Travis' signed webhook notifications show as flags on the pull request and the
// commit. The CI kit of core (defineCi) decides when to build and sets the flags; this plugin
// speaks Travis.
import { defineCi, definePlugin } from '@pagurus/core';
import { NOTIFICATION_JOB, Notifications, type NotificationData } from './notifications.js';
import { optionsSchema } from './options.js';
import { notified } from './routes.js';
import { configured, defineSettings } from './settings.js';
import { WebhookKeys } from './signature.js';
import { trigger } from './trigger.js';

export default definePlugin({
  name: 'ci-travis',
  options: optionsSchema,
  apply(forge, options) {
    const settings = defineSettings(forge, options.flag_username);
    const ci = defineCi(forge, 'ci-travis', {
      flagUsername: options.flag_username,
      title: 'Travis CI',
      settings,
      configured,
      trigger: (_project, build, stored) => trigger(options, build, stored),
      triggerPhrases: options.trigger_phrases,
      // POST /api/0/ci/travis/<repo>/<pagure_ci_token>/notify, from .travis.yml's webhooks.
      callback: { service: 'travis', action: 'notify', handle: (ctx, project) => notified(forge, ctx, project) },
      attempts: options.attempts,
      backoffMs: options.backoff_ms,
    });
    const notifications = new Notifications(forge, settings, ci, new WebhookKeys(options.timeout_ms));
    forge.hooks.jobs.tap('ci-travis', (registry) => {
      registry.define<NotificationData>({
        name: NOTIFICATION_JOB,
        attempts: options.attempts,
        backoffMs: options.backoff_ms,
        run: (data, context) => notifications.run(data, context),
      });
    });
  },
});
