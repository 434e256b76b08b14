// Pull requests: opening (within a project or from a fork), reading, listing, comments,
// closing and reopening, assignment, subscriptions. Merging and refreshing run as jobs
// (jobs/pull-request-jobs.ts); this service queues the refresh of a new pull request.
import { addPullRequestNote } from './pull-request-notes.js';
import path from 'node:path';
import type { Knex } from 'knex';
import { pullRequestFromRow, type PullRequestRow } from '../../db/index.js';
import { LIMITS, repositoryPath, rowId, type ProjectRecord, type PullRequestRecord, type UserRecord } from '../../domain/index.js';
import { Forbidden, Invalid, NotFound, Unauthorized } from '../../errors/index.js';
import { commitOf, isAncestor, isValidRefName, runGit } from '../../git/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { ProjectQueries } from '../projects/project-queries.js';
import type { ProjectsService } from '../projects/projects-service.js';
import { readSettings } from '../projects/settings.js';
import { pullRequestCommentJson, type PullRequestCommentJson } from '../tickets/comment-json.js';
import { newTicketUid, nextTicketId } from '../tickets/ticket-numbers.js';
import type { UsersService } from '../users/users-service.js';
import { commentFromRow, type CommentRow } from '../../db/index.js';
import { inDateRanges, type DateRange } from '../tickets/ticket-filters.js';
import { checkCommentEdit, PULL_REQUEST_TABLES, replaceTags, toggleReaction } from '../tickets/ticket-writes.js';
import { checkLengths } from '../input-limits.js';
import { addMetadataNote, tagMessages } from '../tickets/ticket-notes.js';
import { PULL_REQUEST_JOBS } from './jobs.js';
import { pullRequestsJson, type PullRequestJson } from './pull-request-json.js';

export type PullRequestStatusFilter = 'Open' | 'Merged' | 'Closed' | 'all';

export interface PullRequestFilters {
  status: PullRequestStatusFilter;
  /** A user name, or "!name" for everyone else's (unassigned included). */
  assignee?: string;
  author?: string;
  tags?: string[];
}

/** Filters of /user/<name>/requests/*: a status (null for all) and date ranges. */
export interface UserPullRequestFilters {
  status: string | null;
  created: DateRange;
  updated: DateRange;
  closed: DateRange;
}

export interface NewPullRequest {
  title: string;
  branchTo: string;
  branchFrom: string;
  initialComment: string | null;
}

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '');

