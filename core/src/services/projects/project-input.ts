// Validation of a new project's fields, as Pagure's form does it: the same field names
// and messages, so API clients and the web form see the same errors.
import { isTooLong, LIMITS, tooLongMessage } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import { addLengthErrors } from '../input-limits.js';

export interface NewProject {
  name: string;
  description: string;
  namespace: string | null;
  url: string;
  avatarEmail: string | null;
  createReadme: boolean;
  defaultBranch: string | null;
  private: boolean;
  mirroredFrom: string | null;
  ignoreExistingRepos: boolean;
}

/** http, https, ftp or git URLs with a dotted host name, an IP address or localhost. */
export const URL_PATTERN =
  /^(?:http|ftp|git)s?:\/\/(?:[^\s/@]+@)?(?:(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+(?:[A-Z]{2,63})\.?|localhost|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[0-9a-f:.]+\])(?::\d{2,5})?(?:[/?#]\S*)?$/i;
const AVATAR_EMAIL = /^[^@]+@[^@]+\.[^@]+/;
export const BRANCH = /^(?!\/|.*\/\/|.*\.\.|.*@\{|.*\.lock$|.*[/.]$)[^\x00-\x20~^:?*[\\\x7f]+$/;

/** WTForms' boolean: false only when absent or one of "false", "False", "0", "", false, 0. */
export function formBool(value: unknown): boolean {
  return !(
    value === undefined ||
    value === null ||
    value === false ||
    value === 0 ||
    value === '' ||
    value === 'false' ||
    value === 'False' ||
    value === '0'
  );
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

/** Parses the fields of POST /api/0/new; throws 400 EINVALIDREQ with every field's problem. */
export function parseNewProject(body: Record<string, unknown>, nameRegex: RegExp): NewProject {
  const errors: Record<string, string[]> = {};
  const name = text(body.name);
  const description = text(body.description);
  const url = text(body.url).trim();
  const mirroredFrom = text(body.mirrored_from).trim();
  const avatar = body.avatar_email;
  const defaultBranch = text(body.default_branch).trim();
  if (!name.trim()) errors.name = ['This field is required.'];
  else if (isTooLong(name, LIMITS.projectName)) errors.name = [tooLongMessage(LIMITS.projectName)];
  else if (!nameRegex.test(name) || name.endsWith('.git')) errors.name = ['Invalid input.'];
  if (!description.trim()) errors.description = ['This field is required.'];
  if (url && !URL_PATTERN.test(url)) errors.url = ['Invalid input.'];
  if (mirroredFrom && !URL_PATTERN.test(mirroredFrom)) errors.mirrored_from = ['Invalid input.'];
  if (avatar !== undefined && avatar !== null && avatar !== '') {
    if (typeof avatar !== 'string') errors.avatar_email = ['Email fields should be of text type.'];
    else if (!AVATAR_EMAIL.test(avatar)) errors.avatar_email = ['avatar_email must be an email'];
  }
  if (defaultBranch && !BRANCH.test(defaultBranch)) errors.default_branch = ['Invalid input.'];
  addLengthErrors(errors, [
    ['description', description.trim(), LIMITS.projectDescription],
    ['namespace', text(body.namespace).trim(), LIMITS.namespace],
    ['url', url, LIMITS.projectUrl],
    ['mirrored_from', mirroredFrom, LIMITS.projectUrl],
    ['avatar_email', typeof avatar === 'string' ? avatar : null, LIMITS.email],
    ['default_branch', defaultBranch, LIMITS.branchName],
  ]);
  if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
  return {
    name,
    description: description.trim(),
    namespace: text(body.namespace).trim() || null,
    url,
    avatarEmail: typeof avatar === 'string' && avatar ? avatar : null,
    createReadme: formBool(body.create_readme),
    defaultBranch: defaultBranch || null,
    private: formBool(body.private),
    mirroredFrom: mirroredFrom || null,
    ignoreExistingRepos: formBool(body.ignore_existing_repos),
  };
}
