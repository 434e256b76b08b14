// The plugin's table: each user's choices about mail (no row: both on).
import type { Knex, Migration } from '@pagurus/core';

export const migrations: readonly Migration[] = [
  {
    name: '0001_milter_preferences',
    async up(knex: Knex) {
      await knex.schema.createTable('milter_preferences', (t) => {
        t.integer('user_id').primary().references('users.id').onDelete('CASCADE');
        /** Notification mails about issues and pull requests. */
        t.boolean('notifications').notNullable().defaultTo(true);
        /** Replying to them by mail (the Reply-To address, and taking the replies). */
        t.boolean('replies').notNullable().defaultTo(true);
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
  },
];
