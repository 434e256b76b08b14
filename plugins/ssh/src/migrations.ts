// The plugin's table: projects' deploy keys (Pagure's): a key that may fetch one project,
// public or private, for a build system or a mirror, and with push access push to it.
import type { Knex, Migration } from '@pagurus/core';

export const migrations: readonly Migration[] = [
  {
    name: '0001_ssh_deploy_keys',
    async up(knex: Knex) {
      await knex.schema.createTable('ssh_deploy_keys', (t) => {
        t.increments('id');
        t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE').index();
        t.text('public_key').notNullable();
        t.text('fingerprint').notNullable().unique();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
  },
  {
    name: '0002_ssh_deploy_keys_push',
    async up(knex: Knex) {
      await knex.schema.alterTable('ssh_deploy_keys', (t) => {
        t.boolean('push').notNullable().defaultTo(false);
      });
    },
  },
];
