// The table of API error codes: Pagure's names and the texts clients compare against.
// Every code the forge can answer with is listed here, once; /api/0/-/error_codes serves it.

export const ERROR_TEXTS = {
  ENOCODE: 'Variable message describing the issue',
  ENOPROJECT: 'Project not found',
  ENOPROJECTS: 'No projects found',
  ETRACKERDISABLED: 'Issue tracker disabled',
  EDBERROR: 'An error occurred at the database level and prevent the action from reaching completion',
  EINVALIDREQ: 'Invalid or incomplete input submitted',
  // The text of EINVALIDTOK names the settings page of this instance: see invalidTokenText().
  EINVALIDTOK: 'Invalid or expired token. Please visit %s to get or renew your API token.',
  ENOISSUE: 'Issue not found',
  EISSUENOTALLOWED: 'You are not allowed to view this issue',
  EPRNOTALLOWED: 'You are not allowed to view this pull-request',
  EPULLREQUESTSDISABLED: 'Pull-Request have been deactivated for this project',
  ENOREQ: 'Pull-Request not found',
  ENOPRCLOSE: 'You are not allowed to merge/close pull-request for this project',
  EPRSCORE: 'This request does not have the minimum review score necessary to be merged',
  EPRCONFLICTS: 'This pull-request conflicts and thus cannot be merged',
  ENOTASSIGNEE: 'Only the assignee can merge this request',
  ENOTASSIGNED: 'This request must be assigned to be merged',
  ENOUSER: 'No such user found',
  ENOCOMMENT: 'Comment not found',
  ENEWPROJECTDISABLED: 'Creating project have been disabled for this instance',
  ENEWPROJECTFORBIDDEN: 'You are not allowed to create new projects on this instance',
  ETIMESTAMP: 'Invalid timestamp format',
  EDATETIME: 'Invalid datetime format',
  EINVALIDISSUEFIELD: 'Invalid custom field submitted',
  EINVALIDISSUEFIELD_LINK: 'Invalid custom field submitted, the value is not a link',
  EINVALIDPRIORITY: 'Invalid priority submitted',
  ENOGROUP: 'Group not found',
  ENOTMAINADMIN: 'Only the main admin can set the main admin of a project',
  EMODIFYPROJECTNOTALLOWED: 'You are not allowed to modify this project',
  EINVALIDPERPAGEVALUE: 'The per_page value must be between 1 and 100',
  EGITERROR: 'An error occurred during a git operation',
  ENOCOMMIT: 'No such commit found in this repository',
  EEMPTYGIT: 'This git repository is empty',
  EBRANCHNOTFOUND: 'Branch not found in this git repository',
  EFILENOTFOUND: 'File not found in this git repository',
  ENOTHIGHENOUGH: 'You do not have sufficient permissions to perform this action',
  ENOSIGNEDOFF: 'This repo enforces that all commits are signed off by their author.',
  ETRACKERREADONLY: 'The issue tracker of this project is read-only',
  ENOPRSTATS: 'No statistics could be computed for this PR',
  EUBLOCKED: 'You have been blocked from this project',
  EREBASENOTALLOWED: 'You are not authorized to rebase this pull-request',
  ENOPLUGIN: 'No such plugin',
  EPLUGINDISABLED: 'Plugin disabled',
  EPLUGINCHANGENOTALLOWED: 'This plugin cannot be changed',
  EPLUGINNOTINSTALLED: "Project doesn't have this plugin installed",
  ENOTAG: 'Tag not found',
  EMIRRORINGDISABLED: 'Mirroring external project has been disabled in this instance',
} as const;

export type ErrorCode = keyof typeof ERROR_TEXTS;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_TEXTS, value);
}

/** EINVALIDTOK's text points at the API token tab of the instance's settings page. */
export function invalidTokenText(publicUrl: string): string {
  const settings = new URL('settings#nav-api-tab', publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
  return ERROR_TEXTS.EINVALIDTOK.replace('%s', settings.toString());
}

/** The {code: text} map served by /api/0/-/error_codes, with instance-specific texts filled in. */
export function errorCodeTexts(publicUrl: string): Record<ErrorCode, string> {
  return { ...ERROR_TEXTS, EINVALIDTOK: invalidTokenText(publicUrl) };
}
