// Issues: opening, reading, editing, status, assignment, milestones, links (issue-links.ts),
// custom fields, comments, subscriptions; listings are in issue-queries.ts. Private issues
// are seen only by their author, their assignee and the project's members with ticket
// access or more (and site admins), and never announced by events. Each metadata change
// leaves one "Metadata Update" note (tickets/ticket-notes.ts) in its transaction.
import type { Knex } from 'knex';
import { issueFromRow, type IssueRow } from '../../db/index.js';
import { LIMITS, rowId, type IssueRecord, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import { Forbidden, Invalid, NotFound, Unauthorized } from '../../errors/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { ProjectQueries } from '../projects/project-queries.js';
import type { ProjectsService } from '../projects/projects-service.js';
import { projectsJson, type ProjectJson } from '../json/project-json.js';
import { readSettings } from '../projects/settings.js';
import { commentJson, type CommentJson } from '../tickets/comment-json.js';
import { newTicketUid, nextTicketId } from '../tickets/ticket-numbers.js';
import type { TrackerService } from '../tracker/tracker-service.js';
import type { UsersService } from '../users/users-service.js';
import { commentFromRow, type CommentRow } from '../../db/index.js';
import { issuesJson, type IssueJson } from './issue-json.js';
import { IssueQueries, type IssueFilters, type UserIssueFilters } from './issue-queries.js';
import { checkCommentEdit, ISSUE_TABLES, linkTags, toggleReaction } from '../tickets/ticket-writes.js';
import { addMetadataNote } from '../tickets/ticket-notes.js';
import { addLengthErrors, checkLengths } from '../input-limits.js';
import { checkLinks, writeLinks, type IssueLinks } from './issue-links.js';

export interface NewIssue {
  title: string;
  content: string;
  private: boolean;
  priority: string | null;
  milestone: string | null;
  tags: string[];
  assignee: string | null;
}

export type { IssueFilters, UserIssueFilters } from './issue-queries.js';

export class IssuesService {
  private readonly queries: IssueQueries;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
    private readonly projects: ProjectsService,
    private readonly users: UsersService,
    private readonly tracker: TrackerService,
    private readonly projectQueries: ProjectQueries,
  ) {
    this.queries = new IssueQueries(ctx, access, users);
  }

  /** 404 ETRACKERDISABLED, and for writes 401 ETRACKERREADONLY, as Pagure checks first. */
  checkTracker(project: ProjectRecord, write: boolean): void {
    const settings = readSettings(project);
    if (!settings.issue_tracker) throw NotFound('ETRACKERDISABLED');
    if (write && settings.issue_tracker_read_only) throw Unauthorized('ETRACKERREADONLY');
  }

  /** Whether the viewer sees every private issue of the project. */
  private seesAllPrivate(viewer: Viewer, project: ProjectRecord): Promise<boolean> {
    return this.queries.seesAllPrivate(viewer, project);
  }

  async canSee(viewer: Viewer, project: ProjectRecord, issue: IssueRecord): Promise<boolean> {
    if (!issue.private) return true;
    const me = viewer.user?.id;
    if (me !== undefined && (issue.userId === me || issue.assigneeId === me)) return true;
    return this.seesAllPrivate(viewer, project);
  }

  async json(project: ProjectRecord, issue: IssueRecord, options: { db?: Knex; comments?: boolean } = {}): Promise<IssueJson> {
    return (await issuesJson(options.db ?? this.ctx.db, this.ctx.config.url, project, [issue], options))[0]!;
  }

  /** The issue the viewer asked for: 404 ENOISSUE if it does not exist, 403 EISSUENOTALLOWED if private to them. */
  async require(viewer: Viewer, project: ProjectRecord, idText: string | undefined): Promise<IssueRecord> {
    const id = rowId(idText) ?? NaN;
    const row = Number.isSafeInteger(id)
      ? ((await this.ctx.db('issues').where({ project_id: project.id, id }).first()) as IssueRow | undefined)
      : undefined;
    if (!row) throw NotFound('ENOISSUE');
    const issue = issueFromRow(row);
    if (!(await this.canSee(viewer, project, issue))) throw Forbidden('EISSUENOTALLOWED');
    return issue;
  }

  /** A page of the project's issues the viewer may see, and how many match (issue-queries.ts). */
  list(
    viewer: Viewer,
    project: ProjectRecord,
    filters: IssueFilters,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; issues: IssueRecord[] }> {
    return this.queries.list(viewer, project, filters, page);
  }

  /** Pagure's /user/<name>/issues (issue-queries.ts). */
  listOfUser(
    viewer: Viewer,
    username: string,
    role: 'author' | 'assignee',
    filters: UserIssueFilters,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; issues: IssueRecord[] }> {
    return this.queries.listOfUser(viewer, username, role, filters, page);
  }

  /** Pagure's issue history, week by week (issue-queries.ts). */
  historyStats(
    viewer: Viewer,
    project: ProjectRecord,
    weeks: number,
    detailed: boolean,
  ): Promise<Record<string, number | { open_ticket: number; closed_ticket: number; count: number }>> {
    return this.queries.historyStats(viewer, project, weeks, detailed);
  }

  /** The JSON of issues of several projects, each with its `project` (Pagure's with_project). */
  async jsonWithProjects(issues: readonly IssueRecord[]): Promise<Array<IssueJson & { project: ProjectJson }>> {
    if (!issues.length) return [];
    const projects = await this.projectQueries.byIds(issues.map((i) => i.projectId));
    const byId = new Map(projects.map((p) => [p.id, p]));
    const [list, projectJsons] = await Promise.all([
      issuesJson(this.ctx.db, this.ctx.config.url, byId, issues),
      projectsJson(this.ctx.db, projects, { baseUrl: this.ctx.config.url }),
    ]);
    const jsonOf = new Map(projects.map((p, i) => [p.id, projectJsons[i]!]));
    return list.map((json, i) => ({ ...json, project: jsonOf.get(issues[i]!.projectId)! }));
  }

  jsonList(project: ProjectRecord, issues: readonly IssueRecord[]): Promise<IssueJson[]> {
    return issuesJson(this.ctx.db, this.ctx.config.url, project, issues);
  }

  /** A priority given by its key or its name, or 400 EINVALIDPRIORITY. */
  async priorityKey(project: ProjectRecord, text: string): Promise<number> {
    const { priorities } = await this.tracker.meta(project);
    if (text in priorities && /^-?\d+$/.test(text)) return Number(text);
    const found = Object.entries(priorities).find(([key, name]) => key !== '' && name.toLowerCase() === text.toLowerCase());
    if (!found) throw Invalid('EINVALIDPRIORITY');
    return Number(found[0]);
  }

  private async emit(
    trx: Knex.Transaction,
    project: ProjectRecord,
    issue: { private: boolean },
    topic: string,
    body: Record<string, unknown>,
    user: UserRecord,
  ): Promise<void> {
    await this.ctx.events.emit(trx, topic, { ...body, agent: user.name }, { agent: user.name, project, issuePrivate: issue.private });
  }

  /**
   * Opens an issue. Its metadata (tags, assignee, milestone, priority) is kept only when the
   * viewer may change metadata, the edit endpoints' rule; otherwise it is ignored, as Pagure does.
   */
  async create(viewer: Viewer, project: ProjectRecord, asked: NewIssue): Promise<IssueRecord> {
    const user = viewer.user!;
    const input = (await this.mayChangeMetadata(viewer, project))
      ? asked
      : { ...asked, tags: [], assignee: null, milestone: null, priority: null };
    const errors: Record<string, string[]> = {};
    if (!input.title) errors.title = ['This field is required.'];
    if (!input.content) errors.issue_content = ['This field is required.'];
    addLengthErrors(errors, [
      ['title', input.title, LIMITS.ticketTitle],
      ['issue_content', input.content, LIMITS.text],
      ['tag', input.tags, LIMITS.tag],
    ]);
    const meta = await this.tracker.meta(project);
    if (input.milestone && !meta.milestones.some((m) => m.name === input.milestone)) errors.milestone = ['Not a valid choice.'];
    if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
    const priority = input.priority ? await this.priorityKey(project, input.priority) : null;
    const assignee = input.assignee ? await this.users.byName(input.assignee) : undefined;
    if (input.assignee && !assignee) throw NotFound('ENOUSER');
    const priv = input.private || readSettings(project).issues_default_to_private === true;
    const issue = await this.ctx.db.transaction(async (trx) => {
      const id = await nextTicketId(trx, project.id);
      const [row] = (await trx('issues')
        .insert({
          project_id: project.id,
          id,
          uid: newTicketUid(),
          title: input.title,
          content: input.content,
          user_id: user.id,
          assignee_id: assignee?.id ?? null,
          private: priv,
          priority,
          milestone: input.milestone,
        })
        .returning('*')) as IssueRow[];
      const issue = issueFromRow(row!);
      await trx('issue_watchers').insert({ ticket_pk: issue.pk, user_id: user.id, watch: true });
      await linkTags(trx, ISSUE_TABLES, project.id, issue.pk, input.tags);
      const projectJson = await this.projects.json(project, trx);
      await this.emit(
        trx,
        project,
        issue,
        'issue.new',
        { issue: await this.json(project, issue, { db: trx }), project: projectJson },
        user,
      );
      return issue;
    });
    return issue;
  }

  private async locked(trx: Knex.Transaction, issue: IssueRecord): Promise<IssueRecord> {
    return issueFromRow((await trx('issues').where({ pk: issue.pk }).forUpdate().first()) as IssueRow);
  }

  /**
   * Whether the viewer may change an issue's metadata: ticket access, its assignee, or the
   * project's open metadata setting. Without an issue (one being opened): the same, less the assignee.
   */
  private async mayChangeMetadata(viewer: Viewer, project: ProjectRecord, issue?: IssueRecord): Promise<boolean> {
    if (readSettings(project).open_metadata_access_to_all) return true;
    if (issue && issue.assigneeId !== null && issue.assigneeId === viewer.user?.id) return true;
    return this.seesAllPrivate(viewer, project);
  }

  private async checkMetadataAccess(viewer: Viewer, project: ProjectRecord, issue: IssueRecord): Promise<void> {
    if (!(await this.mayChangeMetadata(viewer, project, issue))) throw Forbidden('EISSUENOTALLOWED');
  }

  /** 400 EINVALIDREQ unless a title and a content are given, each within its limit: what edit checks first. */
  /**
   * Whether this edit of the title and content may go ahead: 400 for bad fields, then 403
   * unless the viewer wrote the issue or has ticket access. A caller that writes other things
   * in the same request (tags, dependencies) asks first, so a refusal writes nothing.
   */
  async checkEdit(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, input: { title: string; content: string }): Promise<void> {
    const errors: Record<string, string[]> = {};
    if (!input.title) errors.title = ['This field is required.'];
    if (!input.content) errors.issue_content = ['This field is required.'];
    addLengthErrors(errors, [
      ['title', input.title, LIMITS.ticketTitle],
      ['issue_content', input.content, LIMITS.text],
    ]);
    if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
    if (issue.userId !== viewer.user?.id && !(await this.seesAllPrivate(viewer, project))) throw Forbidden('EISSUENOTALLOWED');
  }

  /** Title and content: the author or anyone with ticket access. "Issue edited". */
  async edit(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, input: { title: string; content: string }): Promise<IssueRecord> {
    const user = viewer.user!;
    await this.checkEdit(viewer, project, issue, input);
    return this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, issue);
      const fields = [...(current.title !== input.title ? ['title'] : []), ...(current.content !== input.content ? ['content'] : [])];
      const [row] = (await trx('issues')
        .where({ pk: issue.pk })
        .update({ title: input.title, content: input.content, updated_at: trx.fn.now() })
        .returning('*')) as IssueRow[];
      const updated = issueFromRow(row!);
      if (fields.length) {
        await this.emit(
          trx,
          project,
          updated,
          'issue.edit',
          { issue: await this.json(project, updated, { db: trx }), project: await this.projects.json(project, trx), fields },
          user,
        );
      }
      return updated;
    });
  }

  /** Status and close status, with Pagure's messages (a list; empty when nothing changed). */
  async setStatus(
    viewer: Viewer,
    project: ProjectRecord,
    issue: IssueRecord,
    statusText: string,
    closeStatusText: string | undefined,
  ): Promise<string[]> {
    const user = viewer.user!;
    await this.checkMetadataAccess(viewer, project, issue);
    const meta = await this.tracker.meta(project);
    let status = statusText;
    let closeStatus = closeStatusText || undefined;
    if (meta.closeStatus.includes(status) && !closeStatus) {
      closeStatus = status;
      status = 'Closed';
    }
    const errors: Record<string, string[]> = {};
    if (!['Open', 'Closed'].includes(status)) errors.status = ['Not a valid choice.'];
    if (closeStatus !== undefined && !meta.closeStatus.includes(closeStatus)) errors.close_status = ['Not a valid choice.'];
    if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
    const messages = await this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, issue);
      if (status === 'Closed' && current.status !== 'Closed') {
        const open = await trx('issue_dependencies as d')
          .join('issues as p', 'p.pk', 'd.parent_pk')
          .where({ 'd.child_pk': issue.pk, 'p.status': 'Open' })
          .first('p.pk');
        if (open) throw Invalid('ENOCODE', 'You cannot close a ticket that has ticket depending that are still open.');
      }
      const update: Record<string, unknown> = {};
      const fields = new Set<string>();
      const messages: string[] = [];
      let nowStatus = current.status;
      if (status !== current.status) {
        nowStatus = status as IssueRecord['status'];
        Object.assign(
          update,
          status === 'Closed'
            ? { status, closed_at: trx.fn.now(), closed_by_id: user.id }
            : { status, closed_at: null, closed_by_id: null },
        );
        fields.add('status');
        messages.push(`Issue status updated to: ${status} (was: ${current.status})`);
        if (status === 'Open' && current.closeStatus) {
          update.close_status = null;
          fields.add('close_status');
        }
      }
      if (closeStatus !== undefined && closeStatus !== current.closeStatus && nowStatus === 'Closed') {
        update.close_status = closeStatus;
        fields.add('close_status');
        messages.push(`Issue close_status updated to: ${closeStatus}${current.closeStatus ? ` (was: ${current.closeStatus})` : ''}`);
      }
      if (!fields.size) return messages;
      const [row] = (await trx('issues')
        .where({ pk: issue.pk })
        .update({ ...update, updated_at: trx.fn.now() })
        .returning('*')) as IssueRow[];
      const updated = issueFromRow(row!);
      await this.note(trx, updated, user, messages);
      await this.emit(
        trx,
        project,
        updated,
        'issue.edit',
        {
          issue: await this.json(project, updated, { db: trx }),
          project: await this.projects.json(project, trx),
          fields: [...fields].sort(),
        },
        user,
      );
      return messages;
    });
    return messages;
  }

  /** The forge's own comment recording a metadata change, as Pagure adds it. */
  private note(trx: Knex.Transaction, issue: IssueRecord, user: UserRecord, messages: readonly string[]): Promise<void> {
    return addMetadataNote(trx, ISSUE_TABLES, issue.pk, user, messages);
  }

  /** Assigns to a user, or resets with an empty name. */
  async assign(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, name: string): Promise<string> {
    const user = viewer.user!;
    await this.checkMetadataAccess(viewer, project, issue);
    const target = name ? await this.users.byName(name) : undefined;
    if (name && !target) throw NotFound('ENOUSER');
    return this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, issue);
      if ((current.assigneeId ?? null) === (target?.id ?? null)) return 'Nothing to change';
      const [row] = (await trx('issues')
        .where({ pk: issue.pk })
        .update({ assignee_id: target?.id ?? null, updated_at: trx.fn.now() })
        .returning('*')) as IssueRow[];
      const updated = issueFromRow(row!);
      const message = target ? `Issue assigned to ${target.name}` : 'Assignee reset';
      await this.note(trx, updated, user, [message]);
      const body = { issue: await this.json(project, updated, { db: trx }), project: await this.projects.json(project, trx) };
      await this.emit(trx, project, updated, target ? 'issue.assigned.added' : 'issue.assigned.reset', body, user);
      if (target)
        await trx('issue_watchers')
          .insert({ ticket_pk: issue.pk, user_id: target.id, watch: true })
          .onConflict(['ticket_pk', 'user_id'])
          .ignore();
      return message;
    });
  }

  /** Sets (or with an empty value, resets) the milestone, one of the project's. */
  async setMilestone(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, milestone: string): Promise<string> {
    const user = viewer.user!;
    await this.checkMetadataAccess(viewer, project, issue);
    const { milestones } = await this.tracker.meta(project);
    if (milestone && !milestones.some((m) => m.name === milestone))
      throw Invalid('EINVALIDREQ', { errors: { milestone: ['Not a valid choice.'] } });
    return this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, issue);
      const next = milestone || null;
      if (current.milestone === next) return 'No changes';
      const [row] = (await trx('issues')
        .where({ pk: issue.pk })
        .update({ milestone: next, updated_at: trx.fn.now() })
        .returning('*')) as IssueRow[];
      const updated = issueFromRow(row!);
      const message = `Issue set to the milestone: ${next}${current.milestone ? ` (was: ${current.milestone})` : ''}`;
      await this.note(trx, updated, user, [message]);
      await this.emit(
        trx,
        project,
        updated,
        'issue.edit',
        { issue: await this.json(project, updated, { db: trx }), project: await this.projects.json(project, trx), fields: ['milestone'] },
        user,
      );
      return message;
    });
  }

  /** Sets (or with an empty value, resets) the priority: a key or a name of the project's priorities. */
  async setPriority(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, priority: string): Promise<string> {
    const user = viewer.user!;
    await this.checkMetadataAccess(viewer, project, issue);
    const next = priority ? await this.priorityKey(project, priority) : null;
    const { priorities } = await this.tracker.meta(project);
    return this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, issue);
      if ((current.priority ?? null) === next) return 'No changes';
      const [row] = (await trx('issues')
        .where({ pk: issue.pk })
        .update({ priority: next, updated_at: trx.fn.now() })
        .returning('*')) as IssueRow[];
      const updated = issueFromRow(row!);
      const message = next === null ? 'Issue priority reset' : `Issue priority set to: ${priorities[String(next)] ?? next}`;
      await this.note(trx, updated, user, [message]);
      await this.emit(
        trx,
        project,
        updated,
        'issue.edit',
        { issue: await this.json(project, updated, { db: trx }), project: await this.projects.json(project, trx), fields: ['priority'] },
        user,
      );
      return message;
    });
  }

  /** Makes the issue private or public: for those who may edit its metadata. */
  async setPrivate(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, on: boolean): Promise<string> {
    const user = viewer.user!;
    await this.checkMetadataAccess(viewer, project, issue);
    return this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, issue);
      if (current.private === on) return 'No changes';
      const [row] = (await trx('issues')
        .where({ pk: issue.pk })
        .update({ private: on, updated_at: trx.fn.now() })
        .returning('*')) as IssueRow[];
      const updated = issueFromRow(row!);
      const message = on ? 'Issue private status set to: True' : 'Issue private status set to: False';
      await this.note(trx, updated, user, [message]);
      await this.emit(
        trx,
        project,
        updated,
        'issue.edit',
        { issue: await this.json(project, updated, { db: trx }), project: await this.projects.json(project, trx), fields: ['private'] },
        user,
      );
      return message;
    });
  }

  /** Adds the viewer's reaction to a comment, or takes it back if it is there. */
  async react(viewer: Viewer, issue: IssueRecord, commentId: number, reaction: string): Promise<void> {
    await toggleReaction(this.ctx.db, ISSUE_TABLES, issue.pk, commentId, viewer.user!.name, reaction);
  }

  /** Adds a comment; mentioned users are notified with the issue's watchers. "Comment added". */
  async comment(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, text: string): Promise<CommentJson> {
    const user = viewer.user!;
    if (!text) throw Invalid('EINVALIDREQ', { errors: { comment: ['This field is required.'] } });
    checkLengths([['comment', text, LIMITS.text]]);
    const comment = await this.ctx.db.transaction(async (trx) => {
      await this.locked(trx, issue);
      const [row] = (await trx('issue_comments')
        .insert({ ticket_pk: issue.pk, user_id: user.id, comment: text })
        .returning('*')) as CommentRow[];
      await trx('issues').where({ pk: issue.pk }).update({ updated_at: trx.fn.now() });
      await trx('issue_watchers')
        .insert({ ticket_pk: issue.pk, user_id: user.id, watch: true })
        .onConflict(['ticket_pk', 'user_id'])
        .ignore();
      const json = commentJson(commentFromRow(row!), new Map([[user.id, user]]), this.ctx.config.url);
      await this.emit(
        trx,
        project,
        issue,
        'issue.comment.added',
        { issue: await this.json(project, issue, { db: trx }), project: await this.projects.json(project, trx) },
        user,
      );
      return json;
    });
    return comment;
  }

  /**
   * Edits a comment: its author, or anyone with commit access to the project; the notes
   * the forge writes itself stay as written. Sends issue.comment.edited.
   */
  async editComment(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, id: number, text: string): Promise<CommentJson> {
    const user = viewer.user!;
    const users = await checkCommentEdit(
      { db: this.ctx.db, access: this.access, users: this.users },
      ISSUE_TABLES,
      viewer,
      project,
      issue.pk,
      id,
      text,
    );
    return this.ctx.db.transaction(async (trx) => {
      await this.locked(trx, issue);
      const [updated] = (await trx('issue_comments')
        .where({ id })
        .update({ comment: text, edited_on: trx.fn.now(), editor_id: user.id })
        .returning('*')) as CommentRow[];
      const json = commentJson(commentFromRow(updated!), users, this.ctx.config.url);
      await trx('issues').where({ pk: issue.pk }).update({ updated_at: trx.fn.now() });
      await this.emit(
        trx,
        project,
        issue,
        'issue.comment.edited',
        { project: await this.projects.json(project, trx), comment: json },
        user,
      );
      return json;
    });
  }

  /** Deletes an issue for good (project admins): comments, tags, links and fields go with it. Sends issue.drop. */
  async drop(viewer: Viewer, project: ProjectRecord, issue: IssueRecord): Promise<void> {
    const user = viewer.user!;
    await this.projects.requireAdmin(viewer, project, 'ENOTHIGHENOUGH');
    await this.ctx.db.transaction(async (trx) => {
      await this.locked(trx, issue);
      // The event describes the issue as it was.
      const body = { issue: await this.json(project, issue, { db: trx }), project: await this.projects.json(project, trx) };
      await trx('issues').where({ pk: issue.pk }).delete();
      await this.emit(trx, project, issue, 'issue.drop', body, user);
    });
  }

  /** One comment, or 404 ENOCOMMENT. */
  async commentById(issue: IssueRecord, id: number): Promise<CommentJson> {
    const row = (await this.ctx.db('issue_comments').where({ ticket_pk: issue.pk, id }).first()) as CommentRow | undefined;
    if (!row) throw NotFound('ENOCOMMENT');
    const comment = commentFromRow(row);
    const users = await this.users.byIds(comment.editorId === null ? [comment.userId] : [comment.userId, comment.editorId]);
    return commentJson(comment, users, this.ctx.config.url);
  }

  /**
   * A pushed commit (`link`) names the issue, and the pusher acts only as they could by
   * hand: with "Fixes" (`close`) and the right to change the issue's status, it is closed
   * as Fixed with "Commit <link> fixes this issue"; otherwise, if they may comment, the
   * commit is only mentioned ("relates to this ticket"). Each note is written once, so a
   * retried push job repeats nothing. Whether the issue exists.
   */
  async referencedByCommit(viewer: Viewer, project: ProjectRecord, id: number, link: string, close: boolean): Promise<boolean> {
    const user = viewer.user!;
    const row = (await this.ctx.db('issues').where({ project_id: project.id, id }).first()) as IssueRow | undefined;
    if (!row) return false;
    const found = issueFromRow(row);
    const settings = readSettings(project);
    if (!settings.issue_tracker || settings.issue_tracker_read_only || !(await this.canSee(viewer, project, found))) return true;
    const closing = close && (await this.mayChangeMetadata(viewer, project, found));
    const note = ` Commit ${link} ${closing ? 'fixes this issue' : 'relates to this ticket'}`;
    await this.ctx.db.transaction(async (trx) => {
      const issue = await this.locked(trx, found);
      const projectJson = await this.projects.json(project, trx);
      if (!(await trx('issue_comments').where({ ticket_pk: issue.pk, comment: note }).first('id'))) {
        await trx('issue_comments').insert({ ticket_pk: issue.pk, user_id: user.id, comment: note });
        await this.emit(
          trx,
          project,
          issue,
          'issue.comment.added',
          { issue: await this.json(project, issue, { db: trx }), project: projectJson },
          user,
        );
      }
      if (!closing || issue.status === 'Closed') return;
      const [updated] = (await trx('issues')
        .where({ pk: issue.pk })
        .update({ status: 'Closed', close_status: 'Fixed', closed_at: trx.fn.now(), closed_by_id: user.id, updated_at: trx.fn.now() })
        .returning('*')) as IssueRow[];
      const closed = issueFromRow(updated!);
      await this.note(trx, closed, user, ['Issue status updated to: Closed (was: Open)', 'Issue close_status updated to: Fixed']);
      await this.emit(
        trx,
        project,
        closed,
        'issue.edit',
        { issue: await this.json(project, closed, { db: trx }), project: projectJson, fields: ['close_status', 'status'] },
        user,
      );
    });
    return true;
  }

  /**
   * Replaces the issue's tags and/or its dependencies (issue numbers it depends on, and
   * that it blocks): a Pagurus addition to POST issue/<id>, for ticket members. Writes one
   * metadata note; sends Pagure's issue.tag.added|removed and issue.dependency.added|removed.
   */
  async setLinks(viewer: Viewer, project: ProjectRecord, issue: IssueRecord, links: IssueLinks): Promise<string[]> {
    const user = viewer.user!;
    await this.checkMetadataAccess(viewer, project, issue);
    await checkLinks(this.ctx.db, project, issue, links);
    return this.ctx.db.transaction(async (trx) => {
      await this.locked(trx, issue);
      const { messages, events } = await writeLinks(trx, project, issue, links);
      if (!messages.length) return messages;
      await trx('issues').where({ pk: issue.pk }).update({ updated_at: trx.fn.now() });
      await this.note(trx, issue, user, messages);
      const body = { issue: await this.json(project, issue, { db: trx }), project: await this.projects.json(project, trx) };
      for (const [topic, extra] of events) await this.emit(trx, project, issue, topic, { ...body, ...extra }, user);
      return messages;
    });
  }

  /**
   * Sets (or with an empty value, clears) custom fields, checked per type: Pagure's
   * messages per field ("Custom field x adjusted to y (was: z)", or null for no change).
   * All fields are checked before any is written.
   */
  async setCustomFields(
    viewer: Viewer,
    project: ProjectRecord,
    issue: IssueRecord,
    values: Record<string, string>,
  ): Promise<Array<[string, string | null]>> {
    const user = viewer.user!;
    if (!readSettings(project).open_metadata_access_to_all && !(await this.seesAllPrivate(viewer, project)))
      throw Forbidden('EISSUENOTALLOWED');
    const keys = new Map((await this.tracker.meta(project)).customKeys.map((k) => [k.name, k]));
    checkLengths(Object.entries(values).map(([name, value]) => [name, value, LIMITS.customFieldValue] as const));
    for (const [name, value] of Object.entries(values)) {
      const key = keys.get(name);
      if (!key) throw Invalid('EINVALIDISSUEFIELD');
      if (!value) continue;
      if (key.keyType === 'link' && value.split(',').some((link) => !/^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(link.replace(/ /g, ''))))
        throw Invalid('EINVALIDISSUEFIELD_LINK');
      if (key.keyType === 'list' && !(key.keyData ?? []).includes(value))
        throw Invalid('ENOCODE', `Invalid value "${value}" for the custom field ${name}`);
      if (key.keyType === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value))
        throw Invalid('ENOCODE', `Invalid date "${value}" for the custom field ${name}`);
    }
    return this.ctx.db.transaction(async (trx) => {
      await this.locked(trx, issue);
      const out: Array<[string, string | null]> = [];
      for (const [name, raw] of Object.entries(values)) {
        const key = keys.get(name)!;
        const value = key.keyType === 'boolean' && raw ? String(['1', 'true', 'on', 'y', 't'].includes(raw.toLowerCase())) : raw;
        const current = (await trx('issue_values').where({ ticket_pk: issue.pk, key_id: key.id }).first('value')) as
          { value: string } | undefined;
        let message: string | null = null;
        if (!value && current) {
          await trx('issue_values').where({ ticket_pk: issue.pk, key_id: key.id }).delete();
          message = `Custom field ${name} reset (from ${current.value})`;
        } else if (value && current?.value !== value) {
          await trx('issue_values').insert({ ticket_pk: issue.pk, key_id: key.id, value }).onConflict(['ticket_pk', 'key_id']).merge();
          message = `Custom field ${name} adjusted to ${value}${current ? ` (was: ${current.value})` : ''}`;
        }
        if (message) await this.note(trx, issue, user, [message]);
        out.push([name, message]);
      }
      if (out.some(([, m]) => m)) {
        await trx('issues').where({ pk: issue.pk }).update({ updated_at: trx.fn.now() });
        await this.emit(
          trx,
          project,
          issue,
          'issue.edit',
          {
            issue: await this.json(project, issue, { db: trx }),
            project: await this.projects.json(project, trx),
            fields: out.filter(([, m]) => m).map(([n]) => n),
          },
          user,
        );
      }
      return out;
    });
  }

  /** Whether the user watches the issue (subscribed, commented, or assigned). */
  async isSubscribed(user: UserRecord, issue: IssueRecord): Promise<boolean> {
    const row = (await this.ctx.db('issue_watchers').where({ ticket_pk: issue.pk, user_id: user.id }).first('watch')) as
      { watch: boolean } | undefined;
    return row?.watch ?? false;
  }

  /** Subscribes or unsubscribes the viewer. */
  async subscribe(viewer: Viewer, issue: IssueRecord, on: boolean): Promise<string> {
    await this.ctx
      .db('issue_watchers')
      .insert({ ticket_pk: issue.pk, user_id: viewer.user!.id, watch: on })
      .onConflict(['ticket_pk', 'user_id'])
      .merge();
    return on ? 'You are now watching this issue' : 'You are no longer watching this issue';
  }
}
