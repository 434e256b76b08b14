// The domain services a plugin may call, as `forge.services`: a small, stable facade over
// core's own services (types only here; core/src/plugin-services.ts adapts them). Each
// write goes through the service the API uses, so its events, notes and pages match.
import type { Knex } from 'knex';
import type { AccessLevel, IssueRecord, ProjectRecord, PullRequestRecord, UserRecord } from '../domain/index.js';

/** Who is asking: a user (or nobody) and whether they are a site admin. Get one from `access.viewer`. */
export interface Viewer {
  readonly user: UserRecord | null;
  readonly siteAdmin: boolean;
}

/** Pagure's flag statuses, in its order. */
export type FlagStatus = 'success' | 'failure' | 'error' | 'pending' | 'canceled';

/** A CI report, as Pagure's flag form takes it. Bad values throw 400 EINVALIDREQ with field errors. */
export interface FlagFields {
  /** The name the flag shows: "Jenkins", "Zuul". */
  username: string;
  status: FlagStatus;
  comment: string;
  /** Where the report lives: an http(s) URL. */
  url: string;
  /** 0–100, or null for none. */
  percent?: number | null;
  /** The same uid on the same commit updates the flag instead of adding one (at most 32 characters). */
  uid?: string;
}

export interface FlagResult {
  /** The flag's uid: the one given, or a new one. */
  uid: string;
  /** "Flag added" or "Flag updated", as the API answers. */
  message: 'Flag added' | 'Flag updated';
}

/** Which projects `projects.inventory` lists. */
export interface InventoryFilter {
  /** Only projects in these namespaces (null: those without one); all when absent. */
  namespaces?: ReadonlyArray<string | null>;
  /** Forks too (default: main projects only). */
  forks?: boolean;
  /** Private projects too (default: public ones only). */
  private?: boolean;
}

/** Users or groups by the level of their grant, each list sorted by name. */
export interface GrantsByLevel {
  admin: string[];
  commit: string[];
  collaborator: string[];
  ticket: string[];
}

/** One project of `projects.inventory`: who holds what on it, and who watches it. */
export interface InventoryEntry {
  id: number;
  name: string;
  namespace: string | null;
  /** The main admin (for a fork, who forked it). */
  owner: string;
  /** For a fork, whose fork it is; null for a main project. */
  forkOf: string | null;
  private: boolean;
  /** Direct grants (the owner is not repeated here). */
  users: GrantsByLevel;
  groups: GrantsByLevel;
  /** Pagure's watchers (GET /api/0/<repo>/watchers): users by name, groups as "@name", with what they watch. */
  watchers: Record<string, Array<'issues' | 'commits'>>;
}

export interface ProjectsFacade {
  /** The project at a full name ("bash", "rpms/bash", "forks/alice/rpms/bash"), or undefined; does not check who may see it. */
  find(fullname: string): Promise<ProjectRecord | undefined>;
  /** The project with this id, or undefined; does not check who may see it. */
  byId(id: number): Promise<ProjectRecord | undefined>;
  /**
   * Makes `user` the project's main admin, as the plugin decided (no access check; check
   * `access.has` for the person asking first). A grant `user` held goes (the main admin holds
   * every right); the previous main admin keeps nothing of their own. Sends `project.edit`
   * with `fields: ["user"]`, the agent being `options.agent`. Pass the plugin's transaction
   * as `options.trx` to commit this with the plugin's own rows; answers the changed project.
   */
  setMainAdmin(
    project: ProjectRecord,
    user: UserRecord,
    options: { agent: UserRecord | null; trx?: Knex.Transaction },
  ): Promise<ProjectRecord>;
  /**
   * Every project the filter selects (public main projects by default), by namespace then
   * name, each with its grants and watchers: for reports over the whole forge. Four queries
   * whatever the number of projects; no access check (the plugin decides what to show).
   */
  inventory(filter?: InventoryFilter): Promise<InventoryEntry[]>;
}

export interface GroupsFacade {
  /** The names of the groups `user` belongs to, sorted. */
  namesOf(user: UserRecord): Promise<string[]>;
  /** Whether `user` belongs to the group called `name` (false when there is no such group). */
  isMember(name: string, user: UserRecord): Promise<boolean>;
  /** The user names of the group's members, sorted; undefined when there is no such group. */
  members(name: string): Promise<string[] | undefined>;
  /**
   * Makes a group (a "user" group) as the instance does, without a person's permission
   * check: `creator` is recorded as its creator and is its first member. Bad names throw 400
   * EINVALIDREQ; a taken one 409.
   */
  create(input: { name: string; displayName?: string; description?: string }, creator: UserRecord): Promise<void>;
  /**
   * Adds `user` to the group, or takes them out, as the instance's operator does (no
   * person's permission check), through the service the group pages use: the same rows and
   * the same events. `removeMember` may take out the group's creator too (the page may not):
   * for groups whose membership another system owns. Each answers whether anything changed;
   * a missing group throws 404 ENOGROUP.
   */
  addMember(name: string, user: UserRecord): Promise<boolean>;
  removeMember(name: string, user: UserRecord): Promise<boolean>;
}

