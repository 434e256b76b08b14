import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ForgeEvent } from '../src/plugins/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

describeModes('the event bus', (mode) => {
  let t: TestForge;
  const seen: ForgeEvent[] = [];
  const logs: Array<{ level: number; msg: string; plugin?: string; hook?: string; err?: { message: string } }> = [];
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString()) as (typeof logs)[number]);
        done();
      },
    });
    t = await createTestForge({ mode, logger: pino({ level: 'warn' }, sink) });
    t.forge.hooks.event.tap('test', (event) => void seen.push(event));
  });
  after(() => t?.close());
  beforeEach(() => (seen.length = 0));

  const topics = async () => {
    await t.forge.events.idle();
    return seen.map((e) => e.topic);
  };

  it('delivers at once outside a transaction', async () => {
    await t.forge.events.emit(t.forge.db.knex, 'plain', {});
    assert.deepEqual(await topics(), ['plain']);
  });

  it('holds events until the commit, in the order they were recorded', async () => {
    await t.forge.db.knex.transaction(async (trx) => {
      await t.forge.events.emit(trx, 'first', {});
      await t.forge.events.emit(trx, 'second', {});
      // Every delivery started so far has reached the listeners, and the transaction is still open.
      await trx.raw('select 1');
      await t.forge.events.idle();
      assert.deepEqual(seen, [], 'nothing before the commit');
    });
    assert.deepEqual(await topics(), ['first', 'second']);
  });

  it('drops the events of a rolled-back savepoint and keeps the rest', async () => {
    await t.forge.db.knex.transaction(async (trx) => {
      await t.forge.events.emit(trx, 'outer', {});
      await trx
        .transaction(async (savepoint) => {
          await t.forge.events.emit(savepoint, 'inner-rolled-back', {});
          throw new Error('undo the savepoint');
        })
        .catch(() => undefined);
      await trx.transaction(async (savepoint) => {
        await t.forge.events.emit(savepoint, 'inner-kept', {});
      });
    });
    assert.deepEqual(await topics(), ['outer', 'inner-kept']);
  });

  it('delivers nothing when the outer transaction rolls back after a savepoint was released', async () => {
    await t.forge.db.knex
      .transaction(async (trx) => {
        await trx.transaction(async (savepoint) => {
          await t.forge.events.emit(savepoint, 'released-then-lost', {});
        });
        throw new Error('undo everything');
      })
      .catch(() => undefined);
    assert.deepEqual(await topics(), []);
  });

  it('logs a failing listener with its name, and still delivers to the others', async () => {
    t.forge.hooks.event.tapPromise('broken-listener', async (event) => {
      if (event.topic === 'breaks') throw new Error('mail server down');
    });
    await t.forge.events.emit(t.forge.db.knex, 'breaks', {});
    assert.deepEqual(await topics(), ['breaks'], 'the other listener still got it');
    const entry = logs.find((line) => line.plugin === 'broken-listener');
    assert.ok(entry, 'the failure is logged');
    assert.equal(entry.msg, 'broken-listener failed in event');
    assert.equal(entry.level, 50);
    assert.equal(entry.err?.message, 'broken-listener failed in event: mail server down');
  });

  it('gives every event a unique id, its agent and a timestamp', async () => {
    await t.forge.events.emit(t.forge.db.knex, 'a', { x: 1 }, { agent: 'alice' });
    await t.forge.events.emit(t.forge.db.knex, 'b', {});
    await topics();
    const [a, b] = seen;
    assert.notEqual(a!.id, b!.id);
    assert.equal(a!.agent, 'alice');
    assert.equal(b!.agent, null);
    assert.deepEqual(a!.body, { x: 1 });
    assert.ok(Object.isFrozen(a), 'listeners cannot change what others see');
  });
});
