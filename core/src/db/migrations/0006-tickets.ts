// Tickets: issues and pull requests, which share one number sequence per project (the first
// pull request after issue #1 is #2, as in Pagure), their comments, tags, watchers, custom
// fields and links; and the per-project tracker settings (priorities, milestones, close
// statuses) the issue endpoints validate against.
//
// Rows are keyed by a surrogate `pk` so joins stay integer joins; `id` is the number users
// see, unique within a project, and `uid` Pagure's global 32-hex identifier.
import type { Knex } from 'knex';
import type { Migration } from '../types.js';

function ticketColumns(t: Knex.CreateTableBuilder, knex: Knex): void {
  t.increments('pk');
  t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
  t.integer('id').notNullable();
  t.string('uid', 32).notNullable().unique();
  t.text('title').notNullable();
  t.integer('user_id').notNullable().references('users.id');
  t.integer('assignee_id').references('users.id').onDelete('SET NULL');
  t.integer('closed_by_id').references('users.id').onDelete('SET NULL');
  t.timestamp('closed_at', { useTz: true });
  t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.unique(['project_id', 'id']);
}

function commentColumns(t: Knex.CreateTableBuilder, knex: Knex, parent: 'issues' | 'pull_requests'): void {
  t.increments('id');
  t.integer('ticket_pk').notNullable().references(`${parent}.pk`).onDelete('CASCADE');
  t.text('comment').notNullable();
  t.integer('parent_id');
  t.integer('user_id').notNullable().references('users.id');
  // Comments the forge writes itself ("@alice assigned the issue"), shown but not counted.
  t.boolean('notification').notNullable().defaultTo(false);
  t.timestamp('edited_on', { useTz: true });
  t.integer('editor_id').references('users.id').onDelete('SET NULL');
  t.jsonb('reactions').notNullable().defaultTo('{}');
  t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.index(['ticket_pk', 'created_at', 'id']);
}

