/// <reference types="@koa/bodyparser" preserve="true" />
// The types a plugin works with: what `apply` receives, what hooks carry, and the
// registries it fills. Implementations live in higher layers; plugins see only these.
import type Router from '@koa/router';
import type { Knex } from 'knex';
import type { ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { AccessLevel, ProjectRecord, ProjectRef, PullRequestRecord, TokenAcl, UserRecord, UserRef } from '../domain/index.js';
import type { JobData, PubSub, TaskStatus } from '../queue/index.js';
import type { EventBody, EventTopic, ForgeEvent } from './events.js';
import type { ForgeGitApi } from './git-contracts.js';
import type { ForgeServices } from './services.js';
import type { PluginSettingsApi } from './settings-contracts.js';

/** What a process of the forge is for: core's roles, or a plugin command's own ("milter", "sse"). */
export type ProcessRole = 'web' | 'worker' | 'cli' | (string & {});

/** The API token a request came with, once checked. */
export interface RequestToken {
  id: number;
  acls: readonly TokenAcl[];
  /** The project it is bound to, or null for a user token. */
  projectId: number | null;
}

/** Request-scoped data, on `ctx.state`. */
export interface ForgeState {
  requestId: string;
  log: Logger;
  /** Who is asking (from a valid API token, or a browser session); null for anonymous requests. */
  user: UserRecord | null;
  /** The API token, when the request carried a valid one. */
  token: RequestToken | null;
  /** Why the token the request carried was refused ("Invalid token", "Expired token"), if it was. */
  tokenProblem: string | null;
  /** For pages: the value every state-changing form must send back as `csrf_token`. */
  csrfToken: string;
  /** For pages: the browser session, when someone is logged in. */
  sessionId: string | null;
}

/** What route handlers get: Koa's context plus page rendering with the active theme. */
export interface ForgeContextExtras {
  /** Renders template `name` inside the layout and sends it as HTML. */
  render(name: string, data?: Record<string, unknown>): Promise<void>;
  /**
   * Pages (with a session): a confirmation the next page shows once, after a redirect
   * ("Monitoring set"); nothing without a session.
   */
  flash(text: string): void;
}

export type ForgeContext = ParameterizedContext<ForgeState, ForgeContextExtras>;
export type ForgeRouter = Router<ForgeState, ForgeContextExtras>;

// ---- jobs ----

export interface JobContext {
  /** The task id, as /api/0/task/<id>/status knows it. */
  id: string;
  /** 1 for the first run. */
  attempt: number;
  log: Logger;
}

export interface JobDefinition<D extends JobData = JobData> {
  /** Unique; a plugin's jobs start with its name: "distgit.sync-extras". */
  name: string;
  run(data: D, context: JobContext): Promise<JobData | void>;
  /**
   * Jobs with the same key never run at once, in any process: return the repository's
   * path for jobs that write to it.
   */
  lockKey?(data: D): string | undefined;
  /** Runs in all, first included (default 3). */
  attempts?: number;
  /** Delay before the first retry, doubling after each (default 1000 ms). */
  backoffMs?: number;
  /**
   * Which waiting jobs a worker takes first (default 'normal'): 'high' for jobs a client
   * waits on (merges, new projects, forks), 'low' for upkeep that can lag (refreshes, gc).
   * Jobs of the same priority run in the order they were queued.
   */
  priority?: JobPriority;
  /**
   * The job must run even if the queue loses it (Redis without persistence restarted, the
   * embedded queue's process died): each one queued is written to the database first (with
   * the caller's transaction, when it gives one) and crossed out when it finishes; the
   * forge's processes that run jobs queue those left over again. Its `run` must be safe to
   * run again (every job's must, for retries).
   */
  durable?: boolean;
}

export type JobPriority = 'high' | 'normal' | 'low';

export interface JobRegistry {
  define<D extends JobData>(definition: JobDefinition<D>): void;
}

export interface EnqueuedTask {
  id: string;
}

export interface EnqueueJobOptions {
  /** Queue the job only once this transaction commits (never if it rolls back). */
  trx?: Knex.Transaction;
  /**
   * An idempotency key: while a job with the same key is queued, running or recently
   * finished, enqueuing it again does nothing and answers the first one's task. Durable
   * subscribers pass one derived from the event (`mail:<sequence>:<address>`), so a replayed
   * event does not queue its work twice.
   */
  key?: string;
  /**
   * Run the job no sooner than this many milliseconds from now (it waits in the queue, and
   * counts as pending). With `key`, the first enqueue's delay stands.
   */
  delayMs?: number;
}

export interface JobQueueApi {
  /**
   * Queues a job by name. Passing a transaction queues it only once that commits; the answer
   * is then the task it will be when the job has a `key` or is durable (else undefined).
   */
  enqueue(name: string, data: JobData, options?: EnqueueJobOptions): Promise<EnqueuedTask | undefined>;
  /** The task's status once finished or after `timeoutMs`; undefined if unknown. */
  wait(id: string, timeoutMs: number): Promise<TaskStatus | undefined>;
  status(id: string): Promise<TaskStatus | undefined>;
}

// ---- events ----

export interface EmitOptions {
  /** The user who caused it (Pagure's `agent`). */
  agent?: string | null;
  /** The project the event is about: its id and whether it is private. Null or absent for instance-wide events. */
  project?: { id: number; private: boolean } | null;
  /** The event is about a private issue (of a public or private project). */
  issuePrivate?: boolean;
}

export interface EventsApi {
  /**
   * Records an event inside `trx`: a row of the event log, written in the same transaction
   * as the change it describes. The `event` hook sees it after the commit, and durable
   * subscribers read it from the log; a rollback leaves no trace. Outside a transaction
   * (pass the knex instance) it is written and delivered at once. Every event carries its
   * visibility (pass `project` and `issuePrivate`): listeners decide what may leave the forge.
   */
  emit<T extends EventTopic | (string & {})>(
    trx: Knex | Knex.Transaction,
    topic: T,
    body: EventBody<T>,
    options?: EmitOptions,
  ): Promise<ForgeEvent<T>>;
  /**
   * Registers a durable subscriber (call it from `apply`, in every process). Worker
   * processes (the server, embedded) feed it every event of the log after its cursor.
   */
  subscribe(subscriber: DurableSubscriber): void;
  /** Moves a subscriber's cursor so that it receives again every event after `sequence` (0: the whole log kept). */
  replay(name: string, afterSequence: number): Promise<void>;
}

export interface SubscriberContext {
  /**
   * The transaction that advances the subscriber's cursor past this event: rows written
   * with it commit together with the cursor, exactly once.
   */
  trx: Knex.Transaction;
  /** 1 for the first try of this event, 2 after one failure, ... */
  attempt: number;
  log: Logger;
}

/**
 * Reads the event log with its own cursor, at least once per event, in log order (which
 * is commit order for the events of one project), across restarts and crashes of any
 * process. A throw retries the same event after a backoff; the subscriber's later events
 * wait, other subscribers do not. Handlers must be idempotent: after a crash an event may
 * come again. Slow or remote work belongs in a job (enqueue with a `key`), not here.
 */
export interface DurableSubscriber {
  /** Unique; a plugin's subscribers start with its name ("webhooks", "msgbus.amqp"). The cursor is kept under it. */
  name: string;
  /** Only these topics (exact names, or a prefix ending in "*": "issue.*"); every topic when absent. */
  topics?: readonly string[];
  /**
   * Where a subscriber that has never run starts: 'now' (the default: only events recorded
   * from its first start on) or 'beginning' (every event still kept in the log).
   */
  startAt?: 'now' | 'beginning';
  handle(event: ForgeEvent, context: SubscriberContext): Promise<void>;
}

// ---- pages ----

export interface TemplateRegistry {
  /** A page template, rendered inside the layout. Plugins prefix names with their own: "distgit/monitoring". */
  addTemplate(name: string, source: string): void;
  addPartial(name: string, source: string): void;
  /** Adds `<dir>/templates/**\/*.hbs` as templates and `<dir>/partials/**\/*.hbs` as partials, named by relative path, and `<dir>/static/**` as static files (the {{asset "name"}} helper gives their URL). */
  addDirectory(dir: string): void;
  addHelper(name: string, helper: (...args: never[]) => unknown): void;
}

export interface NavLink {
  /** Stable identifier, so later plugins can find and move a link. */
  id: string;
  label: string;
  href: string;
}

export interface NavContext {
  viewer: UserRef | null;
  /** The path of the page being rendered. */
  path: string;
}

/** A box a plugin adds to a page's sidebar: its title and a partial (the plugin's own) rendered with `data`. */
export interface PagePanel {
  /** Stable identifier, so later plugins can find, move or drop a panel. */
  id: string;
  title: string;
  /** A partial the plugin registered through the templates hook, such as "distgit/monitoring". */
  partial: string;
  data?: Record<string, unknown>;
}

export interface ProjectViewContext {
  viewer: UserRef | null;
  project: ProjectRef;
  /** The project is private (only those with access see it). */
  private: boolean;
  /** The project's settings, Pagure's keys with their defaults filled in ("project_documentation": true). */
  settings: Readonly<Record<string, boolean | number | string | null>>;
  /** The viewer's rights on the project. */
  can: { admin: boolean; commit: boolean; ticket: boolean };
}

/** A mark beside a branch on the branches page ("retired", "EOL"). */
export interface BranchBadge {
  label: string;
  /** How it looks: 'muted' (a branch no longer used), 'warn', 'ok'; plain when absent. */
  tone?: 'muted' | 'warn' | 'ok';
}

/** What the `branchBadges` hook knows: the project and the branches the page shows. */
export interface BranchBadgesContext extends ProjectViewContext {
  branches: Array<{ name: string; commit: string }>;
}

/** How a new project starts, as the `newProject` hook's taps shape it. */
export interface NewProjectPlan {
  /** The branch its repository starts on (HEAD, and the README's branch): what was asked, or the forge's default. */
  defaultBranch: string;
  /** Branch aliases made with the repository, alias → branch ({ main: "rawhide" }): symbolic refs, as git/alias/new makes them. */
  aliases: Record<string, string>;
  /** Project options it starts with, over the defaults, by Pagure's names ({ issue_tracker: false }); unknown names are refused. */
  settings: Record<string, boolean | number | string | null>;
}

/** What the `newProject` hook knows of the project being made. */
export interface NewProjectContext {
  /** Who makes it. */
  user: UserRef;
  name: string;
  namespace: string | null;
  private: boolean;
}

export interface PullRequestViewContext extends ProjectViewContext {
  pullRequest: { id: number; title: string; status: string };
}

/** What the `requiredFlags` hook is asked about: the pull request whose merge waits. */
export interface RequiredFlagsContext {
  project: ProjectRecord;
  pullRequest: PullRequestRecord;
}

export interface IssueViewContext extends ProjectViewContext {
  issue: { id: number; title: string; status: string; private: boolean };
}

// ---- policy ----

export interface PushCheck {
  /**
   * Who pushes; null only for the forge's own writes. For a project's deploy key this is
   * its name, `deploykey_<project>_<id>`, which is no user's: `deployKey` is then set.
   */
  user: UserRef | null;
  /** Set when a project's deploy key pushes (a key with push access, which commits as a committer would). */
  deployKey?: { id: number };
  project: ProjectRef;
  /** Full ref name: refs/heads/main. */
  ref: string;
  oldRev: string;
  newRev: string;
  /**
   * Whether the update rewrites history: the ref exists, stays, and its new commit does not
   * contain the old one (a forced push, or a write that drops commits). Asked of git once,
   * when called; false for creations and deletions. It sees a push's quarantined commits.
   */
  forced(): Promise<boolean>;
}

/** A grant about to be given or changed on a project, as the canGrant hook sees it. */
export interface GrantCheck {
  /** Who gives it (an admin of the project). */
  user: UserRef;
  project: ProjectRef;
  /** A user's grant, or a group's. */
  kind: 'user' | 'group';
  /** The user's or the group's name. */
  name: string;
  /** The level given. */
  level: 'ticket' | 'collaborator' | 'commit' | 'admin';
  /** For collaborators: their branch patterns. */
  branches: string[];
}

/** One ref a push moved, as the pushed hook sees it. */
export interface PushedRef {
  /** Full ref name: refs/heads/main. */
  ref: string;
  oldRev: string;
  newRev: string;
  created: boolean;
  deleted: boolean;
  /** The old commit is not an ancestor of the new one. */
  forced: boolean;
  /** Commits the update brought, newest first (Pagure's rules: for a new branch, those not on the default branch). */
  commits: string[];
}

/** A push that landed: its refs already moved. */
export interface PushSummary {
  /** Who pushed: a user, or for a deploy key its name `deploykey_<project>_<id>` (then `deployKey` is set). */
  user: UserRef;
  /** Set when a project's deploy key pushed. */
  deployKey?: { id: number };
  project: ProjectRef;
  /** The repository's default branch (HEAD), if it has one. */
  defaultBranch: string | undefined;
  refs: PushedRef[];
}

/** A veto: `message` is shown to the user (in git's push output, say). */
export interface Refusal {
  message: string;
}

export interface AccessCheck {
  user: UserRef;
  project: ProjectRef;
  /** The level the action needs. */
  level: AccessLevel;
  /** For pushes and hascommit: the branch, without refs/heads/. */
  branch?: string;
  /** What core's rules give the user on this project (owner, direct and group grants). */
  granted: AccessLevel | null;
}

// ---- the forge, as a plugin sees it ----

export interface ForgeApi {
  readonly hooks: import('./hooks.js').ForgeHooks;
  readonly config: Readonly<Config>;
  /** A logger naming the plugin. */
  readonly log: Logger;
  /** The forge's database; plugins keep their own tables, prefixed with their name. */
  readonly db: Knex;
  readonly events: EventsApi;
  readonly jobs: JobQueueApi;
  /** Core's domain, for plugins: find projects and users, check access, comment, flag, render Markdown. */
  readonly services: ForgeServices;
  readonly pubsub: PubSub;
  readonly role: ProcessRole;
  /** Reads of projects' repositories (blobs, trees, logs, branches) and their write lock. */
  readonly git: ForgeGitApi;
  /** The plugin's per-project settings: a schema, a section of the settings page, an API. */
  readonly settings: PluginSettingsApi;
  /** Ways to log in a plugin brings (a button on the login page), and opening a session for someone it proved. */
  readonly auth: import('./auth-contracts.js').ForgeAuthApi;
  /**
   * A 32-byte key for `purpose` (an HMAC key for reply addresses, say), derived from the
   * instance secret and bound to the plugin: the same in every process of the instance, never
   * the secret itself, and another plugin's keys cannot be had.
   */
  secretKey(purpose: string): Buffer;
  /** The version of @pagurus/core. */
  readonly coreVersion: string;
}
