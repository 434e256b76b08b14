// Accounts: users with their emails and SSH keys, browser sessions, password resets,
// failed-login counters, groups and their members, and API tokens (stored as hashes).
import type { Migration } from '../types.js';

export const accounts: Migration = {
  name: '0002_accounts',
  async up(knex) {
    await knex.schema.createTable('users', (t) => {
      t.increments('id');
      t.text('name').notNullable().unique();
      t.text('fullname').notNullable().defaultTo('');
      t.text('password_hash');
      t.boolean('is_admin').notNullable().defaultTo(false);
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.schema.createTable('user_emails', (t) => {
      t.increments('id');
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.text('email').notNullable();
      t.boolean('is_default').notNullable().defaultTo(false);
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.raw('create unique index user_emails_email_unique on user_emails (lower(email))');
    await knex.raw('create unique index user_emails_one_default on user_emails (user_id) where is_default');
    await knex.schema.createTable('ssh_keys', (t) => {
      t.increments('id');
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.text('public_key').notNullable();
      t.text('fingerprint').notNullable().unique();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.index(['user_id']);
    });
    await knex.schema.createTable('sessions', (t) => {
      t.uuid('id').primary();
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.text('csrf_secret').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.timestamp('expires_at', { useTz: true }).notNullable();
      t.index(['user_id']);
    });
    await knex.schema.createTable('password_resets', (t) => {
      t.text('token_hash').primary();
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.timestamp('expires_at', { useTz: true }).notNullable();
      t.index(['user_id']);
    });
    await knex.schema.createTable('login_failures', (t) => {
      // "user:<name>" or "addr:<ip>": one row per key and window.
      t.text('key').primary();
      t.integer('count').notNullable();
      t.timestamp('window_start', { useTz: true }).notNullable();
    });
    await knex.schema.createTable('groups', (t) => {
      t.increments('id');
      t.text('name').notNullable().unique();
      t.text('display_name').notNullable();
      t.text('description').notNullable().defaultTo('');
      t.text('group_type').notNullable().defaultTo('user');
      t.integer('creator_id').notNullable().references('users.id');
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.raw("alter table groups add constraint groups_type check (group_type in ('user', 'admin'))");
    await knex.schema.createTable('group_members', (t) => {
      t.integer('group_id').notNullable().references('groups.id').onDelete('CASCADE');
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.primary(['group_id', 'user_id']);
      t.index(['user_id']);
    });
    await knex.schema.createTable('api_tokens', (t) => {
      t.increments('id');
      // sha256 of the token: tokens are 256 random bits, so a fast hash is enough.
      t.text('token_hash').notNullable().unique();
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.integer('project_id');
      t.specificType('acls', 'text[]').notNullable();
      t.text('description').notNullable().defaultTo('');
      t.timestamp('expires_at', { useTz: true }).notNullable();
      t.timestamp('revoked_at', { useTz: true });
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.index(['user_id']);
      t.index(['project_id']);
    });
  },
};
