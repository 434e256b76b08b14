// What PostgreSQL shows about advisory locks: lets a test see that a holder is waiting for a
// repository lock, rather than sleeping and assuming it is.
import type { Knex } from 'knex';

/** How many sessions wait (not yet granted) for the advisory lock named `name`, as the forge names them. */
export async function advisoryWaiters(knex: Knex, name: string): Promise<number> {
  const { rows } = (await knex.raw(
    `select count(*)::int as n from pg_locks
      where locktype = 'advisory' and not granted and objsubid = 1
        and ((classid::bigint << 32) | objid::bigint) = hashtextextended(?, 0)`,
    [name],
  )) as { rows: Array<{ n: number }> };
  return rows[0]!.n;
}
