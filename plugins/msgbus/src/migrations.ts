// The plugin's table: the outbox of messages not yet confirmed by the broker, in the event
// log's order, and what the publisher last saw.
import type { Knex, Migration } from '@pagurus/core';

export const migrations: readonly Migration[] = [
  {
    name: '0001_msgbus',
    async up(knex: Knex) {
      await knex.schema.createTable('msgbus_outbox', (t) => {
        // The event log's sequence: a replayed event finds its row and adds nothing.
        t.bigInteger('sequence').primary();
        t.uuid('message_id').notNullable();
        t.integer('project_id');
        t.text('topic').notNullable();
        t.text('body').notNullable();
        t.text('agent');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.schema.createTable('msgbus_status', (t) => {
        t.text('transport').primary();
        t.timestamp('last_sent_at', { useTz: true });
        t.text('last_error');
        t.timestamp('last_error_at', { useTz: true });
        t.bigInteger('sent').notNullable().defaultTo(0);
      });
    },
  },
  {
    name: '0002_msgbus_transports',
    async up(knex: Knex) {
      // One outbox row per transport (amqp, mqtt): each drains at its own pace.
      await knex.schema.alterTable('msgbus_outbox', (t) => {
        t.text('transport').notNullable().defaultTo('amqp');
      });
      await knex.schema.alterTable('msgbus_outbox', (t) => {
        t.dropPrimary();
        t.primary(['transport', 'sequence']);
      });
    },
  },
];
