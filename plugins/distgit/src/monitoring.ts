// The seven monitoring statuses the-new-hotness knows, in the order the theme lists them.
export const MONITORING_STATUSES = [
  'no-monitoring',
  'monitoring',
  'monitoring-with-scratch',
  'monitoring-all',
  'monitoring-all-scratch',
  'monitoring-stable',
  'monitoring-stable-scratch',
] as const;

export type MonitoringStatus = (typeof MONITORING_STATUSES)[number];

export function isMonitoringStatus(value: unknown): value is MonitoringStatus {
  return typeof value === 'string' && (MONITORING_STATUSES as readonly string[]).includes(value);
}

/** The reasons a package may be orphaned for, as the orphan form offers them. */
export const ORPHAN_REASONS = [
  'Lack of time',
  'Do not use it anymore',
  'Unmaintained upstream',
  'Fails to build from source',
  'Important bug not fixed',
  'Orphaned by releng',
  'Other',
] as const;

export function isOrphanReason(value: unknown): value is (typeof ORPHAN_REASONS)[number] {
  return typeof value === 'string' && (ORPHAN_REASONS as readonly string[]).includes(value);
}
