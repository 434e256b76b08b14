// What user names and email addresses may look like.

/** Letters, digits, ".", "_" and "-", starting with a letter or digit: safe in URLs and paths. */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export function usernameProblem(name: string): string | undefined {
  if (!USERNAME.test(name)) return 'Use letters, digits, ".", "_" and "-", starting with a letter or digit';
  if (name.endsWith('.git')) return 'A user name cannot end with .git';
  // Deploy keys push in names of this form (Pagure's), which must never be a user's.
  if (name.toLowerCase().startsWith('deploykey_')) return 'User names starting with deploykey_ are kept for deploy keys';
  return undefined;
}

/** Deliberately loose: one @, something on each side, a dot in the domain. */
export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export const MIN_PASSWORD_LENGTH = 8;
