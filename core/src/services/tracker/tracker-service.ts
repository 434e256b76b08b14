// A project's tracker settings: the priorities, milestones and close statuses issues may
// take, the custom fields they carry, and the colored tags of issues and pull requests.
import type { Knex } from 'knex';
import { isTooLong, LIMITS, tooLongMessage, type ProjectRecord } from '../../domain/index.js';
import { Invalid, NotFound } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { addLengthErrors, checkLengths } from '../input-limits.js';

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

export interface IssueTemplate {
  name: string;
  content: string;
}

/** A template's name: what a URL parameter and a form field carry. */
const TEMPLATE_NAME = /^[\w][\w .-]{0,63}$/;
const LONGEST_TEMPLATE = 64 * 1024;

export class TrackerService {
  constructor(private readonly ctx: ServiceContext) {}

  /** The project's issue templates, by name. */
  async issueTemplates(project: Pick<ProjectRecord, 'id'>): Promise<IssueTemplate[]> {
    return (await this.ctx
      .db('issue_templates')
      .where({ project_id: project.id })
      .orderBy('name')
      .select('name', 'content')) as IssueTemplate[];
  }

  /** Adds or replaces a template; callers check that the user administers the project. */
  async saveIssueTemplate(project: Pick<ProjectRecord, 'id'>, input: IssueTemplate): Promise<void> {
    const name = input.name.trim();
    const errors: Record<string, string[]> = {};
    if (!TEMPLATE_NAME.test(name)) errors.template_name = ['Letters, digits, spaces, dots and dashes, at most 64'];
    if (!input.content.trim()) errors.template_content = ['This field is required.'];
    else if (input.content.length > LONGEST_TEMPLATE) errors.template_content = ['At most 64 KiB'];
    if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
    await this.ctx
      .db('issue_templates')
      .insert({ project_id: project.id, name, content: input.content })
      .onConflict(['project_id', 'name'])
      .merge();
  }

  async deleteIssueTemplate(project: Pick<ProjectRecord, 'id'>, name: string): Promise<void> {
    await this.ctx.db('issue_templates').where({ project_id: project.id, name }).delete();
  }

