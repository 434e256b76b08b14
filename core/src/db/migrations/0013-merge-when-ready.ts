// "Merge when ready": a pull request whose merge waits for its flags, and who asked for it
// (the merge is theirs). The row goes when the merge is queued, cancelled or the pull request closes.
import type { Migration } from '../types.js';

export const mergeWhenReady: Migration = {
  name: '0013_merge_when_ready',
  async up(knex) {
    await knex.schema.createTable('pull_request_merge_when_ready', (t) => {
      t.integer('pull_request_pk').primary().references('pull_requests.pk').onDelete('CASCADE');
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
  },
  async down(knex) {
    await knex.schema.dropTable('pull_request_merge_when_ready');
  },
};
