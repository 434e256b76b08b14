// Flags: CI results attached to a commit of a project (Pagure's commit_flags). Pull-request
// flags attach to the pull request's head commit, as in Pagure 5.12 and later, so they will
// live here too.
import type { Migration } from '../types.js';

export const flags: Migration = {
  name: '0005_flags',
  async up(knex) {
    await knex.schema.createTable('commit_flags', (t) => {
      t.increments('id');
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      t.text('commit_hash').notNullable();
      // The flagger's key: the same uid on the same commit updates the flag.
      t.string('uid', 32).notNullable();
      // Who posted it, and with which token (null when the token is gone).
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.integer('token_id').nullable().references('api_tokens.id').onDelete('SET NULL');
      // What the CI system calls itself, and what it says.
      t.text('username').notNullable();
      t.text('status').notNullable();
      t.integer('percent').nullable();
      t.text('comment').notNullable();
      t.text('url').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.raw('create unique index commit_flags_uid on commit_flags (project_id, commit_hash, uid)');
    // A commit's flags, in the order they were last updated.
    await knex.raw('create index commit_flags_listing on commit_flags (project_id, commit_hash, updated_at, id)');
  },
};
