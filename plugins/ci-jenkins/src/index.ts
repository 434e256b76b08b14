// @pagurus/plugin-ci-jenkins: Pagure CI. A project's admin points it at a Jenkins job; pull
// requests (and pushes to chosen branches) are built there, and the results show as flags
// on the pull request and the commit, through the same flag rows, events and pages as the
// flag API. The CI kit of core (defineCi) decides when to build and sets the flags; this
// plugin speaks Jenkins.
import { defineCi, definePlugin } from '@pagurus/core';
import { optionsSchema } from './options.js';
import { RESULT_JOB, Results, trigger, type ResultData } from './results.js';
import { buildFinished } from './routes.js';
import { configured, defineSettings } from './settings.js';

export default definePlugin({
  name: 'ci-jenkins',
  options: optionsSchema,
  apply(forge, options) {
    const settings = defineSettings(forge, options.flag_username);
    const ci = defineCi(forge, 'ci-jenkins', {
      flagUsername: options.flag_username,
      title: 'Jenkins',
      settings,
      configured,
      trigger: (_project, build, stored) => trigger(options, build, stored),
      triggerPhrases: options.trigger_phrases,
      // POST /api/0/ci/jenkins/<repo>/<pagure_ci_token>/build-finished, as Pagure CI's.
      callback: { service: 'jenkins', action: 'build-finished', handle: (ctx, project) => buildFinished(forge, ctx, project) },
      attempts: options.attempts,
      backoffMs: options.backoff_ms,
    });
    const results = new Results(forge, options, settings, ci);
    forge.hooks.jobs.tap('ci-jenkins', (registry) => {
      registry.define<ResultData>({
        name: RESULT_JOB,
        attempts: options.attempts,
        backoffMs: options.backoff_ms,
        run: (data, context) => results.run(data, context),
      });
    });
  },
});
