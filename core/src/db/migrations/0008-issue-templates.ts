// Issue templates: Markdown a project's admins keep for the new-issue form ("default" fills
// it in; the others are offered). Pagure reads them from the tickets repository; here they
// are rows, edited in the project's settings.
import type { Migration } from '../types.js';

export const issueTemplates: Migration = {
  name: '0008_issue_templates',
  async up(knex) {
    await knex.schema.createTable('issue_templates', (t) => {
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      t.text('name').notNullable();
      t.text('content').notNullable();
      t.primary(['project_id', 'name']);
    });
  },
  async down(knex) {
    await knex.schema.dropTable('issue_templates');
  },
};
