// "#N" references in Markdown text, as Pagure links them: "#3" in the same project,
// "pkg#3", "rpms/pkg#3", "fork/alice/pkg#3" and "fork/alice/rpms/pkg#3" elsewhere on the
// forge. Resolved to the issue or pull request they name, for whoever reads the text:
// a reference to something hidden from the reader resolves to nothing.
import { projectFullname, projectUrlPath, type ProjectRecord } from '../../domain/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { ProjectPath, ProjectQueries } from '../projects/project-queries.js';

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

export class TicketReferences {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
    private readonly projects: ProjectQueries,
  ) {}

  /**
   * The references of `text` (written in `project`) that name an issue or pull request the
   * viewer may see, in order. One query per project named, plus one per project for its tickets.
   */
  async resolve(viewer: Viewer, project: ProjectRecord, text: string): Promise<ResolvedReference[]> {
    const mentions = ticketMentions(text);
    if (!mentions.length) return [];
    const byPath = new Map<string, TicketMention[]>();
    for (const m of mentions) byPath.set(m.project ?? '', [...(byPath.get(m.project ?? '') ?? []), m]);
    const resolved = new Map<TicketMention, ResolvedReference>();
    await Promise.all(
      [...byPath].map(async ([written, list]) => {
        const target = written === '' ? project : await this.projects.find(pathOf(written));
        if (!target || !(await this.access.canView(viewer, target))) return;
        const ids = [...new Set(list.map((m) => m.id))];
        const [issues, pulls, seesPrivate] = await Promise.all([
          this.ctx.db('issues').where({ project_id: target.id }).whereIn('id', ids).select('id', 'title', 'status', 'private', 'user_id', 'assignee_id') as Promise<
            Array<{ id: number; title: string; status: string; private: boolean; user_id: number; assignee_id: number | null }>
          >,
          this.ctx.db('pull_requests').where({ project_id: target.id }).whereIn('id', ids).select('id', 'title', 'status') as Promise<Array<{ id: number; title: string; status: string }>>,
          viewer.siteAdmin || this.access.has(viewer, target, 'ticket'),
        ]);
        const me = viewer.user?.id;
        const base = `${this.ctx.config.url.replace(/\/+$/, '')}/${projectUrlPath(target)}`;
        for (const m of list) {
          const issue = issues.find((i) => i.id === m.id);
          const pull = pulls.find((p) => p.id === m.id);
          if (issue && (!issue.private || seesPrivate || (me !== undefined && (issue.user_id === me || issue.assignee_id === me)))) {
            resolved.set(m, { text: m.text, kind: 'issue', id: m.id, title: issue.title, status: issue.status, project: projectFullname(target), url: `${base}/issue/${m.id}` });
          } else if (pull) {
            resolved.set(m, { text: m.text, kind: 'pull-request', id: m.id, title: pull.title, status: pull.status, project: projectFullname(target), url: `${base}/pull-request/${m.id}` });
          }
        }
      }),
    );
    return mentions.flatMap((m) => (resolved.has(m) ? [resolved.get(m)!] : []));
  }
}
