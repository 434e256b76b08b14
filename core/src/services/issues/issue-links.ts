// An issue's links: its tags and its dependencies (the issues it depends on, and those it
// blocks). Checks what a client asks for, then writes it and answers the notes and events
// the change calls for; the issues service runs both inside its transaction.
import type { Knex } from 'knex';
import { LIMITS, type IssueRecord, type ProjectRecord } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import { checkLengths } from '../input-limits.js';
import { dependencyMessages, tagMessages } from '../tickets/ticket-notes.js';
import { ISSUE_TABLES, replaceTags } from '../tickets/ticket-writes.js';

export interface IssueLinks {
  tags?: string[];
  /** Numbers of the issues this one depends on. */
  depending?: number[];
  /** Numbers of the issues this one blocks. */
  blocking?: number[];
}

export interface LinkChanges {
  /** The lines of the metadata note. */
  messages: string[];
  /** Pagure's events: topic and what the body adds to the issue and project. */
  events: Array<[topic: string, extra: Record<string, unknown>]>;
}

const SIDES = ['depending', 'blocking'] as const;

/** 400 EINVALIDREQ, keyed by the form field, for over-long tags and for dependencies that cannot be. */
export async function checkLinks(db: Knex, project: ProjectRecord, issue: IssueRecord, links: IssueLinks): Promise<void> {
  checkLengths([['tag', links.tags, LIMITS.tag]]);
  const errors: Record<string, string[]> = {};
  for (const side of SIDES) {
    const numbers = links[side];
    if (!numbers?.length) continue;
    if (numbers.includes(issue.id)) {
      errors[side] = [side === 'depending' ? 'An issue cannot depend on itself' : 'An issue cannot block itself'];
      continue;
    }
    const found = new Set((await db('issues').where({ project_id: project.id }).whereIn('id', numbers).pluck('id')) as number[]);
    const missing = [...new Set(numbers.filter((n) => !found.has(n)))];
    if (missing.length === 1) errors[side] = [`Issue #${missing[0]} does not exist in this project`];
    else if (missing.length) errors[side] = [`Issues ${missing.map((n) => `#${n}`).join(', ')} do not exist in this project`];
  }
  if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
}

/** Makes the issue's tags and dependencies those of `links` (the fields given); answers the notes and events. */
export async function writeLinks(
  trx: Knex.Transaction,
  project: ProjectRecord,
  issue: IssueRecord,
  links: IssueLinks,
): Promise<LinkChanges> {
  const changes: LinkChanges = { messages: [], events: [] };
  if (links.tags) {
    const { added, removed } = await replaceTags(trx, ISSUE_TABLES, project.id, issue.pk, links.tags);
    changes.messages.push(...tagMessages('Issue', { added, removed }));
    if (added.length) changes.events.push(['issue.tag.added', { tags: added }]);
    if (removed.length) changes.events.push(['issue.tag.removed', { tags: removed }]);
  }
  for (const side of SIDES) {
    const numbers = links[side];
    if (!numbers) continue;
    const rows = (await trx('issues')
      .where({ project_id: project.id })
      .whereIn('id', numbers)
      .whereNot('pk', issue.pk)
      .select('pk', 'id')) as Array<{ pk: number; id: number }>;
    // depending: this issue is the child; blocking: this issue is the parent.
    const mine = side === 'depending' ? 'child_pk' : 'parent_pk';
    const theirs = side === 'depending' ? 'parent_pk' : 'child_pk';
    const current = (await trx('issue_dependencies as d')
      .join('issues as i', 'i.pk', `d.${theirs}`)
      .where(`d.${mine}`, issue.pk)
      .select('i.pk', 'i.id')) as Array<{ pk: number; id: number }>;
    const gone = current.filter((c) => !numbers.includes(c.id)).sort((a, b) => a.id - b.id);
    const added = rows.filter((r) => !current.some((c) => c.pk === r.pk)).sort((a, b) => a.id - b.id);
    for (const link of gone) {
      await trx('issue_dependencies')
        .where({ [mine]: issue.pk, [theirs]: link.pk })
        .delete();
      changes.events.push(['issue.dependency.removed', { removed_dependency: link.id }]);
    }
    for (const link of added) {
      await trx('issue_dependencies')
        .insert({ [mine]: issue.pk, [theirs]: link.pk })
        .onConflict(['parent_pk', 'child_pk'])
        .ignore();
      changes.events.push(['issue.dependency.added', { added_dependency: link.id }]);
    }
    changes.messages.push(...dependencyMessages(side, { added: added.map((r) => r.id), removed: gone.map((r) => r.id) }));
  }
  return changes;
}
