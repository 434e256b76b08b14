// The CI kit: what every CI plugin does the same way, built on the plugin surface alone. A
// plugin describes its service (how to start a build) and reports results; the kit decides
// when to build (pull requests opened, updated, rebased or reopened; pushes to the branches a
// project lists; a comment with a rebuild phrase; the Rebuild button), queues the trigger as
// a job with retries, sets the flags (pending once asked, an error saying why when the
// service stays unreachable), adds the pull-request panel, and requires the CI's flag before
// "merge when ready" merges when the project says so.
import { projectFullname, projectUrlPath, type ProjectRecord } from '../domain/index.js';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { NotFound, Unauthorized } from '../errors/index.js';
import { FinalJobError } from '../queue/index.js';
import { matchesAny } from '../services/access/fnmatch.js';
import type {
  ForgeApi,
  ForgeContext,
  ForgeEvent,
  JobContext,
  PluginSettingsHandle,
  SettingsField,
  SubscriberContext,
} from '../plugins/index.js';
import type { JobData } from '../queue/index.js';
import type { FlagStatus } from '../plugins/services.js';

/** The settings every CI plugin's projects have (its own come with them). */
export interface CiSwitches {
  /** Build pull requests into the project. */
  active_pr: boolean;
  /** Build pushes to these branches: names or patterns (`rawhide, f4*`), by commas or spaces. */
  active_commit: string;
  /** "Merge when ready" waits for this CI's flag to pass. */
  require_ci: boolean;
  /** Made by the forge: what the service calls back with (in the callback's URL). */
  pagure_ci_token: string;
}

/** The schema of the CiSwitches, to spread into a CI plugin's settings schema. */
export const ciSettingsShape = {
  active_pr: z.boolean().default(true),
  active_commit: z.string().trim().max(2000).default(''),
  require_ci: z.boolean().default(false),
  pagure_ci_token: z.string().default(''),
};

/** The settings page's fields of the CiSwitches, after the service's own. */
export function ciSettingsFields(flagUsername: string): SettingsField[] {
  return [
    { name: 'active_pr', label: 'Build pull requests', type: 'checkbox' },
    {
      name: 'active_commit',
      label: 'Build pushes to these branches',
      type: 'text',
      help: 'Branch names or patterns (rawhide, f4*), separated by commas or spaces.',
    },
    { name: 'require_ci', label: `Pull requests merge when ready only once ${flagUsername} passes`, type: 'checkbox' },
    { name: 'pagure_ci_token', label: 'Token', type: 'token', help: 'What the CI calls back with: part of the notification URL.' },
  ];
}

/** A CI plugin's options (spread into its options schema): the flag's name and how it calls the service. */
export function ciOptionsShape(flagUsername: string) {
  return {
    /** The name the flags show; what a project that requires the CI waits for. */
    flag_username: z.string().min(1).max(255).default(flagUsername),
    /** A pull-request comment that is one of these (case and spacing aside) builds it again, as Pagure's TRIGGER_CI. */
    trigger_phrases: z.array(z.string().min(1)).default(['pretty please pagure-ci rebuild']),
    /** How long one call to the service may take, in milliseconds. */
    timeout_ms: z.number().int().min(100).default(10_000),
    /** Tries of a trigger (or of a plugin's own jobs) before giving up. */
    attempts: z.number().int().min(1).max(20).default(5),
    /** The first retry waits this long, doubling after each. */
    backoff_ms: z.number().int().min(10).default(2_000),
  };
}

/**
 * The error for a service that refused to start a build with HTTP `status`: a refusal it
 * would repeat (a 4xx other than 408 and 429: a wrong token, user, job or repository) is a
 * FinalJobError, so the kit sets its error flag at once; anything else is tried again.
 */
export function triggerRefused(status: number, message: string): Error {
  return status >= 400 && status < 500 && status !== 408 && status !== 429 ? new FinalJobError(message) : new Error(message);
}

