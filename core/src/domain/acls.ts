// API token ACL names, as Pagure names them, and the sets that limit who may hold which.

export const TOKEN_ACLS = [
  'create_branch',
  'create_project',
  'commit_flag',
  'fork_project',
  'internal_access',
  'issue_assign',
  'issue_change_status',
  'issue_comment',
  'issue_create',
  'issue_subscribe',
  'issue_update',
  'issue_update_custom_fields',
  'issue_update_milestone',
  'modify_project',
  'pull_request_create',
  'pull_request_close',
  'pull_request_comment',
  'pull_request_flag',
  'pull_request_merge',
  'pull_request_subscribe',
  'pull_request_assign',
  'pull_request_update',
  'update_watch_status',
  'pull_request_rebase',
  'tag_project',
  'commit',
  'modify_git_alias',
  'create_git_alias',
  'delete_git_alias',
  'group_modify',
] as const;

export type TokenAcl = (typeof TOKEN_ACLS)[number];

/** What any user may put in a token: everything but internal_access, which is for site admins. */
export const USER_ACLS: readonly TokenAcl[] = TOKEN_ACLS.filter((acl) => acl !== 'internal_access');

/**
 * ACLs a token bound to one project may carry: what acts on that project. Making projects,
 * forking and changing groups are not about one project, and such a token is anonymous
 * everywhere but its project.
 */
export const PROJECT_TOKEN_ACLS: readonly TokenAcl[] = USER_ACLS.filter(
  (acl) => !['create_project', 'fork_project', 'group_modify'].includes(acl),
);

/** ACLs a token without a project may carry: they act across projects. */
export const CROSS_PROJECT_ACLS: readonly TokenAcl[] = [
  'create_project',
  'fork_project',
  'modify_project',
  'group_modify',
  'update_watch_status',
  'pull_request_create',
  'pull_request_update',
  'commit',
];

/** ACLs of site admins' project-less tokens. */
export const ADMIN_API_ACLS: readonly TokenAcl[] = [
  'internal_access',
  'issue_comment',
  'issue_create',
  'issue_change_status',
  'pull_request_flag',
  'pull_request_comment',
  'pull_request_merge',
  'group_modify',
  'commit_flag',
  'create_branch',
  'tag_project',
];

export function isTokenAcl(value: string): value is TokenAcl {
  return (TOKEN_ACLS as readonly string[]).includes(value);
}
