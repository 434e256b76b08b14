// "#N" references in Markdown text, as Pagure links them: "#3" in the same project,
// "pkg#3", "rpms/pkg#3", "fork/alice/pkg#3" and "fork/alice/rpms/pkg#3" elsewhere on the
// forge. Resolved to the issue or pull request they name, for whoever reads the text:
// a reference to something hidden from the reader resolves to nothing. However many
// references a text makes, resolving them costs a fixed number of queries, and only the
// first MAX_RESOLVED_REFERENCES distinct ones are looked up (the rest stay plain text).
import { projectFullname, projectUrlPath, type ProjectRecord } from '../../domain/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { ProjectPath, ProjectQueries } from '../projects/project-queries.js';

/** How many distinct references of one text are looked up; those past it render as plain text. */
export const MAX_RESOLVED_REFERENCES = 200;

export interface TicketMention {
  /** The reference as written: "#3", "rpms/pkg#3". */
  text: string;
  /** Where it starts in the text. */
  index: number;
  /** The project path written before "#", or null for the text's own project. */
  project: string | null;
  id: number;
}

export interface ResolvedReference {
  text: string;
  kind: 'issue' | 'pull-request';
  id: number;
  title: string;
  status: string;
  /** The project's full name: "rpms/pkg", "forks/alice/rpms/pkg". */
  project: string;
  url: string;
}

// Not after a word character, "/", ".", ":", "-", "#" or "&": no URL fragments, no HTML entities.
const REFERENCE = /(?<![\w/.:#&-])((?:fork\/[\w.-]+\/)?(?:[\w.-]+\/)?[\w.-]+)?#(\d+)\b/g;

/** Every "#N" reference of `text`, in order. */
export function ticketMentions(text: string): TicketMention[] {
  const found: TicketMention[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const id = Number(match[2]);
    if (Number.isSafeInteger(id) && id > 0) found.push({ text: match[0], index: match.index, project: match[1] ?? null, id });
  }
  return found;
}

function pathOf(written: string): ProjectPath {
  const parts = written.split('/');
  const forkOwner = parts[0] === 'fork' && parts.length >= 3 ? parts[1]! : null;
  const rest = forkOwner === null ? parts : parts.slice(2);
  return { name: rest[rest.length - 1]!, namespace: rest.length === 2 ? rest[0]! : null, forkOwner };
}

interface TicketRow {
  kind: 'issue' | 'pull-request';
  project_id: number;
  id: number;
  title: string;
  status: string;
  private: boolean;
  user_id: number | null;
  assignee_id: number | null;
}

export class TicketReferences {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
    private readonly projects: ProjectQueries,
  ) {}

  /**
   * The references of `text` (written in `project`) that name an issue or pull request the
   * viewer may see, in order. At most three queries, whatever the text: the projects named
   * (only those the viewer may see), their issues and pull requests, and the viewer's grants
   * when a private issue of someone else is among them.
   */
  async resolve(viewer: Viewer, project: ProjectRecord, text: string): Promise<ResolvedReference[]> {
    const distinct = new Set<string>();
    const mentions = ticketMentions(text).filter((m) => {
      if (distinct.has(m.text)) return true;
      if (distinct.size >= MAX_RESOLVED_REFERENCES) return false;
      distinct.add(m.text);
      return true;
    });
    if (!mentions.length) return [];

    // The projects named: the text's own (its reader sees it), and the others the viewer may see.
    const written = [...new Set(mentions.flatMap((m) => (m.project === null ? [] : [m.project])))];
    const found = await this.projects.findMany(written.map(pathOf), viewer);
    const targets = new Map<string, ProjectRecord>([['', project]]);
    written.forEach((path, i) => {
      const target = found.get(i);
      if (target) targets.set(path, target);
    });
    const wanted = new Map<string, [number, number]>();
    for (const m of mentions) {
      const target = targets.get(m.project ?? '');
      if (target) wanted.set(`${target.id}#${m.id}`, [target.id, m.id]);
    }
    if (!wanted.size) return [];

    const pairs = [...wanted.values()];
    const db = this.ctx.db;
    const rows = (await db
      .select(db.raw("'issue' as kind"), 'project_id', 'id', 'title', 'status', 'private', 'user_id', 'assignee_id')
      .from('issues')
      .whereIn(['project_id', 'id'], pairs)
      .unionAll((q) => {
        q.select(
          db.raw("'pull-request' as kind"),
          'project_id',
          'id',
          'title',
          'status',
          db.raw('false as private'),
          db.raw('null::int as user_id'),
          db.raw('null::int as assignee_id'),
        )
          .from('pull_requests')
          .whereIn(['project_id', 'id'], pairs);
      })) as TicketRow[];
    const issues = new Map<string, TicketRow>();
    const pulls = new Map<string, TicketRow>();
    for (const row of rows) (row.kind === 'issue' ? issues : pulls).set(`${row.project_id}#${row.id}`, row);

    // Private issues show to their author, their assignee, and whoever has ticket access.
    const me = viewer.user?.id;
    const ownTicket = (issue: TicketRow) => me !== undefined && (issue.user_id === me || issue.assignee_id === me);
    const needsAccess = [...targets.values()].filter(
      (target, i, all) =>
        all.indexOf(target) === i &&
        [...issues.values()].some((issue) => issue.project_id === target.id && issue.private && !ownTicket(issue)),
    );
    const seesPrivate = new Set<number>();
    if (viewer.siteAdmin) needsAccess.forEach((target) => seesPrivate.add(target.id));
    else if (viewer.user && needsAccess.length) {
      const grants = await this.access.grants(viewer.user, needsAccess);
      for (const target of needsAccess)
        if (await this.access.decide(viewer, target, grants.get(target.id)!, 'ticket')) seesPrivate.add(target.id);
    }

    const base = this.ctx.config.url.replace(/\/+$/, '');
    return mentions.flatMap((m): ResolvedReference[] => {
      const target = targets.get(m.project ?? '');
      if (!target) return [];
      const key = `${target.id}#${m.id}`;
      const issue = issues.get(key);
      const pull = pulls.get(key);
      const url = `${base}/${projectUrlPath(target)}`;
      if (issue && (!issue.private || seesPrivate.has(target.id) || ownTicket(issue))) {
        return [
          {
            text: m.text,
            kind: 'issue',
            id: m.id,
            title: issue.title,
            status: issue.status,
            project: projectFullname(target),
            url: `${url}/issue/${m.id}`,
          },
        ];
      }
      if (pull)
        return [
          {
            text: m.text,
            kind: 'pull-request',
            id: m.id,
            title: pull.title,
            status: pull.status,
            project: projectFullname(target),
            url: `${url}/pull-request/${m.id}`,
          },
        ];
      return [];
    });
  }
}
