// The forge's own notes on a pull request ("Pull-Request has been merged by alice", "Merge
// when ready set"): notification comments, written in the transaction of the change they tell.
import type { Knex } from 'knex';
import type { PullRequestRecord } from '../../domain/index.js';

export async function addPullRequestNote(trx: Knex, pr: Pick<PullRequestRecord, 'pk'>, userId: number, text: string): Promise<void> {
  await trx('pull_request_comments').insert({ ticket_pk: pr.pk, user_id: userId, comment: text, notification: true });
}
