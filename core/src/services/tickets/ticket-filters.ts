// Query pieces the issue and pull-request listings share.
import type { Knex } from 'knex';

/** Pagure's "since..until": either end may be missing. */
export interface DateRange {
  since?: Date;
  until?: Date;
}

/** Keeps the rows whose `column` falls in its range (inclusive), for each pair given. */
export function inDateRanges(query: Knex.QueryBuilder, ranges: ReadonlyArray<readonly [column: string, range: DateRange]>): void {
  for (const [column, range] of ranges) {
    if (range.since) query.where(column, '>=', range.since);
    if (range.until) query.where(column, '<=', range.until);
  }
}
