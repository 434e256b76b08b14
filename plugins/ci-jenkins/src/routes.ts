// What the plugin answers: Jenkins' "build finished" notification at Pagure CI's URL, and,
// on a pull request's page, a panel with a Rebuild button for those with commit access.
import { timingSafeEqual } from 'node:crypto';
import { Invalid, NotFound, projectUrlPath, Unauthorized, type ForgeApi, type PluginSettingsHandle } from '@pagurus/core';
import { RESULT_JOB, TRIGGER_JOB, type ResultData, type TriggerData } from './builds.js';
import { configured, type JenkinsSettings } from './settings.js';

/** Compares two tokens in time that does not depend on where they differ. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && b.length > 0 && timingSafeEqual(a, b);
}

export function registerRoutes(forge: ForgeApi, settings: PluginSettingsHandle<JenkinsSettings>): void {
  // POST /api/0/ci/jenkins/<repo path>/<pagure_ci_token>/build-finished (the repo path as
  // Pagure's fullname: "pkg", "rpms/pkg", "forks/alice/rpms/pkg").
  forge.hooks.apiRoutes.tap('ci-jenkins', (router) => {
    router.post('/ci/jenkins/*rest', async (ctx) => {
      const rest = (ctx.params as { rest?: string | string[] }).rest;
      const match = /^(.+)\/([^/]+)\/build-finished\/?$/.exec(Array.isArray(rest) ? rest.join('/') : (rest ?? ''));
      if (!match) throw NotFound('ENOCODE', 'Not an endpoint of Pagure CI');
      const [fullname, token] = [match[1]!, match[2]!];
      const project = await forge.services.projects.find(decodeURIComponent(fullname));
      if (!project) throw NotFound('ENOPROJECT');
      const stored = await settings.get(project);
      if (!configured(stored) || !sameToken(decodeURIComponent(token), stored.pagure_ci_token)) throw Unauthorized('EINVALIDTOK');
      const build = ((ctx.request.body ?? {}) as { build?: { number?: unknown; phase?: unknown } }).build;
      const number = Number(build?.number);
      if (!Number.isSafeInteger(number) || number < 1)
        throw Invalid('EINVALIDREQ', { errors: { build: ['build.number: a build number'] } });
      const phase = typeof build?.phase === 'string' ? build.phase : 'FINALIZED';
      const data: ResultData = { projectId: project.id, number, phase };
      // Jenkins sends COMPLETED and FINALIZED: one job per build and phase.
      await forge.jobs.enqueue(RESULT_JOB, data, { key: `${RESULT_JOB}:${project.id}:${number}:${phase}` });
      ctx.body = {};
    });
  });

  forge.hooks.templates.tap('ci-jenkins', (registry) => registry.addDirectory(new URL('..', import.meta.url).pathname));

  forge.hooks.pullRequestView.tapPromise('ci-jenkins', async (panels, context) => {
    if (context.pullRequest.status !== 'Open') return panels;
    const project = await forge.services.projects.byId(context.project.id);
    if (!project) return panels;
    const stored = await settings.get(project);
    if (!configured(stored) || !stored.active_pr) return panels;
    return [
      ...panels,
      {
        id: 'ci-jenkins',
        title: 'Jenkins',
        partial: 'ci-jenkins/panel',
        data: {
          job: stored.ci_job,
          required: stored.require_ci,
          action: `/${projectUrlPath(project)}/ci-jenkins/rebuild`,
          pullRequest: context.pullRequest.id,
          mayRebuild: context.can.commit,
        },
      },
    ];
  });

  forge.hooks.projectWebRoutes.tap('ci-jenkins', (routes) => {
    routes.post(
      '/ci-jenkins/rebuild',
      async (ctx, { project }) => {
        const id = Number((ctx.request.body as { pull_request?: unknown } | undefined)?.pull_request);
        const pr = Number.isSafeInteger(id) ? await forge.services.pullRequests.get(project, id) : undefined;
        if (!pr) throw NotFound('ENOREQ');
        const data: TriggerData = {
          projectId: project.id,
          pullRequestId: pr.id,
          branch: null,
          commit: null,
          comment: null,
          agent: null,
          author: null,
        };
        await forge.jobs.enqueue(TRIGGER_JOB, data);
        ctx.flash('A new Jenkins build was requested');
        ctx.redirect(`/${projectUrlPath(project)}/pull-request/${pr.id}`);
      },
      { level: 'commit' },
    );
  });
}
