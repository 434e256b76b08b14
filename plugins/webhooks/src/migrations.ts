// The plugin's tables: events waiting to be fanned out to a project's URLs, one row per
// delivery (its log, too), and each project's hook token.
import type { Knex, Migration } from '@pagurus/core';

export const migrations: readonly Migration[] = [
  {
    name: '0001_webhooks',
    async up(knex: Knex) {
      await knex.schema.createTable('webhooks_events', (t) => {
        // The event log's sequence: a replayed event finds its row and adds nothing.
        t.bigInteger('sequence').primary();
        t.text('msg_id').notNullable();
        t.integer('project_id').notNullable();
        t.text('topic').notNullable();
        t.text('body').notNullable();
        t.text('timestamp').notNullable();
        t.boolean('fanned_out').notNullable().defaultTo(false);
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.index(['project_id', 'fanned_out', 'sequence']);
      });
      await knex.schema.createTable('webhooks_deliveries', (t) => {
        t.bigIncrements('id');
        // Null for test events and redeliveries, which are not the event's first delivery.
        t.bigInteger('event_sequence').nullable();
        t.integer('project_id').notNullable();
        t.text('project_fullname').notNullable();
        t.text('msg_id').notNullable();
        t.text('topic').notNullable();
        t.text('payload').notNullable();
        t.text('url').notNullable();
        // Deliveries to one URL go one at a time, oldest first: this names the URL's queue.
        t.text('url_key').notNullable();
        t.text('status').notNullable().defaultTo('pending');
        t.integer('attempt').notNullable().defaultTo(0);
        t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('last_attempt_at', { useTz: true }).nullable();
        t.integer('response_status').nullable();
        t.integer('duration_ms').nullable();
        t.text('response_excerpt').nullable();
        t.bigInteger('redelivery_of').nullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.unique(['event_sequence', 'url']);
        t.index(['url_key', 'status', 'id']);
        t.index(['project_id', 'id']);
        t.index(['status', 'next_attempt_at']);
      });
      await knex.schema.createTable('webhooks_tokens', (t) => {
        t.integer('project_id').primary();
        t.text('token').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
    async down(knex: Knex) {
      await knex.schema.dropTableIfExists('webhooks_tokens');
      await knex.schema.dropTableIfExists('webhooks_deliveries');
      await knex.schema.dropTableIfExists('webhooks_events');
    },
  },
];