export const tickets: Migration = {
  name: '0006_tickets',
  async up(knex) {
    await knex.schema.alterTable('projects', (t) => {
      // The last number given to an issue or a pull request of this project.
      t.integer('ticket_seq').notNullable().defaultTo(0);
      // {"1": "High", ...}: the keys are what issues store.
      t.jsonb('priorities').notNullable().defaultTo('{}');
      // [{name, date, active}], in the order the project lists them.
      t.jsonb('milestones').notNullable().defaultTo('[]');
      // The reasons an issue may be closed with ("Fixed", "Duplicate", ...).
      t.jsonb('close_status').notNullable().defaultTo('[]');
    });

    // Pagure's colored tags: the labels of a project's issues and pull requests.
    await knex.schema.createTable('ticket_tags', (t) => {
      t.increments('id');
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      t.text('tag').notNullable();
      t.text('tag_description').notNullable().defaultTo('');
      t.text('tag_color').notNullable().defaultTo('DeepSkyBlue');
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.unique(['project_id', 'tag']);
    });

    await knex.schema.createTable('issues', (t) => {
      ticketColumns(t, knex);
      t.text('content').notNullable();
      t.text('status').notNullable().defaultTo('Open');
      t.text('close_status');
      t.boolean('private').notNullable().defaultTo(false);
      t.integer('priority');
      t.text('milestone');
    });
    await knex.raw("alter table issues add constraint issues_status check (status in ('Open', 'Closed'))");
    // Listings: newest first within a project, by status; the other filters narrow these.
    await knex.raw('create index issues_listing on issues (project_id, status, created_at desc, pk desc)');
    await knex.raw('create index issues_updated on issues (project_id, updated_at)');
    await knex.raw('create index issues_assignee on issues (assignee_id, project_id)');
    await knex.raw('create index issues_author on issues (user_id, project_id)');
    await knex.raw('create index issues_milestone on issues (project_id, milestone)');

    await knex.schema.createTable('issue_comments', (t) => commentColumns(t, knex, 'issues'));

    await knex.schema.createTable('issue_tag_links', (t) => {
      t.integer('ticket_pk').notNullable().references('issues.pk').onDelete('CASCADE');
      t.integer('tag_id').notNullable().references('ticket_tags.id').onDelete('CASCADE');
      t.primary(['ticket_pk', 'tag_id']);
      t.index(['tag_id', 'ticket_pk']);
    });

    // "#2 depends on #1": parent_pk is #1 (what is depended on), child_pk is #2.
    await knex.schema.createTable('issue_dependencies', (t) => {
      t.integer('parent_pk').notNullable().references('issues.pk').onDelete('CASCADE');
      t.integer('child_pk').notNullable().references('issues.pk').onDelete('CASCADE');
      t.primary(['parent_pk', 'child_pk']);
      t.index(['child_pk']);
    });
    await knex.raw('alter table issue_dependencies add constraint issue_dependencies_self check (parent_pk <> child_pk)');

    // Custom fields: the keys a project defines, and each issue's values.
    await knex.schema.createTable('issue_keys', (t) => {
      t.increments('id');
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      t.text('name').notNullable();
      t.text('key_type').notNullable();
      t.jsonb('key_data');
      t.boolean('key_notify').notNullable().defaultTo(false);
      t.unique(['project_id', 'name']);
    });
    await knex.raw("alter table issue_keys add constraint issue_keys_type check (key_type in ('text', 'boolean', 'link', 'list', 'date'))");
    await knex.schema.createTable('issue_values', (t) => {
      t.integer('key_id').notNullable().references('issue_keys.id').onDelete('CASCADE');
      t.integer('ticket_pk').notNullable().references('issues.pk').onDelete('CASCADE');
      t.text('value').notNullable();
      t.primary(['ticket_pk', 'key_id']);
    });

    await knex.schema.createTable('pull_requests', (t) => {
      ticketColumns(t, knex);
      // Target branch, in project_id's repository.
      t.text('branch').notNullable();
      // Source: a branch of project_from_id (the project itself or a fork), or of remote_git.
      t.integer('project_from_id').references('projects.id').onDelete('SET NULL');
      t.text('remote_git');
      t.text('branch_from').notNullable();
      t.text('commit_start');
      t.text('commit_stop');
      t.text('initial_comment');
      t.text('merge_status');
      t.boolean('allow_rebase').notNullable().defaultTo(false);
      t.text('status').notNullable().defaultTo('Open');
      // Pagure's updated_on: when the source last moved (last_updated is updated_at).
      t.timestamp('updated_on', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.raw("alter table pull_requests add constraint pull_requests_status check (status in ('Open', 'Merged', 'Closed'))");
    await knex.raw(
      "alter table pull_requests add constraint pull_requests_merge_status check (merge_status in ('NO_CHANGE', 'FFORWARD', 'CONFLICTS', 'MERGE'))",
    );
    await knex.raw('create index pull_requests_listing on pull_requests (project_id, status, created_at desc, pk desc)');
    await knex.raw('create index pull_requests_assignee on pull_requests (assignee_id, project_id)');
    await knex.raw('create index pull_requests_author on pull_requests (user_id, project_id)');
    // A push to a branch finds the open pull requests it feeds or targets.
    await knex.raw("create index pull_requests_source on pull_requests (project_from_id, branch_from) where status = 'Open'");
    await knex.raw("create index pull_requests_target on pull_requests (project_id, branch) where status = 'Open'");

    await knex.schema.createTable('pull_request_comments', (t) => {
      commentColumns(t, knex, 'pull_requests');
      // Inline comments: on a line of a file of a commit.
      t.string('commit_id', 40);
      t.string('tree_id', 40);
      t.text('filename');
      t.integer('line');
    });

    await knex.schema.createTable('pull_request_tag_links', (t) => {
      t.integer('ticket_pk').notNullable().references('pull_requests.pk').onDelete('CASCADE');
      t.integer('tag_id').notNullable().references('ticket_tags.id').onDelete('CASCADE');
      t.primary(['ticket_pk', 'tag_id']);
      t.index(['tag_id', 'ticket_pk']);
    });

    // Pull requests that mention an issue ("Fixes #3" in a commit): Pagure's related_prs.
    await knex.schema.createTable('pull_request_issues', (t) => {
      t.integer('pull_request_pk').notNullable().references('pull_requests.pk').onDelete('CASCADE');
      t.integer('issue_pk').notNullable().references('issues.pk').onDelete('CASCADE');
      t.primary(['pull_request_pk', 'issue_pk']);
      t.index(['issue_pk']);
    });

    // Explicit subscriptions: watch true subscribes, false unsubscribes someone who would
    // otherwise be notified (the author, the assignee, a project watcher).
    for (const [table, parent] of [
      ['issue_watchers', 'issues'],
      ['pull_request_watchers', 'pull_requests'],
    ] as const) {
      await knex.schema.createTable(table, (t) => {
        t.integer('ticket_pk').notNullable().references(`${parent}.pk`).onDelete('CASCADE');
        t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
        t.boolean('watch').notNullable();
        t.primary(['ticket_pk', 'user_id']);
        t.index(['user_id']);
      });
    }
  },
};
