// The plugin's rows: a package's dist-git state (one row per project, made on its first
// change) and the extras' version, which every change the extras show moves forward.
import type { Knex } from '@pagurus/core';
import type { MonitoringStatus } from './monitoring.js';

export interface PackageState {
  monitoring: MonitoringStatus | null;
  fedoraAssignee: string | null;
  epelAssignee: string | null;
  orphanReason: string | null;
  orphanReasonInfo: string | null;
  provenpackagerExempt: boolean;
}

const EMPTY: PackageState = {
  monitoring: null,
  fedoraAssignee: null,
  epelAssignee: null,
  orphanReason: null,
  orphanReasonInfo: null,
  provenpackagerExempt: false,
};

interface Row {
  monitoring: string | null;
  fedora_assignee: string | null;
  epel_assignee: string | null;
  orphan_reason: string | null;
  orphan_reason_info: string | null;
  provenpackager_exempt: boolean;
}

const COLUMNS: Record<keyof PackageState, keyof Row> = {
  monitoring: 'monitoring',
  fedoraAssignee: 'fedora_assignee',
  epelAssignee: 'epel_assignee',
  orphanReason: 'orphan_reason',
  orphanReasonInfo: 'orphan_reason_info',
  provenpackagerExempt: 'provenpackager_exempt',
};

function fromRow(row: Row | undefined): PackageState {
  if (!row) return { ...EMPTY };
  return {
    monitoring: row.monitoring as MonitoringStatus | null,
    fedoraAssignee: row.fedora_assignee,
    epelAssignee: row.epel_assignee,
    orphanReason: row.orphan_reason,
    orphanReasonInfo: row.orphan_reason_info,
    provenpackagerExempt: Boolean(row.provenpackager_exempt),
  };
}

export async function packageState(db: Knex, projectId: number): Promise<PackageState> {
  return fromRow((await db('distgit_packages').where({ project_id: projectId }).first()) as Row | undefined);
}

/** Every package's state that differs from the default, by project id. */
export async function allPackageStates(db: Knex): Promise<Map<number, PackageState>> {
  const rows = (await db('distgit_packages').select('*')) as Array<Row & { project_id: number }>;
  return new Map(rows.map((row) => [row.project_id, fromRow(row)]));
}

/** Lays `change` over the package's state (its row made if needed) and moves the extras' version. */
export async function changePackage(trx: Knex.Transaction, projectId: number, change: Partial<PackageState>): Promise<void> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(change)) values[COLUMNS[key as keyof PackageState]] = value;
  await trx('distgit_packages')
    .insert({ project_id: projectId, ...values, updated_at: trx.fn.now() })
    .onConflict('project_id')
    .merge({ ...values, updated_at: trx.fn.now() });
  await bumpExtras(trx);
}

/** Marks the extras stale: the next request builds them again. */
export async function bumpExtras(trx: Knex.Transaction): Promise<void> {
  await trx('distgit_extras_version').where({ id: 1 }).increment('version', 1);
}

export async function extrasVersion(db: Knex): Promise<number> {
  const row = (await db('distgit_extras_version').where({ id: 1 }).first('version')) as { version: string | number } | undefined;
  return Number(row?.version ?? 0);
}
