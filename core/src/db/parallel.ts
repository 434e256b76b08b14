// Several independent queries: in parallel on the pool, one after another inside a
// transaction (which has a single connection, where pg must not be handed two at once).
import type { Knex } from 'knex';

type Results<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

export async function queriesOn<T extends readonly unknown[]>(db: Knex, queries: { [K in keyof T]: () => T[K] }): Promise<Results<T>> {
  if (!db.isTransaction) return (await Promise.all(queries.map((run) => run()))) as Results<T>;
  const results: unknown[] = [];
  for (const run of queries) results.push(await run());
  return results as Results<T>;
}