/** Compares two tokens in time that does not depend on where they differ; an empty one never matches. */
export function tokensMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && b.length > 0 && timingSafeEqual(a, b);
}

/** What a build is of, as the service is asked for it. */
export interface CiBuild {
  kind: 'pull-request' | 'push';
  /** The pull request's number, or the pushed commit: what Pagure CI sends as `cause`. */
  cause: string;
  /** The clone URL of the repository to build (a pull request's source). */
  repoUrl: string;
  /** The branch to build: the pull request's source branch, or the pushed branch. */
  branch: string;
  /** The pull request's target branch, or null for a push. */
  branchTo: string | null;
  /** The commit at the head of what is built. */
  commit: string;
  pullRequest: { id: number; title: string } | null;
}

/** Where a result goes: a pull request (its head), or a commit (and each open pull request whose head it is). */
export type CiTarget = { pullRequestId: number } | { commit: string };

export interface CiFlag {
  status: FlagStatus;
  comment: string;
  /** The build's page: an http(s) URL. */
  url: string;
  percent?: number | null;
}

export interface CiDefinition<S extends CiSwitches> {
  /** The flags' name ("Jenkins", "Travis CI"), and what a project that requires the CI waits for. */
  flagUsername: string;
  /** The panel's heading on pull requests. */
  title: string;
  /** The plugin's settings (forge.settings.define), with the CiSwitches among them. */
  settings: PluginSettingsHandle<S>;
  /** Whether the project has the service set up at all. */
  configured(settings: S): boolean;
  /**
   * Asks the service for the build; throw to have the job try again, or a FinalJobError for
   * a refusal that would come again (a wrong API token). Answers the URL the pending flag links to.
   */
  trigger(project: ProjectRecord, build: CiBuild, settings: S): Promise<{ url: string }>;
  /** A pull-request comment that is one of these (case and spacing aside) builds again. */
  triggerPhrases: readonly string[];
  /**
   * The service's callback: `POST /api/0/ci/<service>/<repo>/<pagure_ci_token>/<action>`
   * (the repo as Pagure's fullname: `pkg`, `rpms/pkg`, `forks/alice/rpms/pkg`). The kit
   * answers 404 `ENOPROJECT`, and 401 `EINVALIDTOK` for a wrong token (compared in constant
   * time) or a project without the CI set up; `handle` gets the rest: check the body, queue
   * a job (never call the service in the request), and set `ctx.body`.
   */
  callback?: {
    service: string;
    action: string;
    handle: (ctx: ForgeContext, project: ProjectRecord, settings: S) => Promise<void>;
  };
  attempts: number;
  backoffMs: number;
}

export interface CiHandle {
  /** Sets the CI's flag (one per commit: a later report updates it), as the project's main admin. */
  report(project: ProjectRecord, target: CiTarget, flag: CiFlag): Promise<void>;
}

/** What the trigger job carries: read from the event alone, decided in the job. */
interface TriggerData extends JobData {
  projectId: number;
  pullRequestId: number | null;
  branch: string | null;
  commit: string | null;
  /** A comment that may ask for a rebuild, who wrote it, and the pull request's author. */
  comment: string | null;
  agent: string | null;
  author: string | null;
}

