// Activity: what users did on projects, one row per thing done (a commit pushed, and later
// issues, pull requests and comments), for the user's yearly heatmap and daily feed.
import type { Migration } from '../types.js';

export const activity: Migration = {
  name: '0004_activity',
  async up(knex) {
    await knex.schema.createTable('activity', (t) => {
      t.bigIncrements('id');
      t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
      t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
      // Pagure's log types: 'committed' now; issue, pull-request and comment kinds come later.
      t.text('kind').notNullable();
      // What it is about: the commit hash for 'committed'.
      t.text('ref').notNullable();
      // The moment the activity counts for (a commit's date); days are cut in the reader's timezone.
      t.timestamp('occurred_at', { useTz: true }).notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    // One user's entries by time: the counts per day over a year, and the entries of one day.
    await knex.raw('create index activity_user_time on activity (user_id, occurred_at)');
    // A project's activity by time (and the cascade when a project goes).
    await knex.raw('create index activity_project_time on activity (project_id, occurred_at)');
    // A commit is logged once per project, however often its push is processed.
    await knex.raw("create unique index activity_commit_once on activity (project_id, ref) where kind = 'committed'");
  },
};
