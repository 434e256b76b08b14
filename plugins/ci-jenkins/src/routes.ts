// Jenkins' "build finished" notification, at Pagure CI's URL: checked (the project, its token
// in constant time, a build number) and answered at once; the build is read in a job.
import { timingSafeEqual } from 'node:crypto';
import { Invalid, NotFound, Unauthorized, type ForgeApi, type PluginSettingsHandle } from '@pagurus/core';
import { RESULT_JOB, type ResultData } from './results.js';
import { configured, type JenkinsSettings } from './settings.js';

/** Compares two tokens in time that does not depend on where they differ. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && b.length > 0 && timingSafeEqual(a, b);
}

export function registerCallback(forge: ForgeApi, settings: PluginSettingsHandle<JenkinsSettings>): void {
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
}
