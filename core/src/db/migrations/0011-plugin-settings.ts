// Plugins' per-project settings: one JSON object per (project, plugin), validated by the
// plugin's schema before it is stored. Deleting a project deletes its plugins' settings.
import type { Migration } from '../types.js';

export const pluginSettings: Migration = {
  name: '0011_plugin_settings',
  async up(knex) {
    await knex.schema.createTable('plugin_settings', (t) => {
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      t.text('plugin').notNullable();
      t.jsonb('settings').notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.primary(['project_id', 'plugin']);
    });
  },
  async down(knex) {
    await knex.schema.dropTable('plugin_settings');
  },
};
