// Travis' webhook notification, through the CI kit's callback (which checks the project and
// its token): a payload and a signature are required, and answered at once; the signature is
// verified, and the build reported, in a job, so a request never waits on Travis.
import { createHash } from 'node:crypto';
import { Invalid, type ForgeApi, type ForgeContext, type ProjectRecord } from '@pagurus/core';
import { NOTIFICATION_JOB, type NotificationData } from './notifications.js';

export async function notified(forge: ForgeApi, ctx: ForgeContext, project: ProjectRecord): Promise<void> {
  const payload = ((ctx.request.body ?? {}) as { payload?: unknown }).payload;
  const signature = ctx.get('Signature');
  if (typeof payload !== 'string' || !payload) throw Invalid('EINVALIDREQ', { errors: { payload: ["Travis' notification payload"] } });
  if (!signature) throw Invalid('EINVALIDREQ', { errors: { Signature: ['The Signature header'] } });
  const data: NotificationData = { projectId: project.id, payload, signature };
  // Travis may deliver a notification again: one job per signed payload.
  const digest = createHash('sha256').update(signature).update('\n').update(payload).digest('hex');
  await forge.jobs.enqueue(NOTIFICATION_JOB, data, { key: `${project.id}:${digest}` });
  ctx.body = {};
}
