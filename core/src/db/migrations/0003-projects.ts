// Projects: the registry of repositories (main projects and forks), their topic tags,
// who may do what (users and groups with levels and collaborator branch patterns),
// and who watches them.
import type { Migration } from '../types.js';

export const projects: Migration = {
  name: '0003_projects',
  async up(knex) {
    await knex.schema.createTable('projects', (t) => {
      t.increments('id');
      t.text('name').notNullable();
      t.text('namespace');
      // The main admin of a project; for a fork, the user who forked it.
      t.integer('user_id').notNullable().references('users.id');
      t.integer('parent_id').references('projects.id').onDelete('SET NULL');
      t.boolean('is_fork').notNullable().defaultTo(false);
      t.boolean('private').notNullable().defaultTo(false);
      t.text('description').notNullable().defaultTo('');
      t.text('url').notNullable().defaultTo('');
      t.text('avatar_email');
      t.text('mirrored_from');
      // Users who may not write to this project through the API (EUBLOCKED).
      t.specificType('block_users', 'text[]').notNullable().defaultTo('{}');
      t.jsonb('settings').notNullable().defaultTo('{}');
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.index(['user_id']);
      t.index(['parent_id']);
    });
    // One main project per namespace and name, one fork of it per user; names compare
    // without case, as lookups do.
    await knex.raw("create unique index projects_main_unique on projects (lower(coalesce(namespace, '')), lower(name)) where not is_fork");
    await knex.raw(
      "create unique index projects_fork_unique on projects (user_id, lower(coalesce(namespace, '')), lower(name)) where is_fork",
    );
    // Listings page through projects in this order; pattern filters use LIKE on lower(name).
    await knex.raw('create index projects_listing_order on projects (lower(name), id)');
    await knex.raw('create index projects_lower_name on projects (lower(name) text_pattern_ops)');
    await knex.schema.createTable('project_tags', (t) => {
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      t.text('tag').notNullable();
      t.primary(['project_id', 'tag']);
      t.index(['tag']);
    });
    for (const [table, who, ref] of [
      ['project_user_access', 'user_id', 'users.id'],
      ['project_group_access', 'group_id', 'groups.id'],
    ] as const) {
      await knex.schema.createTable(table, (t) => {
        t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
        t.integer(who).notNullable().references(ref).onDelete('CASCADE');
        t.text('access').notNullable();
        // Collaborators: the branches they may push to, as fnmatch patterns.
        t.specificType('branches', 'text[]').notNullable().defaultTo('{}');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.primary(['project_id', who]);
        t.index([who]);
      });
      await knex.raw(`alter table ${table} add constraint ${table}_level check (access in ('ticket', 'collaborator', 'commit', 'admin'))`);
    }
    await knex.schema.createTable('watchers', (t) => {
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.boolean('watch_issues').notNullable();
      t.boolean('watch_commits').notNullable();
      t.primary(['project_id', 'user_id']);
      t.index(['user_id']);
    });
    await knex.raw(
      'alter table api_tokens add constraint api_tokens_project foreign key (project_id) references projects (id) on delete cascade',
    );
  },
};
