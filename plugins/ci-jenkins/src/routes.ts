// Jenkins' "build finished" notification (the Notification plugin's JSON) at Pagure CI's URL,
// through the CI kit's callback (which checks the project and its token): a build number is
// required, and the build is read from Jenkins in a job, never in the request.
import { Invalid, type ForgeContext, type ProjectRecord, type ForgeApi } from '@pagurus/core';
import { RESULT_JOB, type ResultData } from './results.js';

export async function buildFinished(forge: ForgeApi, ctx: ForgeContext, project: ProjectRecord): Promise<void> {
  const build = ((ctx.request.body ?? {}) as { build?: { number?: unknown; phase?: unknown } }).build;
  const number = Number(build?.number);
  if (!Number.isSafeInteger(number) || number < 1) throw Invalid('EINVALIDREQ', { errors: { build: ['build.number: a build number'] } });
  const phase = typeof build?.phase === 'string' ? build.phase : 'FINALIZED';
  const data: ResultData = { projectId: project.id, number, phase };
  // Jenkins sends COMPLETED and FINALIZED: one job per build and phase.
  await forge.jobs.enqueue(RESULT_JOB, data, { key: `${RESULT_JOB}:${project.id}:${number}:${phase}` });
  ctx.body = {};
}
