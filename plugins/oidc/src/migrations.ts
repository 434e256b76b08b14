// The plugin's tables: which provider account is which forge account (so a user name is
// never taken over by someone else of the same name), and each session's ID token (the
// hint the provider's logout wants).
import type { Knex, Migration } from '@pagurus/core';

export const migrations: readonly Migration[] = [
  {
    name: '0001_oidc_identities',
    async up(knex: Knex) {
      await knex.schema.createTable('oidc_identities', (t) => {
        t.text('issuer').notNullable();
        t.text('subject').notNullable();
        t.integer('user_id').notNullable().unique().references('users.id').onDelete('CASCADE');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('last_login_at', { useTz: true });
        t.primary(['issuer', 'subject']);
      });
      await knex.schema.createTable('oidc_sessions', (t) => {
        t.uuid('session_id').primary().references('sessions.id').onDelete('CASCADE');
        t.text('id_token').notNullable();
      });
    },
  },
];
