// The notes the forge writes on an issue or a pull request when its metadata changes, as
// Pagure does: one comment flagged as a notification, in the same transaction as the
// change, e.g. "**Metadata Update from @alice**:\n- Issue tagged with: bug".
import type { Knex } from 'knex';
import type { UserRecord } from '../../domain/index.js';
import type { TicketTables } from './ticket-writes.js';

/** How notes name the ticket. */
export type TicketNoun = 'Issue' | 'Pull-request';

/** The text of one metadata note listing `messages`. */
export function metadataNote(user: Pick<UserRecord, 'name'>, messages: readonly string[]): string {
  return `**Metadata Update from @${user.name}**:\n${messages.map((m) => `- ${m}`).join('\n')}\n`;
}

/** Writes one note for `messages` (nothing when there are none). */
export async function addMetadataNote(
  trx: Knex.Transaction,
  tables: Pick<TicketTables, 'comments'>,
  ticketPk: number,
  user: Pick<UserRecord, 'id' | 'name'>,
  messages: readonly string[],
): Promise<void> {
  if (!messages.length) return;
  await trx(tables.comments).insert({ ticket_pk: ticketPk, user_id: user.id, notification: true, comment: metadataNote(user, messages) });
}

/** "Issue tagged with: a, b" and "Issue **un**tagged with: c". */
export function tagMessages(noun: TicketNoun, change: { added: readonly string[]; removed: readonly string[] }): string[] {
  return [
    ...(change.added.length ? [`${noun} tagged with: ${change.added.join(', ')}`] : []),
    ...(change.removed.length ? [`${noun} **un**tagged with: ${change.removed.join(', ')}`] : []),
  ];
}

/** "Issue marked as depending on: #3", "Issue **un**marked as blocking: #4", one per issue. */
export function dependencyMessages(
  side: 'depending' | 'blocking',
  change: { added: readonly number[]; removed: readonly number[] },
): string[] {
  const what = side === 'depending' ? 'depending on' : 'blocking';
  return [
    ...change.removed.map((id) => `Issue **un**marked as ${what}: #${id}`),
    ...change.added.map((id) => `Issue marked as ${what}: #${id}`),
  ];
}