export interface UsersFacade {
  /** The user with this login name, or undefined. */
  byName(name: string): Promise<UserRecord | undefined>;
  /** The user owning this email address (any of theirs, case-insensitive), or undefined. */
  byEmail(email: string): Promise<UserRecord | undefined>;
  /**
   * The user holding this SSH public key in their settings, or undefined. `key` is the key's
   * wire blob (what an SSH server gets) or its "SHA256:..." fingerprint.
   */
  bySshKey(key: Buffer | string): Promise<UserRecord | undefined>;
  /** The stored SSH key (its id, which names it in an OpenSSH forced command) and its owner: by wire blob, fingerprint or id. */
  sshKey(key: Buffer | string | number): Promise<{ id: number; fingerprint: string; user: UserRecord } | undefined>;
  /**
   * Makes an account another system vouches for (a login provider): no password, the
   * address confirmed. A name or address already taken throws 409, a malformed one 400
   * EINVALIDREQ with the field's error (names starting with "deploykey_" are refused).
   * `options.alsoWrite` runs in the account's transaction, so the plugin's own record of it
   * (which provider account it is) commits with it, or neither does.
   */
  create(
    input: { name: string; fullname?: string; email: string },
    options?: { alsoWrite?: (trx: Knex.Transaction, user: UserRecord) => Promise<void> },
  ): Promise<UserRecord>;
  /**
   * Sets the account's full name and default address as another system says they are now;
   * a new address is added (confirmed) and made the default, the old ones kept. An address
   * another account holds throws 409. Answers the user as stored.
   */
  update(user: UserRecord, changes: { fullname?: string; email?: string }): Promise<UserRecord>;
}

export interface AccessFacade {
  /** The viewer for a user (null: anonymous), with their site-admin status looked up. */
  viewer(user: UserRecord | null): Promise<Viewer>;
  /** Whether the viewer may see the project: public ones always, private ones with some access (or as site admin). */
  canView(viewer: Viewer, project: ProjectRecord): Promise<boolean>;
  /** Whether the viewer holds `level` on the project (for `commit`: on `branch`, as collaborators' patterns allow); the canAccess hook decides last. */
  has(viewer: Viewer, project: ProjectRecord, level: AccessLevel, branch?: string): Promise<boolean>;
}

export interface IssuesFacade {
  /** The project's issue #id, or undefined; private ones too: check `canSee` before showing it to someone. */
  get(project: ProjectRecord, id: number): Promise<IssueRecord | undefined>;
  /** Whether the viewer may see the issue: public ones always, private ones as author, assignee or committer. */
  canSee(viewer: Viewer, project: ProjectRecord, issue: IssueRecord): Promise<boolean>;
  /**
   * Adds tags to issue #id, keeping the ones it has, as someone who may change its metadata
   * (ticket access, or open metadata). Tags the project lacks are created. Writes a metadata
   * note and sends issue.tag.added; answers the tags added (none when it had them all).
   */
  addTags(viewer: Viewer, project: ProjectRecord, issueId: number, tags: readonly string[]): Promise<string[]>;
}

export interface PullRequestsFacade {
  /** The project's pull request #id, or undefined. */
  get(project: ProjectRecord, id: number): Promise<PullRequestRecord | undefined>;
  /** The project's open pull requests whose head is `commit` (a full hash), by number. */
  openWithHead(project: ProjectRecord, commit: string): Promise<PullRequestRecord[]>;
}

export interface CommentsFacade {
  /**
   * Comments on issue #id as the viewer, with the API's checks (404 ENOISSUE, 403 EISSUENOTALLOWED,
   * tracker disabled or read-only, blocked users, 401 for nobody); watchers are notified.
   */
  onIssue(viewer: Viewer, project: ProjectRecord, issueId: number, text: string): Promise<void>;
  /** Comments on pull request #id as the viewer, with the API's checks (404 ENOREQ, pull requests disabled, blocked users). */
  onPullRequest(viewer: Viewer, project: ProjectRecord, pullRequestId: number, text: string): Promise<void>;
}

export interface FlagsFacade {
  /**
   * Flags a commit (a full or abbreviated hash; 404 ENOCOMMIT if the repository lacks it) as `by`,
   * who needs no access of their own: the plugin vouches for the report. Sends commit.flag.added|updated.
   */
  onCommit(by: UserRecord, project: ProjectRecord, commit: string, flag: FlagFields): Promise<FlagResult>;
  /** Flags pull request #id's head commit as `by`; sends pull-request.flag.added|updated (404 ENOREQ, ENOCOMMIT). */
  onPullRequest(by: UserRecord, project: ProjectRecord, pullRequestId: number, flag: FlagFields): Promise<FlagResult>;
}

export interface MarkdownFacade {
  /** Safe HTML for a Markdown text of `project`, as pages show it: @mentions and the #N references the viewer may see become links. */
  render(viewer: Viewer, project: ProjectRecord, text: string): Promise<string>;
}

/** `forge.services`: what a plugin may ask of core's domain. Errors are ForgeErrors (Pagure's codes). */
export interface ForgeServices {
  readonly projects: ProjectsFacade;
  readonly users: UsersFacade;
  readonly groups: GroupsFacade;
  readonly access: AccessFacade;
  readonly issues: IssuesFacade;
  readonly pullRequests: PullRequestsFacade;
  readonly comments: CommentsFacade;
  readonly flags: FlagsFacade;
  readonly markdown: MarkdownFacade;
}
