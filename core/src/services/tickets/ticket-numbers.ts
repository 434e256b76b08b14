// Issue and pull-request numbers: one sequence per project, shared by both, as in Pagure
// (the first pull request after issue #1 is #2). The counter lives on the project row, so
// taking a number locks that row until the creating transaction ends: two tickets opened at
// once get consecutive numbers, and a rolled-back creation gives its number back.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/** The next number of `projectId`'s tickets; call inside the transaction that inserts the ticket. */
export async function nextTicketId(trx: Knex.Transaction, projectId: number): Promise<number> {
  const rows = (await trx('projects').where({ id: projectId }).increment('ticket_seq', 1).returning('ticket_seq')) as Array<{
    ticket_seq: number;
  }>;
  const row = rows[0];
  if (!row) throw new Error(`project ${projectId} is gone`);
  return row.ticket_seq;
}

/** Pagure's uid of an issue or a pull request: 32 hex digits, unique across the forge. */
export function newTicketUid(): string {
  return randomUUID().replace(/-/g, '');
}
