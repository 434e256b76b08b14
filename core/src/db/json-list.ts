// A correlated subquery's json_agg as a column, with [] instead of null when nothing matches.
import type { Knex } from 'knex';

export function jsonList(db: Knex, aggregate: string): Knex.Raw {
  return db.raw(`coalesce((${aggregate}), '[]'::json)`);
}
