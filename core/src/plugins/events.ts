// The shape of the forge's events: topics follow Pagure's message names.

import type {
  AuthorPayload,
  CommentPayload,
  FlagPayload,
  IssuePayload,
  ProjectPayload,
  PullRequestCommentPayload,
  PullRequestPayload,
} from './event-payloads.js';

export type * from './event-payloads.js';

/** Pagure puts the acting user's name in most bodies; `event.agent` always has it. */
type Acted = {
  agent?: string;
};

// Type aliases, not interfaces: a body must stay assignable to a plain record (ForgeEvent<string>).
type ProjectBody = Acted & { project: ProjectPayload };
type IssueBody = ProjectBody & { issue: IssuePayload };
type PullRequestBody = Acted & { pullrequest: PullRequestPayload };
type GitRefBody = Acted & {
  repo: ProjectPayload;
  authors: AuthorPayload[];
  /** The commit the ref pointed at: the new one, or for a deletion the old one. */
  rev: string;
};
/** Branch patterns of a collaborator grant, comma-separated; null for other levels. */
type Branches = string | null;

/**
 * Topic → body: core's topics with Pagure's names and body keys. Plugins add theirs by
 * declaration merging:
 *   declare module '@pagurus/core' { interface ForgeEventMap { 'fixture.pinged': { note: string } } }
 */
export interface ForgeEventMap {
  'project.new': ProjectBody;
  'project.forked': ProjectBody;
  'project.edit': ProjectBody & { fields: string[] };
  'project.deleted': ProjectBody;
  'project.user.added': ProjectBody & { new_user: string; access: string; branches: Branches };
  'project.user.access.updated': ProjectBody & { new_user: string; new_access: string; new_branches: Branches };
  'project.user.removed': ProjectBody & { removed_user: string };
  'project.group.added': ProjectBody & { new_group: string; access: string; branches: Branches };
  'project.group.access.updated': ProjectBody & { new_group: string; new_access: string; new_branches: Branches };
  'project.group.removed': ProjectBody & { removed_groups: string[] };

  'issue.new': IssueBody;
  'issue.edit': IssueBody & { fields: string[] };
  'issue.drop': IssueBody;
  'issue.comment.added': IssueBody;
  'issue.comment.edited': ProjectBody & { comment: CommentPayload };
  'issue.assigned.added': IssueBody;
  'issue.assigned.reset': IssueBody;
  'issue.tag.added': IssueBody & { tags: string[] };
  'issue.tag.removed': IssueBody & { tags: string[] };
  /** The number of the issue this one now depends on (or blocks). */
  'issue.dependency.added': IssueBody & { added_dependency: number };
  'issue.dependency.removed': IssueBody & { removed_dependency: number };

  'pull-request.new': PullRequestBody;
  'pull-request.updated': PullRequestBody;
  'pull-request.rebased': PullRequestBody;
  'pull-request.reopened': PullRequestBody;
  'pull-request.closed': PullRequestBody & { merged: boolean };
  'pull-request.comment.added': PullRequestBody & { comment: PullRequestCommentPayload };
  'pull-request.comment.edited': Acted & { project: ProjectPayload; comment: PullRequestCommentPayload };
  'pull-request.initial_comment.edited': PullRequestBody & { project: ProjectPayload };
  'pull-request.assigned.added': PullRequestBody;
  'pull-request.assigned.reset': PullRequestBody;
  /** `pull_request` repeats `pullrequest`, as Pagure sends it. */
  'pull-request.tag.added': PullRequestBody & { project: ProjectPayload; pull_request: PullRequestPayload; tags: string[] };
  'pull-request.tag.removed': PullRequestBody & { project: ProjectPayload; pull_request: PullRequestPayload; tags: string[] };
  'pull-request.flag.added': PullRequestBody & { flag: FlagPayload };
  'pull-request.flag.updated': PullRequestBody & { flag: FlagPayload };

  'commit.flag.added': Acted & { repo: ProjectPayload; flag: FlagPayload };
  'commit.flag.updated': Acted & { repo: ProjectPayload; flag: FlagPayload };

  /** One branch moved by a push: its new commits, oldest first in start_commit..end_commit. */
  'git.receive': Acted & {
    repo: ProjectPayload;
    branch: string;
    start_commit: string;
    end_commit: string;
    /** Where the branch was before (for a new branch, where its new commits start). */
    old_commit: string;
    total_commits: number;
    forced: boolean;
    authors: AuthorPayload[];
    /** Path → git's status letter (A, M, D, ...). */
    changed_files: Record<string, string>;
    pull_request_id: number | null;
  };
  'git.branch.creation': GitRefBody & { branch: string };
  'git.branch.deletion': GitRefBody & { branch: string };
  'git.tag.creation': GitRefBody & { tag: string };
  'git.tag.deletion': GitRefBody & { tag: string };
}

export type EventTopic = Extract<keyof ForgeEventMap, string>;

export type EventBody<T extends string> = T extends EventTopic ? ForgeEventMap[T] : Readonly<Record<string, unknown>>;

/** Who may learn of an event: every event carries it, and each listener decides. */
export interface EventVisibility {
  /** The project the event is about, or null for an instance-wide event. */
  readonly projectId: number | null;
  /** The project is private. */
  readonly projectPrivate: boolean;
  /** The event is about a private issue. */
  readonly issuePrivate: boolean;
}

export interface ForgeEvent<T extends string = string> {
  /** Unique per event (a UUID); listeners use it to drop duplicates, webhooks send it as `msg_id`. */
  readonly id: string;
  /** The event's position in the event log: increasing in commit order for one project. */
  readonly sequence: number;
  readonly topic: T;
  readonly body: EventBody<T>;
  /** The user who caused it, as Pagure's `agent`. */
  readonly agent: string | null;
  /** ISO 8601, when the transaction that recorded it ran. */
  readonly timestamp: string;
  readonly visibility: EventVisibility;
}

/** Narrows an event to a known topic. */
export function isTopic<T extends EventTopic>(event: ForgeEvent, topic: T): event is ForgeEvent<T> {
  return event.topic === topic;
}

/**
 * True when anyone may learn of the event: neither its project nor its issue is private.
 * What leaves the forge (webhooks, the message bus, mail to non-members) checks this first.
 */
export function isPublicEvent(event: ForgeEvent): boolean {
  return !event.visibility.projectPrivate && !event.visibility.issuePrivate;
}
