// Plain references to the forge's nouns, shared by every layer and by hook payloads.
// They carry names and ids only; services load the full records.

/** Project access levels, lowest first. `owner` is the project's main admin. */
export const ACCESS_LEVELS = ['ticket', 'collaborator', 'commit', 'admin', 'owner'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** Levels a user or group can be granted; `owner` is the main admin, held by one user. */
export const GRANTABLE_LEVELS = ['ticket', 'collaborator', 'commit', 'admin'] as const;
export type GrantableLevel = (typeof GRANTABLE_LEVELS)[number];

/** True when `held` is at least `needed`. */
export function atLeast(held: AccessLevel | null, needed: AccessLevel): boolean {
  return held !== null && ACCESS_LEVELS.indexOf(held) >= ACCESS_LEVELS.indexOf(needed);
}

/** The higher of two levels. */
export function higher(a: AccessLevel | null, b: AccessLevel | null): AccessLevel | null {
  if (a === null) return b;
  if (b === null) return a;
  return ACCESS_LEVELS.indexOf(a) >= ACCESS_LEVELS.indexOf(b) ? a : b;
}

export interface UserRef {
  readonly name: string;
}

export interface ProjectRef {
  readonly id: number;
  /** "rpms/bash", "forks/alice/rpms/bash", "pagure". */
  readonly fullname: string;
  readonly name: string;
  readonly namespace: string | null;
  /** The fork's owner, or null for a main project. */
  readonly forkOf: string | null;
}
