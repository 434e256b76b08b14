// Plain references to the forge's nouns, shared by every layer and by hook payloads.
// They carry names and ids only; services load the full records.

/** Project access levels, lowest first. `owner` is the project's main admin. */
export const ACCESS_LEVELS = ['ticket', 'collaborator', 'commit', 'admin', 'owner'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

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
