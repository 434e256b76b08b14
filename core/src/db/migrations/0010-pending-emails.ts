// Email addresses waiting for their owner to open the link mailed to them. Only a hash of
// the link's token is kept, as for password resets. While its link is good, a pending
// address is taken: nobody else may claim it. An expired row is removed when someone
// claims the address again.
import type { Migration } from '../types.js';

export const pendingEmails: Migration = {
  name: '0010_user_emails_pending',
  async up(knex) {
    await knex.schema.createTable('user_emails_pending', (t) => {
      t.increments('id');
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.text('email').notNullable();
      t.text('token_hash').notNullable().unique();
      t.timestamp('expires_at', { useTz: true }).notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.index(['user_id']);
    });
    await knex.raw('create unique index user_emails_pending_email_unique on user_emails_pending (lower(email))');
  },
  async down(knex) {
    await knex.schema.dropTable('user_emails_pending');
  },
};
