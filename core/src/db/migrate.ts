// Runs migration sets (core's, then each plugin's in dependency order) with knex's
// migrator: one bookkeeping table per set, each migration in its own transaction,
// and knex's lock table so two processes never migrate at once.
import type { Knex } from 'knex';
import type { Database, Migration, MigrationSet } from './types.js';

function tableFor(owner: string): string {
  return `pagurus_migrations_${owner.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
}

function configFor(db: Database, set: MigrationSet): Knex.MigratorConfig {
  return {
    tableName: tableFor(set.owner),
    schemaName: db.schema,
    disableMigrationsListValidation: false,
    migrationSource: {
      getMigrations: async () => [...set.migrations],
      getMigrationName: (migration: Migration) => migration.name,
      getMigration: async (migration: Migration) => ({
        up: (knex: Knex) => migration.up(knex),
        down: (knex: Knex) => (migration.down ? migration.down(knex) : Promise.resolve()),
      }),
    },
  };
}

async function schemaExists(db: Database): Promise<boolean> {
  const result = await db.knex.raw<{ rows: unknown[] }>('select 1 from information_schema.schemata where schema_name = ?', [db.schema]);
  return result.rows.length > 0;
}

export interface PendingMigration {
  owner: string;
  name: string;
}

/** Migrations not yet applied, in the order `migrate` would run them. */
export async function pendingMigrations(db: Database, sets: readonly MigrationSet[]): Promise<PendingMigration[]> {
  const all = sets.flatMap((set) => set.migrations.map((m) => ({ owner: set.owner, name: m.name })));
  if (!(await schemaExists(db))) return all;
  const pending: PendingMigration[] = [];
  for (const set of sets) {
    const table = tableFor(set.owner);
    const exists = await db.knex.schema.withSchema(db.schema).hasTable(table);
    const done = new Set<string>(exists ? ((await db.knex.withSchema(db.schema).from(table).pluck('name')) as string[]) : []);
    for (const migration of set.migrations) {
      if (!done.has(migration.name)) pending.push({ owner: set.owner, name: migration.name });
    }
  }
  return pending;
}

/** Applies every pending migration; returns what ran. */
export async function migrate(db: Database, sets: readonly MigrationSet[]): Promise<PendingMigration[]> {
  await db.knex.raw('create schema if not exists ??', [db.schema]);
  const ran: PendingMigration[] = [];
  for (const set of sets) {
    const [, names] = (await db.knex.migrate.latest(configFor(db, set))) as [number, string[]];
    ran.push(...names.map((name) => ({ owner: set.owner, name })));
  }
  return ran;
}
