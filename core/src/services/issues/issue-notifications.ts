// Emails about issues: to the issue's watchers (its author, its assignee, who commented or
// subscribed, the project's issue watchers) and to the users a text @mentions, minus who
// unsubscribed, minus the actor, and for a private issue minus whoever may not see it.
// Sent after the change committed; a failing mail server is logged, never fails the change.
import type { IssueRecord, ProjectRecord, UserRecord } from '../../domain/index.js';
import type { AccessService } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { UsersService } from '../users/users-service.js';

/** The names a text @mentions (not inside an e-mail address), each once. */
export function mentionedNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?:^|[^\w@.])@([A-Za-z0-9][\w.-]*[A-Za-z0-9_]|[A-Za-z0-9])/g)) names.add(match[1]!);
  return [...names];
}

export class IssueNotifier {
  constructor(private readonly ctx: ServiceContext, private readonly access: AccessService, private readonly users: UsersService) {}

  /** Who should hear about `issue` when `actor` writes `text`: user ids. */
  async recipients(project: ProjectRecord, issue: IssueRecord, actor: UserRecord, text: string): Promise<UserRecord[]> {
    const db = this.ctx.db;
    const [explicit, projectWatchers, mentioned] = await Promise.all([
      db('issue_watchers').where({ ticket_pk: issue.pk }).select('user_id', 'watch') as Promise<Array<{ user_id: number; watch: boolean }>>,
      db('watchers').where({ project_id: project.id, watch_issues: true }).pluck('user_id') as Promise<number[]>,
      (async () => {
        const names = mentionedNames(text);
        if (!names.length) return [] as number[];
        return (await db('users').whereIn('name', names).pluck('id')) as number[];
      })(),
    ]);
    const ids = new Set<number>([issue.userId, project.userId, ...projectWatchers, ...mentioned, ...explicit.filter((w) => w.watch).map((w) => w.user_id)]);
    if (issue.assigneeId !== null) ids.add(issue.assigneeId);
    for (const w of explicit) if (!w.watch && !mentioned.includes(w.user_id)) ids.delete(w.user_id);
    ids.delete(actor.id);
    const users = [...(await this.users.byIds([...ids])).values()];
    if (!issue.private) return users;
    const allowed: UserRecord[] = [];
    for (const user of users) {
      if (user.id === issue.userId || user.id === issue.assigneeId || (await this.access.has({ user, siteAdmin: false }, project, 'ticket'))) allowed.push(user);
    }
    return allowed;
  }

  async notify(project: ProjectRecord, issue: IssueRecord, actor: UserRecord, subject: string, text: string): Promise<void> {
    try {
      const users = await this.recipients(project, issue, actor, text);
      if (!users.length) return;
      const emails = await this.users.emails(users.map((u) => u.id));
      const url = `${this.ctx.config.url.replace(/\/+$/, '')}/${project.namespace ? `${project.namespace}/` : ''}${project.name}/issue/${issue.id}`;
      for (const user of users) {
        const to = emails.get(user.id)?.defaultEmail;
        if (!to) continue;
        await this.ctx.mailer.send({ to, subject: `[${project.namespace ? `${project.namespace}/` : ''}${project.name}] ${subject}`, text: `${actor.name} wrote:\n\n${text}\n\n${url}\n` });
      }
    } catch (error) {
      this.ctx.log.warn({ err: error, issue: issue.uid }, 'could not send issue notifications');
    }
  }
}
