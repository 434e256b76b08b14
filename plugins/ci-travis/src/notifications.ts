// Travis' webhook notifications, in a job: the signature is checked against Travis' public
// key, then the build's state is reported through the CI kit on the commit it built (the kit
// flags the open pull requests whose head it is, else the commit).
import {
  isForgeError,
  type CiHandle,
  type FlagStatus,
  type ForgeApi,
  type JobContext,
  type JobData,
  type PluginSettingsHandle,
} from '@pagurus/core';
import { configured, type TravisSettings } from './settings.js';
import type { WebhookKeys } from './signature.js';
import { repoPage } from './trigger.js';

export const NOTIFICATION_JOB = 'ci-travis.notification';

export interface NotificationData extends JobData {
  projectId: number;
  /** The `payload` form field, as received: the signed bytes. */
  payload: string;
  /** The `Signature` header: base64. */
  signature: string;
}

/** The keys of Travis' payload this plugin reads. */
interface Payload {
  number?: unknown;
  state?: unknown;
  build_url?: unknown;
  commit?: unknown;
}

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export class Notifications {
  constructor(
    private readonly forge: ForgeApi,
    private readonly settings: PluginSettingsHandle<TravisSettings>,
    private readonly ci: CiHandle,
    private readonly keys: WebhookKeys,
  ) {}

  /** The notification job: checks the signature, and reports the build's state. */
  async run(data: NotificationData, context: JobContext): Promise<JobData> {
    const project = await this.forge.services.projects.byId(data.projectId);
    if (!project) return { skipped: 'no such project' };
    const settings = await this.settings.get(project);
    if (!configured(settings)) return { skipped: 'not configured' };
    if (!(await this.keys.verify(settings.travis_url, data.payload, data.signature))) {
      context.log.warn({ project: project.id }, "a Travis notification's signature does not verify with Travis' key; flagged nothing");
      return { skipped: 'bad signature' };
    }
    const payload = parse(data.payload);
    const commit = typeof payload?.commit === 'string' ? payload.commit.toLowerCase() : '';
    if (!payload || !COMMIT.test(commit)) {
      context.log.warn({ project: project.id }, 'a Travis notification names no commit; flagged nothing');
      return { skipped: 'no commit' };
    }
    const [status, comment] = outcome(payload);
    try {
      await this.ci.report(
        project,
        { commit },
        {
          status,
          comment,
          url: typeof payload.build_url === 'string' && /^https?:\/\//.test(payload.build_url) ? payload.build_url : repoPage(settings),
          percent: status === 'success' ? 100 : status === 'pending' ? null : 0,
        },
      );
    } catch (error) {
      if (!isForgeError(error)) throw error;
      context.log.warn({ project: project.id, commit, err: error }, `a Travis build of a commit that could not be flagged (${error.code})`);
      return { skipped: error.code };
    }
    return { status };
  }
}

function parse(text: string): Payload | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The flag of a build: pending while Travis has it, then what Travis says of it. */
function outcome(payload: Payload): [FlagStatus, string] {
  const build = `Build #${typeof payload.number === 'string' || typeof payload.number === 'number' ? payload.number : '?'}`;
  const state = typeof payload.state === 'string' ? payload.state.toLowerCase() : '';
  switch (state) {
    case 'created':
    case 'received':
    case 'started':
    case 'queued':
      return ['pending', `${build} in progress`];
    case 'passed':
    case 'fixed':
      return ['success', `${build} passed`];
    case 'failed':
    case 'broken':
    case 'still failing':
      return ['failure', `${build} failed`];
    case 'canceled':
      return ['error', `${build} was canceled`];
    default:
      return ['error', `${build} ${state === 'errored' ? 'errored' : `ended ${state || 'without a state'}`}`];
  }
}
