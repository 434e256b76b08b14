// The hook catalogue: every extension point of the core, in one frozen object.
// Plugins tap them with their own name: forge.hooks.canPush.tapPromise('distgit', fn).
import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook, SyncWaterfallHook } from 'tapable';
import type {
  AccessCheck,
  BranchBadge,
  BranchBadgesContext,
  ForgeApi,
  ForgeRouter,
  GrantCheck,
  JobRegistry,
  IssueViewContext,
  PullRequestViewContext,
  NavContext,
  NavLink,
  NewProjectContext,
  NewProjectPlan,
  PagePanel,
  ProcessRole,
  PushCheck,
  ProjectViewContext,
  PushSummary,
  Refusal,
  RequiredFlagsContext,
  TemplateRegistry,
} from './contracts.js';
import type { UserRef } from '../domain/index.js';
import type { LogoutContext } from './auth-contracts.js';
import type { ForgeEvent } from './events.js';
import type { Mail, NotificationMailContext } from './mail-contracts.js';
import type { MountRegistry, ProjectApiRoutes, ProjectPageRoutes } from './route-contracts.js';

export function createHooks() {
  return Object.freeze({
    // ---- lifecycle ----

    /** After every plugin is applied and every job registered, before serving: open connections, check remote services. */
    init: new AsyncSeriesHook<[ForgeApi]>(['forge']),
    /** The process is serving requests (web) or taking jobs (worker). */
    ready: new AsyncSeriesHook<[{ forge: ForgeApi; role: ProcessRole }]>(['context']),
    /** The process is about to stop serving: end long-lived responses (event streams) so the server can close. Runs before `close`. */
    stopping: new AsyncSeriesHook<[ForgeApi]>(['forge']),
    /** The process is stopping: close what `init` opened. Errors are logged, never stop the shutdown. */
    close: new AsyncSeriesHook<[ForgeApi]>(['forge']),

    // ---- registration (sync, once per process, before init) ----

    /** Define job handlers by name; they run in worker processes (in the server, embedded). */
    jobs: new SyncHook<[JobRegistry]>(['registry']),
    /** Add endpoints under /api/0; the router's paths are relative to it. */
    apiRoutes: new SyncHook<[ForgeRouter]>(['router']),
    /** Add pages; render them with ctx.render(template, data). */
    webRoutes: new SyncHook<[ForgeRouter]>(['router']),
    /** Add /api/0 endpoints under all four project path forms, the project resolved and the viewer's access known. */
    projectApiRoutes: new SyncHook<[ProjectApiRoutes]>(['routes']),
    /** Add pages under all four project path forms (/<repo>/..., /fork/<user>/<ns>/<repo>/...), the project resolved. */
    projectWebRoutes: new SyncHook<[ProjectPageRoutes]>(['routes']),
    /** Add routers outside /api/0 under a prefix of their own (/_dg, /repo/pkgs), each choosing its auth, body and error format. */
    mounts: new SyncHook<[MountRegistry]>(['mounts']),
    /** Add templates, partials and helpers. The theme's files override them by name. */
    templates: new SyncHook<[TemplateRegistry]>(['registry']),

    // ---- policy (bail: the first tap to answer decides) ----

    /** Veto one ref update of a push, after core's access rules allowed it. Return a Refusal, or undefined to pass. */
    canPush: new AsyncSeriesBailHook<[PushCheck], Refusal | undefined>(['check']),
    /**
     * Decide a permission check on a project: true grants, false refuses, undefined leaves
     * it to core's rules (check.granted). Dist-git's provenpackagers get commit access here.
     * Listings and visibility do not consult it.
     */
    canAccess: new AsyncSeriesBailHook<[AccessCheck], boolean | undefined>(['check']),

    /**
     * Veto a grant before it is given or changed (removals are never asked): a Refusal's
     * message is the answer (400). Dist-git gives commit access to packagers only.
     */
    canGrant: new AsyncSeriesBailHook<[GrantCheck], Refusal | undefined>(['check']),

    // ---- shaping (waterfall: each tap returns the value, changed or not) ----

    /**
     * The flags (by their `username`, as the flag API names the reporter) that must report
     * `success` on a pull request's head before "merge when ready" merges it. Start from the
     * list and add yours: a CI plugin adds its own name when the project requires its CI.
     * With none required, every flag on the head must pass, and at least one must be there.
     */
    requiredFlags: new AsyncSeriesWaterfallHook<[string[], RequiredFlagsContext]>(['flags', 'context']),

    /**
     * How a new project (not a fork) starts: its default branch, branch aliases made with its
     * repository, and options over the defaults. Runs before anything is written; dist-git
     * starts packages on rawhide, with main as its alias and the issue tracker off.
     */
    newProject: new AsyncSeriesWaterfallHook<[NewProjectPlan, NewProjectContext]>(['plan', 'context']),

    // ---- views (waterfall: each tap returns the value, changed or not) ----

    /** The links of the site navigation, for every page. */
    navLinks: new AsyncSeriesWaterfallHook<[NavLink[], NavContext]>(['links', 'context']),
    /**
     * The tabs of a project's pages (Overview, Files, Commits, Branches, Issues, Pull requests,
     * Settings), `{ id, label, href }`: add, remove or point one elsewhere (dist-git's Issues
     * tab goes to Bugzilla). Synchronous, on every project page: decide from the project and
     * the config, never the database.
     */
    projectTabs: new SyncWaterfallHook<[NavLink[], ProjectViewContext]>(['tabs', 'context']),
    /**
     * Marks beside branches on the branches page, by branch name (dist-git marks the retired
     * ones). Asked for the branches of the page shown, never the whole list.
     */
    branchBadges: new AsyncSeriesWaterfallHook<[Record<string, BranchBadge[]>, BranchBadgesContext]>(['badges', 'context']),
    /** The panels of a project's overview sidebar (Koji builds, Bodhi updates, Anitya monitoring...). */
    projectView: new AsyncSeriesWaterfallHook<[PagePanel[], ProjectViewContext]>(['panels', 'context']),
    /** The panels of an issue's sidebar (Bugzilla links, for instance). */
    issueView: new AsyncSeriesWaterfallHook<[PagePanel[], IssueViewContext]>(['panels', 'context']),
    /** Links to a plugin's own pages of a user's settings (mail preferences...), listed at the top of /settings. */
    userSettingsLinks: new AsyncSeriesWaterfallHook<[NavLink[], { viewer: UserRef }]>(['links', 'context']),
    /** Panels of a user's /settings page, after its profile (a login plugin says where the account comes from). */
    accountPanels: new AsyncSeriesWaterfallHook<[PagePanel[], { viewer: UserRef }]>(['panels', 'context']),
    /**
     * Where the browser goes after logging out (default "/"), asked before the session ends:
     * a login plugin answers its provider's logout page, to end the session there too.
     */
    loggingOut: new AsyncSeriesWaterfallHook<[string, LogoutContext]>(['redirect', 'context']),
    /** Links to a plugin's own project settings pages, listed at the top of the project settings page (for its admins). */
    projectSettingsLinks: new AsyncSeriesWaterfallHook<[NavLink[], ProjectViewContext]>(['links', 'context']),
    /** The panels of a pull request's sidebar (CI builds, live updates). */
    pullRequestView: new AsyncSeriesWaterfallHook<[PagePanel[], PullRequestViewContext]>(['panels', 'context']),

    // ---- events ----

    /**
     * Something happened and its transaction committed. Listeners run in parallel; a
     * failing one is logged and affects nothing else. Queue slow work as a job.
     */
    event: new AsyncParallelHook<[ForgeEvent]>(['event']),
    /** A notification mail about an issue or pull request, before it is queued: return it changed, or null to drop it. */
    notificationMail: new AsyncSeriesWaterfallHook<[Mail | null, NotificationMailContext]>(['mail', 'context']),

    // ---- git ----

    /**
     * A push landed, its refs moved and its events sent: in the git.receive job, so slow
     * work is fine here. Pull requests refresh and commit messages close issues on it.
     * A failing tap fails the job, which is retried: taps must be idempotent.
     */
    pushed: new AsyncSeriesHook<[PushSummary]>(['push']),
  });
}

export type ForgeHooks = ReturnType<typeof createHooks>;
export type HookName = keyof ForgeHooks;
