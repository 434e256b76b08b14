// Counting the SQL statements a piece of work sends, for the tests that bound them (no N+1).
import type { TestForge } from '../../src/testing/index.js';

/** Runs `work` on `t`'s forge and answers how many SQL statements it sent. */
export async function queriesOf(t: TestForge, work: () => Promise<unknown>): Promise<number> {
  const knex = t.forge.db.knex;
  let count = 0;
  const listener = () => {
    count += 1;
  };
  knex.on('query', listener);
  try {
    await work();
  } finally {
    knex.off('query', listener);
  }
  return count;
}
