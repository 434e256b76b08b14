// What the plugin does: events that call for a build queue a trigger job; Jenkins' "build
// finished" notification queues a result job, which reads the build from Jenkins and sets the
// flag. A CI server that is down or slow never holds up a request: both are jobs, retried
// with backoff, and a trigger that gives up sets an `error` flag saying why.
import {
  projectFullname,
  type FlagStatus,
  type ForgeApi,
  type ForgeEvent,
  type JobContext,
  type JobData,
  type PluginSettingsHandle,
  type ProjectRecord,
  type SubscriberContext,
} from '@pagurus/core';
import { JenkinsClient, JenkinsError, type BuildInfo } from './client.js';
import type { JenkinsOptions } from './options.js';
import { buildsBranch, configured, type JenkinsSettings } from './settings.js';

export const TRIGGER_JOB = 'ci-jenkins.trigger';
export const RESULT_JOB = 'ci-jenkins.result';
/** One flag per commit: a rebuild updates it. */
const FLAG_UID = 'ci-jenkins';

/** A build to start: a pull request's head, or a pushed commit of a branch. */
export type Target = { projectId: number; pullRequestId: number } | { projectId: number; branch: string; commit: string };
/**
 * What asks for a build, read from the event alone (the subscriber runs in the event log's
 * transaction, so it reads nothing else): the trigger job decides from the project's settings.
 */
export interface TriggerData extends JobData {
  projectId: number;
  /** A pull request's head... */
  pullRequestId: number | null;
  /** ...or a pushed commit of a branch (built only when the branch is listed). */
  branch: string | null;
  commit: string | null;
  /** A comment that may ask for a rebuild, with who wrote it and the pull request's author. */
  comment: string | null;
  agent: string | null;
  author: string | null;
}

const NOTHING = { pullRequestId: null, branch: null, commit: null, comment: null, agent: null, author: null };

/** The build a trigger is about. */
const targetOf = (data: TriggerData): Target =>
  data.pullRequestId !== null
    ? { projectId: data.projectId, pullRequestId: data.pullRequestId }
    : { projectId: data.projectId, branch: data.branch ?? '', commit: data.commit ?? '' };
export interface ResultData extends JobData {
  projectId: number;
  number: number;
  phase: string;
}

const PR_TOPICS = ['pull-request.new', 'pull-request.updated', 'pull-request.rebased', 'pull-request.reopened'];
export const TOPICS = [...PR_TOPICS, 'pull-request.comment.added', 'git.receive'];

const normalized = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** The trigger an event asks for, if any. */
function requestOf(event: ForgeEvent): TriggerData | undefined {
  const body = event.body as {
    pullrequest?: { id: number; project: { id: number }; user?: { name: string } };
    comment?: { comment: string };
    repo?: { id: number };
    branch?: string;
    end_commit?: string;
  };
  if (event.topic === 'git.receive') {
    if (!body.repo || !body.branch || !body.end_commit) return undefined;
    return { ...NOTHING, projectId: body.repo.id, branch: body.branch, commit: body.end_commit };
  }
  if (!body.pullrequest) return undefined;
  const target = { ...NOTHING, projectId: body.pullrequest.project.id, pullRequestId: body.pullrequest.id };
  if (PR_TOPICS.includes(event.topic)) return target;
  if (!body.comment) return undefined;
  return { ...target, comment: body.comment.comment, agent: event.agent, author: body.pullrequest.user?.name ?? null };
}

export class Builds {
  private readonly phrases: Set<string>;

  constructor(
    private readonly forge: ForgeApi,
    private readonly options: JenkinsOptions,
    private readonly settings: PluginSettingsHandle<JenkinsSettings>,
  ) {
    this.phrases = new Set(options.trigger_phrases.map(normalized));
  }

  private client(settings: JenkinsSettings): JenkinsClient {
    return new JenkinsClient(settings, this.options.timeout_ms);
  }

  /** The durable subscriber: an event that may call for a build queues the trigger job. */
  async record(event: ForgeEvent, { trx }: SubscriberContext): Promise<void> {
    const request = requestOf(event);
    if (request) await this.forge.jobs.enqueue(TRIGGER_JOB, request, { trx, key: `${TRIGGER_JOB}:${event.id}` });
  }

