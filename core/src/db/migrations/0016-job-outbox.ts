// The job outbox: each durable job (merges, new projects and forks, a push's git.receive,
// mail) is written here when it is queued, with the change that queued it, and crossed out
// when it finishes. Jobs the queue lost are queued again from here.
import type { Migration } from '../types.js';

export const jobOutbox: Migration = {
  name: '0016_job_outbox',
  async up(knex) {
    await knex.schema.createTable('job_outbox', (t) => {
      // The task's id in the queue: "<job name>:<key>".
      t.text('task_id').primary();
      t.text('name').notNullable();
      t.jsonb('data').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).index();
    });
  },
  async down(knex) {
    await knex.schema.dropTable('job_outbox');
  },
};
