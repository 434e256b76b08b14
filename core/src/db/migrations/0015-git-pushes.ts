// The push ledger: each push the pre-receive hook accepted, until its git.receive job has
// run. A push whose web process died after git moved its refs (or whose job the queue lost)
// is found here and its job queued again, so its events and "Fixes #N" still happen.
import type { Migration } from '../types.js';

export const gitPushes: Migration = {
  name: '0015_git_pushes',
  async up(knex) {
    await knex.schema.createTable('git_pushes', (t) => {
      t.text('id').primary();
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      t.integer('user_id').references('users.id').onDelete('CASCADE');
      t.integer('deploy_key_id');
      // git's hook lines, "<old> <new> <ref>", as they will be written (aliases resolved).
      t.jsonb('updates').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).index();
    });
  },
  async down(knex) {
    await knex.schema.dropTable('git_pushes');
  },
};
