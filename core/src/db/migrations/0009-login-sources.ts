// Where each account last logged in successfully: an address that has, lately, is let
// through an account-wide lockout that strangers' failed guesses caused (the throttle's
// "known source"). One row per account and address.
import type { Migration } from '../types.js';

export const loginSources: Migration = {
  name: '0009_login_sources',
  async up(knex) {
    await knex.schema.createTable('login_sources', (t) => {
      t.text('user_key').notNullable();
      t.text('address').notNullable();
      t.timestamp('last_success', { useTz: true }).notNullable();
      t.primary(['user_key', 'address']);
    });
  },
  async down(knex) {
    await knex.schema.dropTable('login_sources');
  },
};
