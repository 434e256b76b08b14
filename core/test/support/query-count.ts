// Counting the SQL statements a piece of work sends, for the tests that bound them (no N+1).
import type { TestForge } from '../../src/testing/index.js';

/**
 * Runs `work` on `t`'s forge and answers how many SQL statements it sent. The reader of the
 * event log, which polls in the background, is paused meanwhile so that only `work` counts.
 */
export async function queriesOf(t: TestForge, work: () => Promise<unknown>): Promise<number> {
  const knex = t.forge.db.knex;
  const active = t.forge.subscribers.active;
  await t.forge.subscribers.stop();
  try {
    return await counted(knex, work);
  } finally {
    if (active) await t.forge.subscribers.start();
  }
}

async function counted(knex: TestForge['forge']['db']['knex'], work: () => Promise<unknown>): Promise<number> {
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
