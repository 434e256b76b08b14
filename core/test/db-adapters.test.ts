import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

describeModes('the database adapters', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode });
  });
  after(() => t?.close());

  it('answer the same counts and types in both modes', async () => {
    const knex = t.forge.db.knex;
    await knex.schema.createTable('adapter_probe', (table) => {
      table.increments('id');
      table.bigInteger('big');
      table.text('name');
    });
    await knex('adapter_probe').insert([
      { big: 9007199254740991, name: 'a' },
      { big: 2, name: 'b' },
    ]);
    assert.equal(await knex('adapter_probe').where({ name: 'nobody' }).delete(), 0);
    assert.equal(await knex('adapter_probe').where({ name: 'b' }).delete(), 1);
    assert.equal(await knex('adapter_probe').where({ name: 'a' }).update({ name: 'c' }), 1);
    const [row] = (await knex('adapter_probe').select('big')) as Array<{ big: unknown }>;
    assert.equal(row!.big, 9007199254740991, 'int8 is a number in both modes');
    const [counted] = (await knex('adapter_probe').count('* as count')) as Array<{ count: unknown }>;
    assert.equal(counted!.count, 1);
  });
});
