// Who hears about an issue or a pull request: its watchers (its author, its assignee, who
// commented or subscribed, the project's owner and issue watchers) and the users a text
// @mentions, minus who unsubscribed, minus the actor, and for a private project or issue minus
// whoever may not see it. The mail notifier (services/mail/ticket-mail.ts) mails them.
import { queriesOn } from '../../db/index.js';
import type { ProjectRecord, UserRecord } from '../../domain/index.js';
import type { AccessService } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { UsersService } from '../users/users-service.js';

/** The names a text @mentions (not inside an e-mail address), each once. */
export function mentionedNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?:^|[^\w@.])@([A-Za-z0-9][\w.-]*[A-Za-z0-9_]|[A-Za-z0-9])/g)) names.add(match[1]!);
  return [...names];
}

export type TicketKind = 'issue' | 'pull-request';

/** What the notifier needs of an issue or a pull request. */
export interface NotifiedTicket {
  pk: number;
  id: number;
  uid: string;
  userId: number;
  assigneeId: number | null;
  /** Pull requests are never private. */
  private?: boolean;
}

type WatchRow = { user_id: number; watch: boolean };

const WATCHERS: Record<TicketKind, string> = { issue: 'issue_watchers', 'pull-request': 'pull_request_watchers' };

export class TicketNotifier {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
    private readonly users: UsersService,
  ) {}

  /** Who should hear about `ticket` when `actor` writes `text`. */
  async recipients(
    kind: TicketKind,
    project: ProjectRecord,
    ticket: NotifiedTicket,
    actor: UserRecord,
    text: string,
  ): Promise<UserRecord[]> {
    const db = this.ctx.db;
    const names = mentionedNames(text);
    // queriesOn: in parallel on the pool, one at a time inside the mail subscriber's transaction.
    const [explicit, projectWatchers, mentioned] = await queriesOn<[Promise<WatchRow[]>, Promise<number[]>, Promise<number[]>]>(db, [
      () => db(WATCHERS[kind]).where({ ticket_pk: ticket.pk }).select('user_id', 'watch') as Promise<WatchRow[]>,
      () => db('watchers').where({ project_id: project.id, watch_issues: true }).pluck('user_id') as Promise<number[]>,
      () => (names.length ? (db('users').whereIn('name', names).pluck('id') as Promise<number[]>) : Promise.resolve([])),
    ]);
    const ids = new Set<number>([
      ticket.userId,
      project.userId,
      ...projectWatchers,
      ...mentioned,
      ...explicit.filter((w) => w.watch).map((w) => w.user_id),
    ]);
    if (ticket.assigneeId !== null) ids.add(ticket.assigneeId);
    for (const w of explicit) if (!w.watch && !mentioned.includes(w.user_id)) ids.delete(w.user_id);
    ids.delete(actor.id);
    const users = [...(await this.users.byIds([...ids])).values()];
    if (!ticket.private && !project.private) return users;
    const allowed: UserRecord[] = [];
    for (const user of users) {
      const viewer = { user, siteAdmin: false };
      if (!(await this.access.canView(viewer, project))) continue;
      if (
        !ticket.private ||
        user.id === ticket.userId ||
        user.id === ticket.assigneeId ||
        (await this.access.has(viewer, project, 'ticket'))
      )
        allowed.push(user);
    }
    return allowed;
  }
}