export class PullRequestsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
    private readonly projectQueries: ProjectQueries,
    private readonly projects: ProjectsService,
    private readonly users: UsersService,
  ) {}

  private repo(project: ProjectRecord): string {
    return path.join(this.ctx.config.git.reposDir, repositoryPath(project));
  }

  private jsonDeps(db: Knex = this.ctx.db) {
    return { db, baseUrl: this.ctx.config.url, users: this.users, projects: this.projects, projectQueries: this.projectQueries };
  }

  /** One pull request's JSON (for answers and events). */
  async json(pr: PullRequestRecord, options: { db?: Knex; comments?: boolean } = {}): Promise<PullRequestJson> {
    return (await pullRequestsJson(this.jsonDeps(options.db), [pr], options))[0]!;
  }

  jsonList(prs: readonly PullRequestRecord[], options: { comments?: boolean } = {}): Promise<PullRequestJson[]> {
    return pullRequestsJson(this.jsonDeps(), prs, options);
  }

  /** 404 EPULLREQUESTSDISABLED unless the project takes pull requests. */
  checkEnabled(project: ProjectRecord): void {
    if (!readSettings(project).pull_requests) throw NotFound('EPULLREQUESTSDISABLED');
  }

  async byId(project: Pick<ProjectRecord, 'id'>, id: number, db: Knex = this.ctx.db): Promise<PullRequestRecord | undefined> {
    if (!Number.isSafeInteger(id) || id < 1) return undefined;
    const row = (await db('pull_requests').where({ project_id: project.id, id }).first()) as PullRequestRow | undefined;
    return row ? pullRequestFromRow(row) : undefined;
  }

  /** The project's open pull requests whose head is `commit`, by number. */
  async openWithHead(project: Pick<ProjectRecord, 'id'>, commit: string): Promise<PullRequestRecord[]> {
    const rows = (await this.ctx
      .db('pull_requests')
      .where({ project_id: project.id, status: 'Open', commit_stop: commit })
      .orderBy('id')) as PullRequestRow[];
    return rows.map(pullRequestFromRow);
  }

  async byUid(uid: string): Promise<PullRequestRecord | undefined> {
    const row = (await this.ctx.db('pull_requests').where({ uid }).first()) as PullRequestRow | undefined;
    return row ? pullRequestFromRow(row) : undefined;
  }

  /** The pull request, or 404 ENOREQ. */
  async require(project: ProjectRecord, idText: string | undefined): Promise<PullRequestRecord> {
    const id = rowId(idText);
    const pr = id === undefined ? undefined : await this.byId(project, id);
    if (!pr) throw NotFound('ENOREQ');
    return pr;
  }

  private filtered(project: ProjectRecord, filters: PullRequestFilters): Knex.QueryBuilder {
    const db = this.ctx.db;
    const query = db('pull_requests as pr').where('pr.project_id', project.id);
    if (filters.status !== 'all') query.where('pr.status', filters.status);
    if (filters.assignee) {
      const negate = filters.assignee.startsWith('!');
      const name = negate ? filters.assignee.slice(1) : filters.assignee;
      const id = db('users').where('name', name).select('id');
      if (negate)
        query.where((q) => {
          q.whereNull('pr.assignee_id').orWhereNotIn('pr.assignee_id', id);
        });
      else query.whereIn('pr.assignee_id', id);
    }
    if (filters.author) query.whereIn('pr.user_id', db('users').where('name', filters.author).select('id'));
    for (const tag of filters.tags ?? []) {
      query.whereExists((q) => {
        q.select(db.raw('1'))
          .from('pull_request_tag_links as l')
          .join('ticket_tags as t', 't.id', 'l.tag_id')
          .whereRaw('l.ticket_pk = pr.pk')
          .where('t.tag', tag);
      });
    }
    return query;
  }

  /** A page of pull requests, newest first, and how many match. */
  async list(
    project: ProjectRecord,
    filters: PullRequestFilters,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; prs: PullRequestRecord[] }> {
    const [count, rows] = await Promise.all([
      this.filtered(project, filters).count<{ count: string }[]>('* as count'),
      this.filtered(project, filters)
        .orderBy([
          { column: 'pr.created_at', order: 'desc' },
          { column: 'pr.pk', order: 'desc' },
        ])
        .limit(page.limit)
        .offset(page.offset)
        .select('pr.*') as Promise<PullRequestRow[]>,
    ]);
    return { total: Number(count[0]?.count ?? 0), prs: rows.map(pullRequestFromRow) };
  }

  /**
   * Pagure's /user/<name>/requests: the pull requests `username` filed ("filed"), or those
   * others filed on projects where they have commit access or more, directly or through a
   * group ("actionable"); newest first, limited to projects the viewer may see.
   */
  async listOfUser(
    viewer: Viewer,
    username: string,
    mode: 'filed' | 'actionable',
    filters: UserPullRequestFilters,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; prs: PullRequestRecord[] }> {
    const db = this.ctx.db;
    const user = await this.users.byName(username);
    if (!user) return { total: 0, prs: [] };
    const build = () => {
      const query = db('pull_requests as pr').whereIn('pr.project_id', this.access.visible(db('projects').select('projects.id'), viewer));
      if (mode === 'filed') {
        query.where('pr.user_id', user.id);
      } else {
        const committed = db('projects')
          .where('user_id', user.id)
          .select('id')
          .union((u) => {
            u.from('project_user_access').where('user_id', user.id).whereIn('access', ['admin', 'commit']).select('project_id');
          })
          .union((u) => {
            u.from('project_group_access as a')
              .join('group_members as m', 'm.group_id', 'a.group_id')
              .where('m.user_id', user.id)
              .whereIn('a.access', ['admin', 'commit'])
              .select('a.project_id');
          });
        query.whereIn('pr.project_id', committed).whereNot('pr.user_id', user.id);
      }
      if (filters.status) query.where('pr.status', filters.status);
      inDateRanges(query, [
        ['pr.created_at', filters.created],
        ['pr.updated_on', filters.updated],
        ['pr.closed_at', filters.closed],
      ]);
      return query;
    };
    const [count, rows] = await Promise.all([
      build().count<{ count: string }[]>('* as count'),
      build()
        .orderBy([
          { column: 'pr.created_at', order: 'desc' },
          { column: 'pr.pk', order: 'desc' },
        ])
        .limit(page.limit)
        .offset(page.offset)
        .select('pr.*') as Promise<PullRequestRow[]>,
    ]);
    return { total: Number(count[0]?.count ?? 0), prs: rows.map(pullRequestFromRow) };
  }

  /** Opens a pull request on `target` from `branchFrom` of `source` (the same project, or a fork). */
  async create(viewer: Viewer, target: ProjectRecord, source: ProjectRecord, input: NewPullRequest): Promise<PullRequestRecord> {
    const user = viewer.user!;
    if (!input.title) throw Invalid('EINVALIDREQ', { errors: { title: ['This field is required.'] } });
    if (!input.branchTo) throw Invalid('EINVALIDREQ', { errors: { branch_to: ['This field is required.'] } });
    if (!input.branchFrom) throw Invalid('EINVALIDREQ', { errors: { branch_from: ['This field is required.'] } });
    checkLengths([
      ['title', input.title, LIMITS.ticketTitle],
      ['branch_to', input.branchTo, LIMITS.branchName],
      ['branch_from', input.branchFrom, LIMITS.branchName],
      ['initial_comment', input.initialComment, LIMITS.text],
    ]);
    this.checkEnabled(target);
    if (!(await this.access.has(viewer, source, 'commit'))) throw Unauthorized('ENOTHIGHENOUGH');
    const targetRepo = this.repo(target);
    const sourceRepo = this.repo(source);
    const from = isValidRefName(input.branchFrom) ? await commitOf(sourceRepo, `refs/heads/${input.branchFrom}`) : undefined;
    if (!from) throw Invalid('EINVALIDREQ', { errors: `Branch ${input.branchFrom} does not exist` });
    const to = isValidRefName(input.branchTo) ? await commitOf(targetRepo, `refs/heads/${input.branchTo}`) : undefined;
    const targetEmpty = !(await commitOf(targetRepo, 'HEAD'));
    if (!to && !targetEmpty) throw Invalid('EINVALIDREQ', { errors: `Branch ${input.branchTo} could not be found in the target repo` });
    // Read-only: the target's repository sees the source's objects through the environment.
    const env = sourceRepo === targetRepo ? {} : { GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(sourceRepo, 'objects') };
    const log = await runGit(['log', '--max-count=10000', '--format=%H%x1f%B%x1e', from, ...(to ? [`^${to}`] : []), '--'], {
      cwd: targetRepo,
      env,
    });
    const commits = log
      .split('\x1e')
      .filter((r) => r.includes('\x1f'))
      .map((r) => {
        const [hash, message] = r.replace(/^\n/, '').split('\x1f');
        return { hash: hash!.trim(), message: message ?? '' };
      });
    if (readSettings(target)['Enforce_signed-off_commits_in_pull-request'] && commits.some((c) => !/signed-off-by/i.test(c.message))) {
      throw Invalid('ENOSIGNEDOFF');
    }
    const created = await this.ctx.db.transaction(async (trx) => {
      const id = await nextTicketId(trx, target.id);
      const [row] = (await trx('pull_requests')
        .insert({
          project_id: target.id,
          id,
          uid: newTicketUid(),
          title: input.title,
          user_id: user.id,
          branch: input.branchTo,
          project_from_id: source.id,
          branch_from: input.branchFrom,
          commit_start: commits.at(-1)?.hash ?? null,
          commit_stop: commits[0]?.hash ?? null,
          initial_comment: input.initialComment,
        })
        .returning('*')) as PullRequestRow[];
      const pr = pullRequestFromRow(row!);
      await trx('pull_request_watchers').insert({ ticket_pk: pr.pk, user_id: user.id, watch: true });
      await this.ctx.jobs.enqueue(PULL_REQUEST_JOBS.refresh, { pullRequestPk: pr.pk, path: repositoryPath(target) }, { trx });
      const json = await this.json(pr, { db: trx });
      await this.ctx.events.emit(trx, 'pull-request.new', { pullrequest: json, agent: user.name }, { agent: user.name, project: target });
      return pr;
    });
    return created;
  }

  /** Pagure's input reading for new: title, branch_to, branch_from, initial_comment. */
  static readNew(body: Record<string, unknown>): NewPullRequest {
    const comment = text(body.initial_comment);
    return { title: text(body.title), branchTo: text(body.branch_to), branchFrom: text(body.branch_from), initialComment: comment || null };
  }

  private async locked(trx: Knex.Transaction, pr: PullRequestRecord): Promise<PullRequestRecord> {
    const row = (await trx('pull_requests').where({ pk: pr.pk }).forUpdate().first()) as PullRequestRow | undefined;
    if (!row) throw NotFound('ENOREQ');
    return pullRequestFromRow(row);
  }

  private async emit(
    trx: Knex.Transaction,
    project: ProjectRecord,
    topic: string,
    body: Record<string, unknown>,
    user: UserRecord,
  ): Promise<void> {
    await this.ctx.events.emit(trx, topic, body, { agent: user.name, project });
  }

  /** 400 EINVALIDREQ unless a title is given and the title and description fit: what update checks. */
  checkUpdate(input: { title: string; initialComment: string | null }): void {
    if (!input.title) throw Invalid('EINVALIDREQ', { errors: { title: ['This field is required.'] } });
    checkLengths([
      ['title', input.title, LIMITS.ticketTitle],
      ['initial_comment', input.initialComment, LIMITS.text],
    ]);
  }

  /** Title and description; needs commit access or authorship. */
  async update(
    viewer: Viewer,
    project: ProjectRecord,
    pr: PullRequestRecord,
    input: { title: string; initialComment: string | null },
  ): Promise<PullRequestRecord> {
    const user = viewer.user!;
    if (pr.userId !== user.id && !(await this.access.has(viewer, project, 'commit'))) throw Forbidden('ENOPRCLOSE');
    this.checkUpdate(input);
    return this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, pr);
      const [row] = (await trx('pull_requests')
        .where({ pk: pr.pk })
        .update({ title: input.title, initial_comment: input.initialComment, updated_at: trx.fn.now() })
        .returning('*')) as PullRequestRow[];
      const updated = pullRequestFromRow(row!);
      if (current.initialComment !== input.initialComment) {
        const body = {
          project: await this.projects.json(project, trx),
          pullrequest: await this.json(updated, { db: trx }),
          agent: user.name,
        };
        await this.emit(trx, project, 'pull-request.initial_comment.edited', body, user);
      }
      return updated;
    });
  }

  /**
   * Replaces the pull request's tags (its author or a committer); tags the project lacks
   * are created. Writes one metadata note; sends pull-request.tag.added and .removed.
   */
  async setTags(viewer: Viewer, project: ProjectRecord, pr: PullRequestRecord, tags: readonly string[]): Promise<void> {
    const user = viewer.user!;
    if (pr.userId !== user.id && !(await this.access.has(viewer, project, 'commit'))) throw Forbidden('ENOPRCLOSE');
    checkLengths([['tag', tags, LIMITS.tag]]);
    await this.ctx.db.transaction(async (trx) => {
      const locked = await this.locked(trx, pr);
      const { added, removed } = await replaceTags(trx, PULL_REQUEST_TABLES, project.id, pr.pk, tags);
      if (!added.length && !removed.length) return;
      await trx('pull_requests').where({ pk: pr.pk }).update({ updated_at: trx.fn.now() });
      await addMetadataNote(trx, PULL_REQUEST_TABLES, pr.pk, user, tagMessages('Pull-request', { added, removed }));
      const json = await this.json(locked, { db: trx });
      const projectJson = await this.projects.json(project, trx);
      // Pagure sends the pull request under both names.
      for (const [topic, changed] of [
        ['pull-request.tag.added', added],
        ['pull-request.tag.removed', removed],
      ] as const) {
        if (changed.length)
          await this.emit(
            trx,
            project,
            topic,
            { project: projectJson, pullrequest: json, pull_request: json, tags: changed, agent: user.name },
            user,
          );
      }
    });
  }

  /**
   * Edits a comment: its author, or anyone with commit access; the forge's own notes stay
   * as written. Sends pull-request.comment.edited.
   */
  async editComment(
    viewer: Viewer,
    project: ProjectRecord,
    pr: PullRequestRecord,
    id: number,
    text: string,
  ): Promise<PullRequestCommentJson> {
    const user = viewer.user!;
    const users = await checkCommentEdit(
      { db: this.ctx.db, access: this.access, users: this.users },
      PULL_REQUEST_TABLES,
      viewer,
      project,
      pr.pk,
      id,
      text,
    );
    return this.ctx.db.transaction(async (trx) => {
      await this.locked(trx, pr);
      const [updated] = (await trx('pull_request_comments')
        .where({ id })
        .update({ comment: text, edited_on: trx.fn.now(), editor_id: user.id })
        .returning('*')) as CommentRow[];
      const json = pullRequestCommentJson(commentFromRow(updated!), users, this.ctx.config.url);
      await trx('pull_requests').where({ pk: pr.pk }).update({ updated_at: trx.fn.now() });
      await this.emit(
        trx,
        project,
        'pull-request.comment.edited',
        { project: await this.projects.json(project, trx), comment: json, agent: user.name },
        user,
      );
      return json;
    });
  }

  /** Adds a comment, general or inline; "Comment added". */
  async comment(
    viewer: Viewer,
    project: ProjectRecord,
    pr: PullRequestRecord,
    input: { comment: string; commit?: string | null; filename?: string | null; row?: number | null; treeId?: string | null },
  ): Promise<void> {
    const user = viewer.user!;
    if (!input.comment) throw Invalid('EINVALIDREQ', { errors: { comment: ['This field is required.'] } });
    checkLengths([
      ['comment', input.comment, LIMITS.text],
      ['filename', input.filename, LIMITS.text],
    ]);
    await this.ctx.db.transaction(async (trx) => {
      await this.locked(trx, pr);
      const [row] = (await trx('pull_request_comments')
        .insert({
          ticket_pk: pr.pk,
          user_id: user.id,
          comment: input.comment,
          commit_id: input.commit ?? null,
          filename: input.filename ?? null,
          line: input.row ?? null,
          tree_id: input.treeId ?? null,
        })
        .returning('*')) as CommentRow[];
      await trx('pull_requests').where({ pk: pr.pk }).update({ updated_at: trx.fn.now() });
      await trx('pull_request_watchers')
        .insert({ ticket_pk: pr.pk, user_id: user.id, watch: true })
        .onConflict(['ticket_pk', 'user_id'])
        .ignore();
      const comment = pullRequestCommentJson(commentFromRow(row!), new Map([[user.id, user]]), this.ctx.config.url);
      await this.emit(
        trx,
        project,
        'pull-request.comment.added',
        { pullrequest: await this.json(pr, { db: trx }), agent: user.name, comment },
        user,
      );
    });
  }

  /** One comment of the pull request, or 404 ENOCOMMENT. */
  async commentById(pr: PullRequestRecord, id: number): Promise<PullRequestCommentJson> {
    const row = (await this.ctx.db('pull_request_comments').where({ ticket_pk: pr.pk, id }).first()) as CommentRow | undefined;
    if (!row) throw NotFound('ENOCOMMENT');
    const comment = commentFromRow(row);
    const users = await this.users.byIds(comment.editorId === null ? [comment.userId] : [comment.userId, comment.editorId]);
    return pullRequestCommentJson(comment, users, this.ctx.config.url);
  }

  /** Adds the viewer's reaction to a comment, or takes it back if it is there. */
  async react(viewer: Viewer, pr: PullRequestRecord, commentId: number, reaction: string): Promise<void> {
    await toggleReaction(this.ctx.db, PULL_REQUEST_TABLES, pr.pk, commentId, viewer.user!.name, reaction);
  }

  /** Closes without merging: committers and the author may. */
  async close(viewer: Viewer, project: ProjectRecord, pr: PullRequestRecord): Promise<void> {
    const user = viewer.user!;
    if (pr.userId !== user.id && !(await this.access.has(viewer, project, 'commit'))) throw Forbidden('ENOPRCLOSE');
    await this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, pr);
      if (current.status !== 'Open') throw Invalid('ENOCODE', 'Pull-request is already closed or merged');
      await this.markClosed(trx, project, pr, user, false);
    });
  }

  /** Reopens a closed (not merged) pull request and queues its refresh. */
  async reopen(viewer: Viewer, project: ProjectRecord, pr: PullRequestRecord): Promise<void> {
    const user = viewer.user!;
    if (pr.userId !== user.id && !(await this.access.has(viewer, project, 'commit'))) throw Forbidden('ENOPRCLOSE');
    await this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, pr);
      if (current.status !== 'Closed')
        throw Invalid('ENOCODE', current.status === 'Open' ? 'Pull-request is already open' : 'A merged pull-request cannot be reopened');
      const [row] = (await trx('pull_requests')
        .where({ pk: pr.pk })
        .update({ status: 'Open', closed_by_id: null, closed_at: null, updated_at: trx.fn.now() })
        .returning('*')) as PullRequestRow[];
      await addPullRequestNote(trx, pr, user.id, `Pull-Request has been reopened by ${user.name}`);
      await this.ctx.jobs.enqueue(PULL_REQUEST_JOBS.refresh, { pullRequestPk: pr.pk, path: repositoryPath(project) }, { trx });
      await this.emit(
        trx,
        project,
        'pull-request.reopened',
        { pullrequest: await this.json(pullRequestFromRow(row!), { db: trx }), agent: user.name },
        user,
      );
    });
  }

  /** Assigns (or with an empty name, unassigns); Pagure's messages. Needs commit access. */
  async assign(viewer: Viewer, project: ProjectRecord, pr: PullRequestRecord, assignee: string): Promise<string> {
    const user = viewer.user!;
    if (!(await this.access.has(viewer, project, 'commit'))) throw Forbidden('ENOPRCLOSE');
    const target = assignee ? await this.users.byName(assignee) : undefined;
    if (assignee && !target) throw NotFound('ENOUSER');
    return this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, pr);
      const next = target?.id ?? null;
      if (current.assigneeId === next) return next === null ? 'Nothing to change' : 'Nothing to change';
      const [row] = (await trx('pull_requests')
        .where({ pk: pr.pk })
        .update({ assignee_id: next, updated_at: trx.fn.now() })
        .returning('*')) as PullRequestRow[];
      await addMetadataNote(trx, PULL_REQUEST_TABLES, pr.pk, user, [
        target ? `Pull-request assigned to ${target.name}` : 'Pull-request assignee reset',
      ]);
      const json = await this.json(pullRequestFromRow(row!), { db: trx });
      if (target) {
        await trx('pull_request_watchers')
          .insert({ ticket_pk: pr.pk, user_id: target.id, watch: true })
          .onConflict(['ticket_pk', 'user_id'])
          .ignore();
        await this.emit(trx, project, 'pull-request.assigned.added', { pullrequest: json, agent: user.name }, user);
        return 'Request assigned';
      }
      await this.emit(trx, project, 'pull-request.assigned.reset', { pullrequest: json, agent: user.name }, user);
      return 'Request assignee reset';
    });
  }

  /**
   * A pushed commit (`link`) says it merges the pull request. When the pusher may merge
   * it (`mayMerge`: the merge endpoint's rule) and its head commit is in its target
   * branch, it is marked merged with "Commit <link> fixes this pull-request"; otherwise
   * the commit is only mentioned, as any viewer may comment. Each note is written once, so
   * a retried push job repeats nothing. Whether the pull request exists.
   */
  async mergedByCommit(
    viewer: Viewer,
    project: ProjectRecord,
    id: number,
    link: string,
    mayMerge: (pr: PullRequestRecord) => Promise<boolean>,
  ): Promise<boolean> {
    const user = viewer.user!;
    const pr = await this.byId(project, id);
    if (!pr) return false;
    if (!readSettings(project).pull_requests) return true;
    const merging = (await mayMerge(pr)) && (await this.landedInTarget(project, pr));
    const note = ` Commit ${link} ${merging ? 'fixes' : 'relates to'} this pull-request`;
    await this.ctx.db.transaction(async (trx) => {
      const current = await this.locked(trx, pr);
      if (!(await trx('pull_request_comments').where({ ticket_pk: pr.pk, comment: note }).first('id'))) {
        await trx('pull_request_comments').insert({ ticket_pk: pr.pk, user_id: user.id, comment: note });
      }
      if (!merging || current.status !== 'Open') return;
      await this.markClosed(trx, project, pr, user, true);
    });
    return true;
  }

  /** Marks an open pull request Closed or Merged by `user`, with Pagure's note and its pull-request.closed event. */
  private async markClosed(trx: Knex.Transaction, project: ProjectRecord, pr: PullRequestRecord, user: UserRecord, merged: boolean) {
    const [row] = (await trx('pull_requests')
      .where({ pk: pr.pk })
      .update({ status: merged ? 'Merged' : 'Closed', closed_by_id: user.id, closed_at: trx.fn.now(), updated_at: trx.fn.now() })
      .returning('*')) as PullRequestRow[];
    await addPullRequestNote(trx, pr, user.id, `Pull-Request has been ${merged ? 'merged' : 'closed'} by ${user.name}`);
    await this.emit(
      trx,
      project,
      'pull-request.closed',
      { pullrequest: await this.json(pullRequestFromRow(row!), { db: trx }), merged, agent: user.name },
      user,
    );
  }

  /** Whether the pull request's head commit is in its target branch (the branch's tip or one of its ancestors). */
  private async landedInTarget(project: ProjectRecord, pr: PullRequestRecord): Promise<boolean> {
    const repo = this.repo(project);
    const head = pr.commitStop && (await commitOf(repo, pr.commitStop));
    const tip = await commitOf(repo, `refs/heads/${pr.branch}`);
    return Boolean(head && tip && (await isAncestor(repo, head, tip)));
  }

  /** Subscribes or unsubscribes the viewer. */
  async subscribe(viewer: Viewer, pr: PullRequestRecord, on: boolean): Promise<string> {
    const user = viewer.user!;
    await this.ctx
      .db('pull_request_watchers')
      .insert({ ticket_pk: pr.pk, user_id: user.id, watch: on })
      .onConflict(['ticket_pk', 'user_id'])
      .merge();
    return on ? `You are now watching this pull-request` : `You are no longer watching this pull-request`;
  }
}
