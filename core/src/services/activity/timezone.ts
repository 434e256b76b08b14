// The `tz` parameter of the activity endpoints, read as Pagure reads it: "UTC", "local", a
// fixed offset ("+05:30", "-0800", "02"), or a zone name. Anything else is not an error:
// days are then cut in UTC, as Pagure does.

/** A timezone the database can cut days in: a zone name, or a fixed offset east of UTC. */
export type ActivityTimezone = { kind: 'zone'; name: string } | { kind: 'offset'; seconds: number };

export const UTC_TIMEZONE: ActivityTimezone = { kind: 'zone', name: 'UTC' };

const OFFSET = /^([+-])?(\d{2})(?::?(\d{2}))?$/;
const DAY_SECONDS = 24 * 3600;

/** The zone this process runs in, for "local" (Pagure: the server's local zone). */
function localZone(): string {
  return new Intl.DateTimeFormat('en-US').resolvedOptions().timeZone || 'UTC';
}

/** A zone name as ICU knows it (canonical spelling), or undefined for an unknown one. */
function knownZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export function resolveTimezone(tz: string | undefined): ActivityTimezone {
  if (tz === undefined || tz === 'utc' || tz === 'UTC' || tz === 'Z') return UTC_TIMEZONE;
  if (tz === 'local' || tz === '') return { kind: 'zone', name: localZone() };
  const offset = OFFSET.exec(tz);
  if (offset) {
    const seconds = (Number(offset[2]) * 3600 + Number(offset[3] ?? 0) * 60) * (offset[1] === '-' ? -1 : 1);
    // Offsets of a day or more are no timezone (Pagure fails on them); treat them as unknown.
    return Math.abs(seconds) < DAY_SECONDS ? { kind: 'offset', seconds } : UTC_TIMEZONE;
  }
  const name = knownZone(tz);
  return name ? { kind: 'zone', name } : UTC_TIMEZONE;
}

/**
 * SQL for the timezone as the right-hand side of AT TIME ZONE, with its binding: a zone
 * name as text, an offset as an interval (ISO sign: positive east of UTC).
 */
export function timezoneSql(tz: ActivityTimezone): { sql: string; binding: string } {
  if (tz.kind === 'zone') return { sql: '?::text', binding: tz.name };
  return { sql: '?::interval', binding: `${tz.seconds} seconds` };
}
