// A project's tracker settings: the priorities, milestones and close statuses issues may
// take, the custom fields they carry, and the colored tags of issues and pull requests.
import type { Knex } from 'knex';
import type { ProjectRecord } from '../../domain/index.js';
import type { ServiceContext } from '../context.js';

export interface Milestone {
  name: string;
  /** Free text, as Pagure keeps it (usually a date); null for none. */
  date: string | null;
  active: boolean;
}

export type CustomKeyType = 'text' | 'boolean' | 'link' | 'list' | 'date';

export interface CustomKey {
  id: number;
  name: string;
  keyType: CustomKeyType;
  /** For list keys: the allowed values. */
  keyData: string[] | null;
  /** Changes of this field are announced in a notification comment. */
  keyNotify: boolean;
}

export interface TrackerMeta {
  /** {"1": "High", ...}; keys are the numbers issues store. */
  priorities: Record<string, string>;
  milestones: Milestone[];
  closeStatus: string[];
  customKeys: CustomKey[];
}

export interface TicketTag {
  id: number;
  tag: string;
  tag_description: string;
  tag_color: string;
}

export class TrackerService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Priorities, milestones, close statuses and custom keys of a project: two queries. */
  async meta(project: Pick<ProjectRecord, 'id'>, db: Knex = this.ctx.db): Promise<TrackerMeta> {
    const [row, keys] = await Promise.all([
      db('projects').where({ id: project.id }).first('priorities', 'milestones', 'close_status') as Promise<
        { priorities: Record<string, string>; milestones: Milestone[]; close_status: string[] } | undefined
      >,
      db('issue_keys').where({ project_id: project.id }).orderBy('name').select('id', 'name', 'key_type', 'key_data', 'key_notify') as Promise<
        Array<{ id: number; name: string; key_type: CustomKeyType; key_data: string[] | null; key_notify: boolean }>
      >,
    ]);
    return {
      priorities: row?.priorities ?? {},
      milestones: row?.milestones ?? [],
      closeStatus: row?.close_status ?? [],
      customKeys: keys.map((k) => ({ id: k.id, name: k.name, keyType: k.key_type, keyData: k.key_data, keyNotify: k.key_notify })),
    };
  }

  /** The project's tags with these names (case as stored); unknown names are absent from the map. */
  async tagsByName(project: Pick<ProjectRecord, 'id'>, names: readonly string[], db: Knex = this.ctx.db): Promise<Map<string, TicketTag>> {
    if (!names.length) return new Map();
    const rows = (await db('ticket_tags')
      .where({ project_id: project.id })
      .whereIn('tag', [...new Set(names)])
      .select('id', 'tag', 'tag_description', 'tag_color')) as TicketTag[];
    return new Map(rows.map((r) => [r.tag, r]));
  }
}
