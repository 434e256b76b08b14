// Jenkins' side of Pagure CI: the trigger (buildWithParameters, with Pagure CI's parameters)
// and the result job, which reads a finished build from Jenkins and reports it through the CI
// kit. The kit decides when to build, retries, and sets the flags.
import type {
  CiBuild,
  CiHandle,
  CiTarget,
  FlagStatus,
  ForgeApi,
  JobContext,
  JobData,
  PluginSettingsHandle,
  ProjectRecord,
} from '@pagurus/core';
import { JenkinsClient, type BuildInfo } from './client.js';
import type { JenkinsOptions } from './options.js';
import { configured, type JenkinsSettings } from './settings.js';

export const RESULT_JOB = 'ci-jenkins.result';

export interface ResultData extends JobData {
  projectId: number;
  number: number;
  phase: string;
}

const jobUrl = (s: JenkinsSettings) => `${s.ci_url.replace(/\/$/, '')}/job/${encodeURIComponent(s.ci_job)}/`;

/** Starts the job's build of what the kit asks for, as python-jenkins' build_job does for Pagure. */
export async function trigger(options: JenkinsOptions, build: CiBuild, settings: JenkinsSettings): Promise<{ url: string }> {
  await new JenkinsClient(settings, options.timeout_ms).trigger({
    REPO: build.repoUrl,
    BRANCH: build.branch,
    BRANCH_TO: build.branchTo ?? '',
    cause: build.cause,
  });
  return { url: jobUrl(settings) };
}

export class Results {
  constructor(
    private readonly forge: ForgeApi,
    private readonly options: JenkinsOptions,
    private readonly settings: PluginSettingsHandle<JenkinsSettings>,
    private readonly ci: CiHandle,
  ) {}

  /** The result job: reads the build from Jenkins, and reports what it built. */
  async run(data: ResultData, context: JobContext): Promise<JobData> {
    const project: ProjectRecord | undefined = await this.forge.services.projects.byId(data.projectId);
    if (!project) return { skipped: 'no such project' };
    const settings = await this.settings.get(project);
    if (!configured(settings)) return { skipped: 'not configured' };
    const build = await new JenkinsClient(settings, this.options.timeout_ms).build(data.number);
    const target = targetOf(build);
    if (!target) {
      context.log.warn(
        { project: project.id, build: data.number },
        'a Jenkins build names no pull request or commit of this project (cause)',
      );
      return { skipped: 'unknown cause' };
    }
    const [status, comment] = outcome(build, data.phase);
    await this.ci.report(project, target, {
      status,
      comment,
      url: build.url,
      percent: status === 'success' ? 100 : status === 'pending' ? null : 0,
    });
    return { status };
  }
}

/** What a build was for, from the `cause` parameter the trigger gave it. */
function targetOf(build: BuildInfo): CiTarget | undefined {
  const cause = build.parameters.cause ?? '';
  if (/^\d+$/.test(cause)) return { pullRequestId: Number(cause) };
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(cause)) return { commit: cause };
  return undefined;
}

/** The flag of a build: pending while it runs, then what Jenkins says of it. */
function outcome(build: BuildInfo, phase: string): [FlagStatus, string] {
  if (build.result === null || build.building || phase === 'STARTED') return ['pending', `Build #${build.number} in progress`];
  switch (build.result) {
    case 'SUCCESS':
      return ['success', `Build #${build.number} successful`];
    case 'FAILURE':
    case 'UNSTABLE':
      return ['failure', `Build #${build.number} failed${build.result === 'UNSTABLE' ? ' (unstable)' : ''}`];
    default:
      return ['error', `Build #${build.number} ${build.result === 'ABORTED' ? 'was aborted' : `ended ${build.result}`}`];
  }
}