const PR_TOPICS = ['pull-request.new', 'pull-request.updated', 'pull-request.rebased', 'pull-request.reopened'];
const NOTHING = { pullRequestId: null, branch: null, commit: null, comment: null, agent: null, author: null };
const normalized = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** Whether `branch` matches one of the names or patterns in `list` (fnmatch, as collaborators' branches: `*`, `?`, `[...]`). */
export function branchListed(list: string, branch: string): boolean {
  return matchesAny(branch, list.split(/[\s,]+/).filter(Boolean));
}

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

/**
 * Sets up a CI service for plugin `name` (call it from `apply`): the subscriber, the trigger
 * job (`<name>.trigger`), the requiredFlags tap, the pull-request panel and its Rebuild
 * button (`POST /<repo>/<name>/rebuild`, for committers). Answers the handle that reports results.
 */
export function defineCi<S extends CiSwitches>(forge: ForgeApi, name: string, ci: CiDefinition<S>): CiHandle {
  const triggerJob = `${name}.trigger`;
  const phrases = new Set(ci.triggerPhrases.map(normalized));

  const report: CiHandle['report'] = async (project, target, flag) => {
    const owner = await forge.services.users.byName(project.ownerName);
    if (!owner) return;
    const fields = { username: ci.flagUsername, uid: name.slice(0, 32), ...flag };
    if ('pullRequestId' in target) {
      const pr = await forge.services.pullRequests.get(project, target.pullRequestId);
      if (pr?.commitStop) await forge.services.flags.onPullRequest(owner, project, target.pullRequestId, fields);
      return;
    }
    // A commit's result shows on the pull requests whose head it is, and on the commit.
    const heads = await forge.services.pullRequests.openWithHead(project, target.commit);
    for (const pr of heads) await forge.services.flags.onPullRequest(owner, project, pr.id, fields);
    if (!heads.length) await forge.services.flags.onCommit(owner, project, target.commit, fields);
  };

  /** Whether the settings, and who asked, call for the build. */
  const wanted = async (project: ProjectRecord, settings: S, data: TriggerData): Promise<boolean> => {
    if (!ci.configured(settings)) return false;
    if (data.pullRequestId === null) return data.branch !== null && branchListed(settings.active_commit, data.branch);
    if (!settings.active_pr) return false;
    if (data.comment === null) return true;
    if (!phrases.has(normalized(data.comment)) || !data.agent) return false;
    if (data.agent === data.author) return true;
    const user = await forge.services.users.byName(data.agent);
    const viewer = user && (await forge.services.access.viewer(user));
    return Boolean(viewer && (await forge.services.access.has(viewer, project, 'commit')));
  };

  const buildOf = async (project: ProjectRecord, data: TriggerData): Promise<CiBuild | undefined> => {
    const url = (p: ProjectRecord) => `${forge.config.url.replace(/\/$/, '')}/${projectFullname(p)}.git`;
    if (data.pullRequestId === null) {
      return {
        kind: 'push',
        cause: data.commit ?? '',
        repoUrl: url(project),
        branch: data.branch ?? '',
        branchTo: null,
        commit: data.commit ?? '',
        pullRequest: null,
      };
    }
    const pr = await forge.services.pullRequests.get(project, data.pullRequestId);
    if (!pr || pr.status !== 'Open' || !pr.commitStop) return undefined;
    const source = pr.projectFromId === null ? undefined : await forge.services.projects.byId(pr.projectFromId);
    return {
      kind: 'pull-request',
      cause: String(pr.id),
      repoUrl: pr.remoteGit ?? url(source ?? project),
      branch: pr.branchFrom,
      branchTo: pr.branch,
      commit: pr.commitStop,
      pullRequest: { id: pr.id, title: pr.title },
    };
  };

  const trigger = async (data: TriggerData, context: JobContext): Promise<JobData> => {
    const project = await forge.services.projects.byId(data.projectId);
    if (!project) return { skipped: 'no such project' };
    const settings = await ci.settings.get(project);
    if (!(await wanted(project, settings, data))) return { skipped: 'not asked for by the settings' };
    const build = await buildOf(project, data);
    if (!build) return { skipped: 'the pull request is closed or has no commits' };
    const target: CiTarget = build.pullRequest ? { pullRequestId: build.pullRequest.id } : { commit: build.commit };
    let asked: { url: string };
    try {
      asked = await ci.trigger(project, build, settings);
    } catch (error) {
      // A refusal the service will repeat (FinalJobError) is not tried again.
      if (context.attempt < ci.attempts && !(error instanceof FinalJobError)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      context.log.error({ err: error, project: project.id, cause: build.cause }, `could not start a ${ci.flagUsername} build; giving up`);
      await report(project, target, { status: 'error', comment: `Could not start the build: ${reason}`, url: forge.config.url });
      return { failed: reason };
    }
    await report(project, target, { status: 'pending', comment: 'Build requested', url: asked.url });
    return { triggered: build.cause };
  };

  forge.events.subscribe({
    name,
    topics: [...PR_TOPICS, 'pull-request.comment.added', 'git.receive'],
    // The subscriber runs in the event log's transaction: it only queues; the job decides.
    handle: async (event: ForgeEvent, { trx }: SubscriberContext) => {
      const request = requestOf(event);
      if (request) await forge.jobs.enqueue(triggerJob, request, { trx, key: `${triggerJob}:${event.id}` });
    },
  });
  forge.hooks.jobs.tap(name, (registry) => {
    registry.define<TriggerData>({ name: triggerJob, attempts: ci.attempts, backoffMs: ci.backoffMs, run: trigger });
  });
  forge.hooks.requiredFlags.tapPromise(name, async (flags, { project }) => {
    const settings = await ci.settings.get(project);
    return settings.require_ci && ci.configured(settings) ? [...flags, ci.flagUsername] : flags;
  });
  forge.hooks.pullRequestView.tapPromise(name, async (panels, context) => {
    if (context.pullRequest.status !== 'Open') return panels;
    const project = await forge.services.projects.byId(context.project.id);
    if (!project) return panels;
    const settings = await ci.settings.get(project);
    if (!ci.configured(settings) || !settings.active_pr) return panels;
    const data = {
      ci: ci.flagUsername,
      required: settings.require_ci,
      action: `/${projectUrlPath(project)}/${name}/rebuild`,
      pullRequest: context.pullRequest.id,
      mayRebuild: context.can.commit,
    };
    return [...panels, { id: name, title: ci.title, partial: 'ci-panel', data }];
  });
  forge.hooks.projectWebRoutes.tap(name, (routes) => {
    routes.post(
      `/${name}/rebuild`,
      async (ctx, { project }) => {
        const id = Number((ctx.request.body as { pull_request?: unknown } | undefined)?.pull_request);
        const pr = Number.isSafeInteger(id) ? await forge.services.pullRequests.get(project, id) : undefined;
        if (!pr) throw NotFound('ENOREQ');
        const data: TriggerData = { ...NOTHING, projectId: project.id, pullRequestId: pr.id };
        await forge.jobs.enqueue(triggerJob, data);
        ctx.flash(`A new ${ci.flagUsername} build was requested`);
        ctx.redirect(`/${projectUrlPath(project)}/pull-request/${pr.id}`);
      },
      { level: 'commit' },
    );
  });
  if (ci.callback) {
    const { service, action, handle } = ci.callback;
    forge.hooks.apiRoutes.tap(name, (router) => {
      router.post(`/ci/${service}/*rest`, async (ctx) => {
        const rest = (ctx.params as { rest?: string | string[] }).rest;
        const path = Array.isArray(rest) ? rest.join('/') : (rest ?? '');
        const suffix = `/${action}`;
        const trimmed = path.replace(/\/$/, '');
        const cut = trimmed.endsWith(suffix) ? trimmed.slice(0, -suffix.length) : '';
        const at = cut.lastIndexOf('/');
        if (at < 1) throw NotFound('ENOCODE', `Not an endpoint of ${ci.flagUsername}`);
        const project = await forge.services.projects.find(decodeURIComponent(cut.slice(0, at)));
        if (!project) throw NotFound('ENOPROJECT');
        const settings = await ci.settings.get(project);
        if (!ci.configured(settings) || !tokensMatch(decodeURIComponent(cut.slice(at + 1)), settings.pagure_ci_token)) {
          throw Unauthorized('EINVALIDTOK');
        }
        await handle(ctx, project, settings);
      });
    });
  }
  return { report };
}
