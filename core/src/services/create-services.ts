// Builds every core service from one context, in dependency order.
import { AccessService } from './access/access-service.js';
import { GrantsService } from './access/grants-service.js';
import { ActivityService } from './activity/activity-service.js';
import type { ServiceContext } from './context.js';
import { FlagsService } from './flags/flags-service.js';
import { GitAccess } from './git/git-access.js';
import { PushLedger } from './git/push-ledger.js';
import { PushPolicy } from './git/push-policy.js';
import { GroupsService } from './groups/groups-service.js';
import { IssuesService } from './issues/issues-service.js';
import { ProjectQueries } from './projects/project-queries.js';
import { ProjectsService } from './projects/projects-service.js';
import { PluginSettingsService } from './plugin-settings/plugin-settings-service.js';
import { PullRequestUpdates } from './pulls/pull-request-updates.js';
import { PullRequestsService } from './pulls/pull-requests-service.js';
import { RepositoryService, type RepositoryDeps } from './repository/repository-service.js';
import { ProjectInventory } from './projects/project-inventory.js';
import { WatchersService } from './projects/watchers-service.js';
import { TokensService } from './tokens/tokens-service.js';
import { TicketReferences } from './tickets/ticket-references.js';
import { TrackerService } from './tracker/tracker-service.js';
import { AuthService } from './users/auth-service.js';
import { EmailConfirmations } from './users/email-confirmation.js';
import { SessionsService } from './users/sessions.js';
import { UsersService } from './users/users-service.js';
import { sealerFor } from './plugin-settings/sealed.js';
import { MergeWhenReady } from './pulls/merge-when-ready.js';

/** `secret`: the instance secret, from which the keys that seal stored secrets derive. */
export function createServices(ctx: ServiceContext, git: Omit<RepositoryDeps, 'ledger'>, secret: string) {
  const users = new UsersService(ctx);
  const emailConfirmations = new EmailConfirmations(ctx, users);
  const sessions = new SessionsService(ctx.db, ctx.config.sessions.lifetimeDays);
  const groups = new GroupsService(ctx, users);
  const access = new AccessService(ctx, users);
  const projectQueries = new ProjectQueries(ctx, access);
  const projects = new ProjectsService(ctx, access, projectQueries, users, groups);
  const tracker = new TrackerService(ctx);
  const pushLedger = new PushLedger(ctx, git.repositories, projectQueries);
  const pullRequests = new PullRequestsService(ctx, access, projectQueries, projects, users);
  const flags = new FlagsService(ctx, projects, pullRequests);
  const pullRequestUpdates = new PullRequestUpdates(ctx, pullRequests, projectQueries);
  return {
    users,
    sessions,
    emailConfirmations,
    auth: new AuthService(ctx, users, sessions, emailConfirmations),
    tokens: new TokensService(ctx),
    groups,
    access,
    grants: new GrantsService(ctx, access, users, groups),
    projectQueries,
    projectInventory: new ProjectInventory(ctx),
    projects,
    watchers: new WatchersService(ctx, users),
    activity: new ActivityService(ctx, access),
    repository: new RepositoryService(ctx, { ...git, ledger: pushLedger }),
    pushPolicy: new PushPolicy(ctx, access),
    gitAccess: new GitAccess(access, projectQueries, git.repositories, ctx.config.git.defaultBranch),
    pushLedger,
    flags,
    tracker,
    issues: new IssuesService(ctx, access, projects, users, tracker, projectQueries),
    pullRequests,
    pullRequestUpdates,
    mergeWhenReady: new MergeWhenReady(ctx, { access, users, flags, projectQueries, pullRequestUpdates }),
    ticketReferences: new TicketReferences(ctx, access, projectQueries),
    pluginSettings: new PluginSettingsService(ctx, projects, sealerFor(secret, 'plugin-settings')),
  };
}

export type DomainServices = ReturnType<typeof createServices>;
