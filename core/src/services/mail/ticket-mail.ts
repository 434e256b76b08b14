// The mail notifier: a durable subscriber (named "mail") that turns the events people are
// mailed about (issues opened, commented and changed — closed, assigned, tagged... whatever
// left a "Metadata Update" note —, pull requests opened, commented, closed, merged, reopened)
// into one mail.send job per recipient, through the storm guard (mail-batches.ts). Recipients are computed when the event is
// handled (TicketNotifier: watchers, the owner, @mentions, minus the writer, and for private
// tickets only those who may see them); the notificationMail hook may change or drop each mail.
import type { Knex } from 'knex';
import { projectFullname, projectUrlPath, type ProjectRecord } from '../../domain/index.js';
import { isTopic, type DurableSubscriber, type ForgeEvent, type Mail, type NotifiedTicketKind } from '../../plugins/index.js';
import { AccessService } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import { ProjectQueries } from '../projects/project-queries.js';
import { TicketNotifier, type NotifiedTicket } from '../tickets/ticket-notifications.js';
import { UsersService } from '../users/users-service.js';
import type { MailBatches } from './mail-batches.js';
import { mailHost, threadHeaders } from './threading.js';

export const MAIL_SUBSCRIBER = 'mail';

/** The topics that mail people. */
export const MAILED_TOPICS = [
  'issue.new',
  'issue.comment.added',
  ...(['edit', 'assigned.added', 'assigned.reset', 'tag.added', 'tag.removed', 'dependency.added', 'dependency.removed'] as const).map(
    (change) => `issue.${change}` as const,
  ),
  'pull-request.new',
  'pull-request.comment.added',
  'pull-request.closed',
  'pull-request.reopened',
] as const;

/** What one event tells the ticket's people. */
export interface TicketNotice {
  kind: NotifiedTicketKind;
  projectId: number;
  ticketId: number;
  /** After "[<project fullname>] ". */
  subject: string;
  text: string;
  /** The ticket's first mail, the root of its thread. */
  first: boolean;
  commentId?: number;
  /** The mail tells of the metadata note with this comment id (one note, whatever events it made). */
  noteId?: number;
}

/** The issue events whose change may have left a metadata note. */
const ISSUE_CHANGES = new Set<string>(
  MAILED_TOPICS.filter((topic) => topic.startsWith('issue.') && topic !== 'issue.new' && topic !== 'issue.comment.added'),
);

const prSubject = (what: string, pr: { id: number; title: string }) => `${what} #${pr.id}: ${pr.title}`;

/** The notice an event carries, or undefined for events nobody is mailed about. */
export function ticketNotice(event: ForgeEvent): TicketNotice | undefined {
  const agent = event.agent ?? '';
  if (isTopic(event, 'issue.new') || isTopic(event, 'issue.comment.added')) {
    const { issue, project } = event.body;
    const base = { kind: 'issue' as const, projectId: project.id, ticketId: issue.id };
    if (event.topic === 'issue.new')
      return { ...base, subject: `New issue #${issue.id}: ${issue.title}`, text: issue.content, first: true };
    // The event's issue carries its comments as they were when it committed: the new one has the highest id.
    const comment = issue.comments.reduce<(typeof issue.comments)[number] | undefined>((a, c) => (!a || c.id > a.id ? c : a), undefined);
    if (!comment) return undefined;
    return {
      ...base,
      subject: `Comment on issue #${issue.id}: ${issue.title}`,
      text: comment.comment,
      first: false,
      commentId: comment.id,
    };
  }
  if (ISSUE_CHANGES.has(event.topic)) {
    // The note the change wrote is the issue's newest comment, written in the event's
    // transaction (so at its time); a change without a note (a title edit) mails nobody.
    const { issue } = (event as ForgeEvent<'issue.edit'>).body;
    const note = issue.comments.reduce<(typeof issue.comments)[number] | undefined>((a, c) => (!a || c.id > a.id ? c : a), undefined);
    const eventSecond = Math.floor(Date.parse(event.timestamp) / 1000);
    if (!note?.notification || note.user.name !== agent || Number(note.date_created) !== eventSecond) return undefined;
    return {
      kind: 'issue',
      projectId: (event as ForgeEvent<'issue.edit'>).body.project.id,
      ticketId: issue.id,
      subject: `Metadata update on issue #${issue.id}: ${issue.title}`,
      text: note.comment,
      first: false,
      commentId: note.id,
      noteId: note.id,
    };
  }
  if (isTopic(event, 'pull-request.new')) {
    const pr = event.body.pullrequest;
    const text = pr.initial_comment ?? `${pr.branch_from} → ${pr.branch}`;
    return {
      kind: 'pull-request',
      projectId: pr.project.id,
      ticketId: pr.id,
      subject: prSubject('New pull request', pr),
      text,
      first: true,
    };
  }
  if (isTopic(event, 'pull-request.comment.added')) {
    const { pullrequest: pr, comment } = event.body;
    return {
      kind: 'pull-request',
      projectId: pr.project.id,
      ticketId: pr.id,
      subject: prSubject('Comment on pull request', pr),
      text: comment.comment,
      first: false,
      commentId: comment.id,
    };
  }
  if (isTopic(event, 'pull-request.closed') || isTopic(event, 'pull-request.reopened')) {
    const pr = event.body.pullrequest;
    const what = event.topic === 'pull-request.reopened' ? 'reopened' : 'merged' in event.body && event.body.merged ? 'merged' : 'closed';
    const subject = prSubject(`${what[0]!.toUpperCase()}${what.slice(1)} pull request`, pr);
    return {
      kind: 'pull-request',
      projectId: pr.project.id,
      ticketId: pr.id,
      subject,
      text: `Pull-Request has been ${what} by ${agent}`,
      first: false,
    };
  }
  return undefined;
}

