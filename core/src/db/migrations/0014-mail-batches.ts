// The mail storm guard: how many notification mails each address got in its current window,
// and the mails held back past that count until the window's digest takes them.
import type { Migration } from '../types.js';

export const mailBatches: Migration = {
  name: '0014_mail_batches',
  async up(knex) {
    await knex.schema.createTable('mail_windows', (t) => {
      t.text('address').primary();
      t.timestamp('started_at', { useTz: true }).notNullable();
      t.integer('sent').notNullable();
    });
    await knex.schema.createTable('mail_held', (t) => {
      t.increments('id').primary();
      t.text('address').notNullable().index();
      t.text('subject').notNullable();
      t.text('text').notNullable();
      t.timestamp('held_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
  },
  async down(knex) {
    await knex.schema.dropTable('mail_held');
    await knex.schema.dropTable('mail_windows');
  },
};