  /** Whether the project's settings, and who asked, call for the build. */
  private async wanted(project: ProjectRecord, settings: JenkinsSettings, data: TriggerData): Promise<boolean> {
    if (!configured(settings)) return false;
    if (data.pullRequestId === null) return data.branch !== null && buildsBranch(settings, data.branch);
    if (!settings.active_pr) return false;
    if (data.comment === null) return true;
    // A comment asks for a rebuild: its author's, or a committer's.
    const { comment, agent, author } = data;
    if (!this.phrases.has(normalized(comment)) || !agent) return false;
    if (agent === author) return true;
    const user = await this.forge.services.users.byName(agent);
    const viewer = user && (await this.forge.services.access.viewer(user));
    return Boolean(viewer && (await this.forge.services.access.has(viewer, project, 'commit')));
  }

  /** The trigger job: asks Jenkins for the build; after the last try, an error flag says why. */
  async trigger(data: TriggerData, context: JobContext): Promise<JobData> {
    const project = await this.forge.services.projects.byId(data.projectId);
    if (!project) return { skipped: 'no such project' };
    const settings = await this.settings.get(project);
    if (!(await this.wanted(project, settings, data))) return { skipped: 'not asked for by the settings' };
    const target = targetOf(data);
    const params = await this.paramsOf(project, target);
    if (!params) return { skipped: 'the pull request is gone or has no commits' };
    try {
      await this.client(settings).trigger(params);
    } catch (error) {
      if (!(error instanceof JenkinsError) || context.attempt < this.options.attempts) throw error;
      context.log.error({ err: error, project: project.id }, 'could not start a Jenkins build; giving up');
      await this.flag(project, target, { status: 'error', comment: `Could not start the build: ${error.message}`, url: jobUrl(settings) });
      return { failed: error.message };
    }
    await this.flag(project, target, { status: 'pending', comment: 'Build requested', url: jobUrl(settings) });
    return { triggered: params.cause ?? '' };
  }

  private async paramsOf(project: ProjectRecord, target: Target): Promise<Record<string, string> | undefined> {
    const url = (p: ProjectRecord) => `${this.forge.config.url.replace(/\/$/, '')}/${projectFullname(p)}.git`;
    if (!('pullRequestId' in target)) return { REPO: url(project), BRANCH: target.branch, BRANCH_TO: '', cause: target.commit };
    const pr = await this.forge.services.pullRequests.get(project, target.pullRequestId);
    if (!pr || pr.status !== 'Open' || !pr.commitStop) return undefined;
    const source = pr.projectFromId === null ? undefined : await this.forge.services.projects.byId(pr.projectFromId);
    return {
      REPO: pr.remoteGit ?? url(source ?? project),
      BRANCH: pr.branchFrom,
      BRANCH_TO: pr.branch,
      cause: String(pr.id),
    };
  }

  /** The result job: reads the build from Jenkins, and flags what it built. */
  async result(data: ResultData, context: JobContext): Promise<JobData> {
    const project = await this.forge.services.projects.byId(data.projectId);
    if (!project) return { skipped: 'no such project' };
    const settings = await this.settings.get(project);
    if (!configured(settings)) return { skipped: 'not configured' };
    const build = await this.client(settings).build(data.number);
    const target = targetOfBuild(data.projectId, build);
    if (!target) {
      context.log.warn(
        { project: project.id, build: data.number },
        'a Jenkins build names no pull request or commit of this project (cause)',
      );
      return { skipped: 'unknown cause' };
    }
    const [status, comment] = outcome(build, data.phase);
    await this.flag(project, target, {
      status,
      comment,
      url: build.url,
      percent: status === 'success' ? 100 : status === 'pending' ? null : 0,
    });
    return { status };
  }

  private async flag(
    project: ProjectRecord,
    target: Target,
    flag: { status: FlagStatus; comment: string; url: string; percent?: number | null },
  ): Promise<void> {
    const owner = await this.forge.services.users.byName(project.ownerName);
    if (!owner) return;
    const fields = { username: this.options.flag_username, uid: FLAG_UID, ...flag };
    if ('pullRequestId' in target) {
      const pr = await this.forge.services.pullRequests.get(project, target.pullRequestId);
      if (pr?.commitStop) await this.forge.services.flags.onPullRequest(owner, project, target.pullRequestId, fields);
    } else {
      await this.forge.services.flags.onCommit(owner, project, target.commit, fields);
    }
  }
}

const jobUrl = (s: JenkinsSettings) => `${s.ci_url.replace(/\/$/, '')}/job/${encodeURIComponent(s.ci_job)}/`;

/** What a build was for, from the `cause` parameter the trigger gave it. */
function targetOfBuild(projectId: number, build: BuildInfo): Target | undefined {
  const cause = build.parameters.cause ?? '';
  if (/^\d+$/.test(cause)) return { projectId, pullRequestId: Number(cause) };
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(cause)) return { projectId, branch: build.parameters.BRANCH ?? '', commit: cause };
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
