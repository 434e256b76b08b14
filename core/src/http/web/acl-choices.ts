// What API tokens made in the pages may carry, with a line of help for each ACL.
import { ADMIN_API_ACLS, CROSS_PROJECT_ACLS, PROJECT_TOKEN_ACLS, type TokenAcl } from '../../domain/index.js';

const HELP: Partial<Record<TokenAcl, string>> = {
  create_project: 'Create projects',
  fork_project: 'Fork projects',
  modify_project: 'Change projects’ settings and access',
  group_modify: 'Add and remove group members',
  update_watch_status: 'Watch and unwatch projects',
  pull_request_create: 'Open pull requests',
  pull_request_update: 'Edit pull requests',
  pull_request_merge: 'Merge pull requests',
  pull_request_comment: 'Comment on pull requests',
  pull_request_flag: 'Flag pull requests (CI results)',
  pull_request_close: 'Close pull requests',
  commit: 'Push over HTTPS',
  commit_flag: 'Flag commits (CI results)',
  issue_create: 'Open issues',
  issue_comment: 'Comment on issues',
  issue_change_status: 'Open and close issues',
  issue_update: 'Edit issues',
  create_branch: 'Create branches',
  tag_project: 'Create tags',
  internal_access: 'Internal access (site admins)',
};

/** The ACLs offered: a user token acts across projects; a project token holds what acts on one project. */
export function aclChoices(
  scope: 'user' | 'project',
  siteAdmin: boolean,
  checked: readonly string[] = [],
): Array<{ name: string; help: string; checked: boolean }> {
  const offered = scope === 'project' ? PROJECT_TOKEN_ACLS : [...new Set([...CROSS_PROJECT_ACLS, ...(siteAdmin ? ADMIN_API_ACLS : [])])];
  return offered.map((name) => ({ name, help: HELP[name] ?? name.replace(/_/g, ' '), checked: checked.includes(name) }));
}

export function offeredAcls(scope: 'user' | 'project', siteAdmin: boolean): readonly string[] {
  return aclChoices(scope, siteAdmin).map((c) => c.name);
}
