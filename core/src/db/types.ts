// The database handle the rest of the forge receives.
import type { Knex } from 'knex';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  readonly knex: Knex;
  readonly kind: DatabaseKind;
  /** The PostgreSQL schema holding the forge's tables. */
  readonly schema: string;
  /** Where it lives, for messages: the data directory, or the URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

/** One named, ordered list of migrations: core's, or one plugin's. */
export interface MigrationSet {
  /** "core", or the plugin's name. */
  owner: string;
  migrations: readonly Migration[];
}

export interface Migration {
  /** Unique within its set, sorted in the order they run: "0001_create_users". */
  name: string;
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}