interface TicketRow {
  pk: number;
  id: number;
  uid: string;
  user_id: number;
  assignee_id: number | null;
  private?: boolean;
}

/** The ticket as it is now (its watchers and assignee may have changed since the event: they decide). */
async function loadTicket(db: Knex, kind: NotifiedTicketKind, projectId: number, id: number): Promise<NotifiedTicket | undefined> {
  const columns = ['pk', 'id', 'uid', 'user_id', 'assignee_id', ...(kind === 'issue' ? ['private'] : [])];
  const row = (await db(kind === 'issue' ? 'issues' : 'pull_requests')
    .where({ project_id: projectId, id })
    .first(columns)) as TicketRow | undefined;
  if (!row) return undefined;
  return { pk: row.pk, id: row.id, uid: row.uid, userId: row.user_id, assigneeId: row.assignee_id, private: row.private === true };
}

/** The "mail" durable subscriber: register it with events.subscribe in every process. */
export function ticketMailSubscriber(ctx: ServiceContext, batches: MailBatches): DurableSubscriber {
  return {
    name: MAIL_SUBSCRIBER,
    topics: MAILED_TOPICS,
    async handle(event, { trx, log }) {
      const notice = ticketNotice(event);
      if (!notice || !event.agent) return;
      // Every read goes through the cursor's transaction: it holds a connection, and the
      // embedded database has only one.
      const scoped: ServiceContext = { ...ctx, db: trx };
      const users = new UsersService(scoped);
      const access = new AccessService(scoped, users);
      const projectQueries = new ProjectQueries(scoped, access);
      const project = await projectQueries.byId(notice.projectId);
      const actor = await users.byName(event.agent);
      const found = project && (await loadTicket(trx, notice.kind, project.id, notice.ticketId));
      if (!project || !actor || !found) return;
      // Private then or now: either way the mail stays with those who may see it.
      const ticket = { ...found, private: found.private === true || event.visibility.issuePrivate };
      const recipients = await new TicketNotifier(scoped, access, users).recipients(notice.kind, project, ticket, actor, notice.text);
      if (!recipients.length) return;
      const emails = await users.emails(recipients.map((u) => u.id));
      const base = notificationBase(ctx.config.url, project, notice, ticket, actor.name, event.sequence);
      const assignee = ticket.assigneeId === null ? undefined : (await users.byIds([ticket.assigneeId])).get(ticket.assigneeId);
      const reporter = (await users.byIds([ticket.userId])).get(ticket.userId);
      if (reporter) base.headers!['X-Pagure-Reporter'] = reporter.name;
      if (assignee) base.headers!['X-Pagure-Assignee'] = assignee.name;
      for (const recipient of recipients) {
        const to = emails.get(recipient.id)?.defaultEmail;
        if (!to) continue;
        const mail = await ctx.hooks.notificationMail.promise(
          { ...base, to, headers: { ...base.headers } },
          { event, recipient, project, ticket: { kind: notice.kind, id: ticket.id, uid: ticket.uid, private: ticket.private }, db: trx },
        );
        if (!mail) {
          log.debug({ to, sequence: event.sequence }, 'a notificationMail tap dropped the mail');
          continue;
        }
        // The key keeps a replayed event (or a second event of one note) from queuing the mail twice.
        const key = notice.noteId === undefined ? `mail:${event.sequence}:${to}` : `mail:issue-note-${notice.noteId}:${to}`;
        await batches.route(trx, mail, key);
      }
    },
  };
}

/** The mail every recipient of a notice gets, before its address and the hook. */
function notificationBase(
  publicUrl: string,
  project: ProjectRecord,
  notice: TicketNotice,
  ticket: NotifiedTicket,
  actorName: string,
  sequence: number,
): Omit<Mail, 'to'> {
  const site = publicUrl.replace(/\/+$/, '');
  const projectUrl = `${site}/${projectUrlPath(project)}`;
  const thread = threadHeaders(
    { kind: notice.kind, uid: ticket.uid, projectName: project.name },
    mailHost(publicUrl),
    notice.first ? { first: true } : { commentId: notice.commentId, sequence },
  );
  return {
    subject: `[${projectFullname(project)}] ${notice.subject}`,
    text: `${actorName} wrote:\n\n${notice.text}\n\n${projectUrl}/${notice.kind}/${ticket.id}\n`,
    ...thread,
    // Pagure's headers: mail filters sort on them, and auto-responders keep quiet.
    headers: {
      'X-Auto-Response-Suppress': 'All',
      'X-Pagure': site,
      'X-Pagure-Project': projectFullname(project),
      'List-Id': projectFullname(project),
      'List-Archive': projectUrl,
    },
  };
}
