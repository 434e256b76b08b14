// The instance record: one row naming this forge's database, so operators can check that
// every web and worker process points at the same one (/_health reports its id).
import type { Migration } from '../types.js';

export const instance: Migration = {
  name: '0001_instance',
  async up(knex) {
    await knex.schema.createTable('instance', (table) => {
      table.uuid('id').primary();
      table.boolean('singleton').notNullable().defaultTo(true).unique();
      table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.raw('alter table instance add constraint instance_singleton check (singleton)');
    await knex('instance').insert({ id: knex.raw('gen_random_uuid()') });
  },
  async down(knex) {
    await knex.schema.dropTable('instance');
  },
};
