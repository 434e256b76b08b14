// The issue listing index also carries the columns of the private-issue rule, so counting
// a project's open issues for a page's pagination is an index-only scan, not a table scan.
import type { Migration } from '../types.js';

export const issueListingIndex: Migration = {
  name: '0007_issue_listing_index',
  async up(knex) {
    await knex.raw('drop index issues_listing');
    await knex.raw(
      'create index issues_listing on issues (project_id, status, created_at desc, pk desc) include (private, user_id, assignee_id)',
    );
  },
  async down(knex) {
    await knex.raw('drop index issues_listing');
    await knex.raw('create index issues_listing on issues (project_id, status, created_at desc, pk desc)');
  },
};