  /** Priorities, milestones, close statuses and custom keys of a project: two queries. */
  async meta(project: Pick<ProjectRecord, 'id'>, db: Knex = this.ctx.db): Promise<TrackerMeta> {
    const [row, keys] = await Promise.all([
      db('projects').where({ id: project.id }).first('priorities', 'milestones', 'close_status') as Promise<
        { priorities: Record<string, string>; milestones: Milestone[]; close_status: string[] } | undefined
      >,
      db('issue_keys')
        .where({ project_id: project.id })
        .orderBy('name')
        .select('id', 'name', 'key_type', 'key_data', 'key_notify') as Promise<
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

  /** The project's tags, by name; `pattern` matches their start (Pagure appends a "*"). */
  async tags(project: Pick<ProjectRecord, 'id'>, pattern?: string): Promise<string[]> {
    const query = this.ctx.db('ticket_tags').where({ project_id: project.id }).orderBy('tag');
    if (pattern)
      query.whereRaw('lower(tag) like lower(?)', [
        `${pattern
          .replace(/\*+$/, '')
          .replace(/[\\%_]/g, (c) => `\\${c}`)
          .replace(/\*/g, '%')}%`,
      ]);
    return (await query.pluck('tag')) as string[];
  }

  async tag(project: Pick<ProjectRecord, 'id'>, name: string): Promise<TicketTag> {
    const row = (await this.ctx
      .db('ticket_tags')
      .where({ project_id: project.id, tag: name })
      .first('id', 'tag', 'tag_description', 'tag_color')) as TicketTag | undefined;
    if (!row) throw NotFound('ENOTAG');
    return row;
  }

  /** A new tag for the project's issues and pull requests, validated as Pagure's form does. */
  async createTag(project: Pick<ProjectRecord, 'id'>, input: { tag: string; description: string; color: string }): Promise<TicketTag> {
    const errors: Record<string, string[]> = {};
    if (!input.tag) errors.tag = ['This field is required.'];
    else if (isTooLong(input.tag, LIMITS.tag)) errors.tag = [tooLongMessage(LIMITS.tag)];
    else if (!TAG_PATTERN.test(input.tag)) errors.tag = ['Invalid input.'];
    if (!input.color) errors.tag_color = ['This field is required.'];
    addLengthErrors(errors, [
      ['tag_description', input.description, LIMITS.tagDescription],
      ['tag_color', input.color, LIMITS.tagColor],
    ]);
    if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
    const rows = (await this.ctx
      .db('ticket_tags')
      .insert({ project_id: project.id, tag: input.tag, tag_description: input.description, tag_color: input.color })
      .onConflict(['project_id', 'tag'])
      .ignore()
      .returning(['id', 'tag', 'tag_description', 'tag_color'])) as TicketTag[];
    if (!rows[0]) throw Invalid('ENOCODE', `A tag named ${input.tag} already exists for this project`);
    return rows[0];
  }

  /** Removes a tag from the project and from every issue and pull request carrying it. */
  async deleteTag(project: Pick<ProjectRecord, 'id'>, name: string): Promise<string> {
    const deleted = await this.ctx.db('ticket_tags').where({ project_id: project.id, tag: name }).delete();
    if (!deleted) throw NotFound('ENOTAG');
    return `Tag: ${name} has been deleted`;
  }

  /** Pagure's priorities form: weights (integers) and titles, side by side. */
  async setPriorities(project: Pick<ProjectRecord, 'id'>, weights: string[], titles: string[]): Promise<Record<string, string>> {
    const priorities = parsePriorities(weights, titles);
    await this.saveLists(project, { priorities });
    return priorities;
  }

  /** Pagure's milestones form: names, dates and the names of the active ones. */
  async setMilestones(project: Pick<ProjectRecord, 'id'>, names: string[], dates: string[], active: string[]): Promise<Milestone[]> {
    const milestones = parseMilestones(names, dates, active);
    await this.saveLists(project, { milestones });
    return milestones;
  }

  /**
   * The custom fields issues carry: names, types (text, boolean, link, list, date), the
   * comma-separated choices of list fields, and the names whose changes notify. Values of
   * fields that keep their name survive; the others go with their field.
   */
  async setCustomKeys(
    project: Pick<ProjectRecord, 'id'>,
    input: { names: string[]; types: string[]; data: string[]; notify: string[] },
  ): Promise<CustomKey[]> {
    checkLengths([
      ['custom_keys', input.names.map((n) => n.trim()), LIMITS.customFieldName],
      ['custom_keys_data', input.data, LIMITS.customFieldData],
    ]);
    const keys: Array<{ name: string; type: CustomKeyType; data: string[] | null; notify: boolean }> = [];
    input.names.forEach((raw, i) => {
      const name = raw.trim();
      if (!name) return;
      const type = (input.types[i] ?? 'text').trim() as CustomKeyType;
      if (!KEY_TYPES.includes(type)) throw Invalid('EINVALIDREQ', { errors: { custom_keys_type: ['Not a valid choice.'] } });
      if (keys.some((k) => k.name === name)) throw Invalid('EINVALIDREQ', { errors: `Custom field ${name} is present multiple times` });
      const choices =
        type === 'list'
          ? (input.data[i] ?? '')
              .split(',')
              .map((c) => c.trim())
              .filter(Boolean)
          : null;
      keys.push({ name, type, data: choices, notify: input.notify.includes(name) || input.notify[i] === 'on' });
    });
    await this.ctx.db.transaction(async (trx) => {
      await trx('issue_keys')
        .where({ project_id: project.id })
        .whereNotIn(
          'name',
          keys.map((k) => k.name),
        )
        .delete();
      for (const key of keys) {
        await trx('issue_keys')
          .insert({
            project_id: project.id,
            name: key.name,
            key_type: key.type,
            key_data: key.data === null ? null : JSON.stringify(key.data),
            key_notify: key.notify,
          })
          .onConflict(['project_id', 'name'])
          .merge(['key_type', 'key_data', 'key_notify']);
      }
    });
    return (await this.meta(project)).customKeys;
  }

  /** The reasons issues may be closed with. */
  async setCloseStatuses(project: Pick<ProjectRecord, 'id'>, statuses: string[]): Promise<string[]> {
    const list = parseCloseStatuses(statuses);
    await this.saveLists(project, { closeStatuses: list });
    return list;
  }

  /**
   * Stores lists already checked by the parse functions below, in one statement: a form that
   * sets several (the settings page's tracker form) is saved whole or not at all.
   */
  async saveLists(project: Pick<ProjectRecord, 'id'>, lists: TrackerLists): Promise<void> {
    const update: Record<string, unknown> = {};
    if (lists.closeStatuses) update.close_status = JSON.stringify(lists.closeStatuses);
    if (lists.priorities) update.priorities = JSON.stringify(lists.priorities);
    if (lists.milestones) update.milestones = JSON.stringify(lists.milestones);
    if (!Object.keys(update).length) return;
    await this.ctx
      .db('projects')
      .where({ id: project.id })
      .update({ ...update, updated_at: this.ctx.db.fn.now() });
  }
}

/** A project's close statuses, priorities and milestones, as saveLists takes them. */
export interface TrackerLists {
  closeStatuses?: string[];
  priorities?: Record<string, string>;
  milestones?: Milestone[];
}

/** Pagure's close-status form: the statuses, trimmed, without blanks or repeats. */
export function parseCloseStatuses(statuses: string[]): string[] {
  checkLengths([['close_status', statuses.map((s) => s.trim()), LIMITS.closeStatus]]);
  return [...new Set(statuses.map((s) => s.trim()).filter(Boolean))];
}

/** Pagure's priorities form: weights (whole numbers, once each) and their titles. */
export function parsePriorities(weights: string[], titles: string[]): Record<string, string> {
  if (weights.length !== titles.length)
    throw Invalid('EINVALIDREQ', { errors: 'Priorities weights and titles are not of the same length' });
  checkLengths([
    ['priority_weigth', weights.map((w) => w.trim()), 32],
    ['priority_title', titles.map((t) => t.trim()), LIMITS.priorityTitle],
  ]);
  const priorities: Record<string, string> = {};
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i]!.trim();
    const title = titles[i]!.trim();
    if (!weight && !title) continue;
    if (!/^-?\d+$/.test(weight)) throw Invalid('EINVALIDREQ', { errors: 'Priorities weights must be numbers' });
    if (weight in priorities) throw Invalid('EINVALIDREQ', { errors: 'Priority weight ' + weight + ' is used more than once' });
    priorities[weight] = title;
  }
  if (Object.keys(priorities).length) priorities[''] = '';
  return priorities;
}

/** Pagure's milestones form: names (once each), dates and the names of the active ones. */
export function parseMilestones(names: string[], dates: string[], active: string[]): Milestone[] {
  checkLengths([
    ['milestones', names.map((n) => n.trim()), LIMITS.milestone],
    ['milestone_dates', dates.map((d) => d.trim()), LIMITS.milestoneDate],
  ]);
  const seen = new Set<string>();
  const milestones: Milestone[] = [];
  names.forEach((raw, i) => {
    const name = raw.trim();
    if (!name) return;
    if (seen.has(name)) throw Invalid('EINVALIDREQ', { errors: `Milestone ${name} is present multiple times` });
    seen.add(name);
    milestones.push({ name, date: dates[i]?.trim() || null, active: active.includes(name) });
  });
  return milestones;
}

const KEY_TYPES: readonly CustomKeyType[] = ['text', 'boolean', 'link', 'list', 'date'];

/** Pagure's TAGS_REGEX: a letter or digit, then letters, digits, "-", "_", " ", ".", ":". */
const TAG_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9\-_ .:]+$/;
