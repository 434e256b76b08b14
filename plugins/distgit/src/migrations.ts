// The plugin's tables: what dist-git keeps about a package beside core's project (its
// monitoring, its Bugzilla assignees, why it was orphaned, whether provenpackagers are kept
// out), and the version of the extras files, moved by every change they show.
import type { Knex, Migration } from '@pagurus/core';

export const migrations: readonly Migration[] = [
  {
    name: '0001_distgit',
    async up(knex: Knex) {
      await knex.schema.createTable('distgit_packages', (t) => {
        t.integer('project_id').primary().references('id').inTable('projects').onDelete('CASCADE');
        /** One of the seven monitoring statuses; null: never set (answered as no-monitoring). */
        t.text('monitoring');
        /** A user name or "@group"; null: the main admin is the assignee. */
        t.text('fedora_assignee');
        t.text('epel_assignee');
        /** Set while the package is orphaned. */
        t.text('orphan_reason');
        t.text('orphan_reason_info');
        t.timestamp('orphaned_at', { useTz: true });
        /** Provenpackagers may not push here (releng still may). */
        t.boolean('provenpackager_exempt').notNullable().defaultTo(false);
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.schema.createTable('distgit_extras_version', (t) => {
        t.integer('id').primary();
        t.bigInteger('version').notNullable();
      });
      await knex('distgit_extras_version').insert({ id: 1, version: 1 });
    },
  },
];
