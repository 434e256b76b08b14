// The event log (an outbox): every event is a row written in the transaction of the change
// it describes, numbered by `id` (see db/event-log.ts for why readers can trust the order).
import type { Migration } from '../types.js';

export const eventLog: Migration = {
  name: '0012_event_log',
  async up(knex) {
    await knex.schema.createTable('forge_events', (t) => {
      t.bigIncrements('id');
      t.uuid('uuid').notNullable();
      t.text('topic').notNullable();
      t.jsonb('body').notNullable();
      t.text('agent');
      t.integer('project_id');
      t.boolean('project_private').notNullable().defaultTo(false);
      t.boolean('issue_private').notNullable().defaultTo(false);
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.index(['created_at']);
    });
    // One row per durable subscriber: where it is in the log, and why it is waiting if it is.
    await knex.schema.createTable('forge_event_cursors', (t) => {
      t.text('name').primary();
      t.bigInteger('event_id').notNullable();
      t.integer('attempts').notNullable().defaultTo(0);
      t.timestamp('retry_at', { useTz: true });
      t.text('last_error');
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
  },
  async down(knex) {
    await knex.schema.dropTable('forge_event_cursors');
    await knex.schema.dropTable('forge_events');
  },
};
