// @pagurus/plugin-ci-jenkins: Pagure CI. A project's admin points it at a Jenkins job; pull
// requests (and pushes to chosen branches) are built there, and the results show as flags
// on the pull request and the commit, through the same flag rows, events and pages as the
// flag API. A project can require the build to pass before "merge when ready" merges.
import { definePlugin } from '@pagurus/core';
import { Builds, RESULT_JOB, TOPICS, TRIGGER_JOB, type ResultData, type TriggerData } from './builds.js';
import { optionsSchema } from './options.js';
import { registerRoutes } from './routes.js';
import { defineSettings } from './settings.js';

export default definePlugin({
  name: 'ci-jenkins',
  options: optionsSchema,
  apply(forge, options) {
    const settings = defineSettings(forge);
    const builds = new Builds(forge, options, settings);
    forge.events.subscribe({ name: 'ci-jenkins', topics: TOPICS, handle: (event, context) => builds.record(event, context) });
    forge.hooks.jobs.tap('ci-jenkins', (registry) => {
      const retry = { attempts: options.attempts, backoffMs: options.backoff_ms };
      registry.define<TriggerData>({ name: TRIGGER_JOB, ...retry, run: (data, context) => builds.trigger(data, context) });
      registry.define<ResultData>({ name: RESULT_JOB, ...retry, run: (data, context) => builds.result(data, context) });
    });
    forge.hooks.requiredFlags.tapPromise('ci-jenkins', async (flags, { project }) => {
      const stored = await settings.get(project);
      return stored.require_ci && stored.ci_url && stored.ci_job ? [...flags, options.flag_username] : flags;
    });
    registerRoutes(forge, settings);
  },
});
