// The event log and durable subscribers, as a plugin sees them: every event is a row that
// commits with its change, and each subscriber reads the log with its own cursor, at least
// once, in order, across failures and restarts.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Forge } from '../src/forge.js';
import type { ForgeEvent } from '../src/plugins/index.js';
import { createTestForge, describeModes, eventually, type TestForge } from '../src/testing/index.js';
import { durableControl } from './fixtures/plugins/durable/index.js';

const DURABLE = fileURLToPath(new URL('./fixtures/plugins/durable', import.meta.url));

interface EventRecord {
  id: number;
  topic: string;
  agent: string | null;
  project_id: number | null;
  project_private: boolean;
  issue_private: boolean;
}

interface CursorRecord {
  name: string;
  last_error: string;
  attempts: number;
}

interface Seen {
  subscriber: string;
  sequence: string;
  topic: string;
  attempt: number;
  project_private: boolean;
  issue_private: boolean;
}

describeModes('the event log', (mode) => {
  let t: TestForge;
  const hooked: ForgeEvent[] = [];
  before(async () => {
    t = await createTestForge({ mode, plugins: [DURABLE] });
    t.forge.hooks.event.tap('test', (event) => void hooked.push(event));
  });
  after(() => t?.close());

  const seen = async (subscriber: string, topicPrefix: string): Promise<Seen[]> =>
    (await t.forge.db.knex('durable_seen').where({ subscriber }).andWhere('topic', 'like', `${topicPrefix}%`).orderBy('id')) as Seen[];

  it('writes each event with its change: a rollback leaves no row, a commit one row with its visibility', async () => {
    const topic = `log.row.${Date.now()}`;
    await t.forge.db.knex
      .transaction(async (trx) => {
        await t.forge.events.emit(trx, `${topic}.lost`, {});
        throw new Error('undo');
      })
      .catch(() => undefined);
    const event = await t.forge.db.knex.transaction((trx) =>
      t.forge.events.emit(trx, `${topic}.kept`, { n: 1 }, { agent: 'alice', project: { id: 7, private: true }, issuePrivate: true }),
    );
    const rows = await t.forge.db.knex<EventRecord>('forge_events').where('topic', 'like', `${topic}%`);
    assert.deepEqual(
      rows.map((row) => [row.topic, row.agent, row.project_id, row.project_private, row.issue_private]),
      [[`${topic}.kept`, 'alice', 7, true, true]],
    );
    assert.equal(Number(rows[0]!.id), event.sequence);
    assert.deepEqual(event.visibility, { projectId: 7, projectPrivate: true, issuePrivate: true });
  });

  it('feeds a durable subscriber every event once, in log order, with the visibility of private projects and issues', async () => {
    await t.createUser('dora');
    const open = await t.createProject('dora', `open-${Date.now()}`);
    const hidden = await t.createProject('dora', `hidden-${Date.now()}`, { private: true });
    const token = await t.createToken('dora', ['issue_create']);
    const created = await t.api(
      'POST',
      `/api/0/${open.name}/new_issue`,
      { title: 'a private bug', issue_content: 'x', private: true },
      {
        Authorization: `token ${token}`,
      },
    );
    assert.equal(created.status, 200);
    await t.drainEvents();
    const all = (await seen('durable.all', '')).filter((row) => Number(row.sequence) > 0);
    const sequences = all.map((row) => Number(row.sequence));
    assert.deepEqual(
      sequences,
      [...new Set(sequences)].sort((a, b) => a - b),
      'once each, in increasing order here',
    );
    const mine = await t.forge.db.knex<EventRecord>('forge_events').whereIn('project_id', [open.id, hidden.id]).orderBy('id');
    const handled = new Map(all.map((row) => [Number(row.sequence), row]));
    for (const row of mine) assert.ok(handled.has(Number(row.id)), `event ${row.id} (${row.topic}) reached the subscriber`);
    const hiddenNew = mine.find((row) => row.topic === 'project.new' && row.project_id === hidden.id)!;
    assert.equal(handled.get(Number(hiddenNew.id))?.project_private, true);
    const issueNew = mine.find((row) => row.topic === 'issue.new')!;
    assert.equal(handled.get(Number(issueNew.id))?.issue_private, true);
    assert.equal(handled.get(Number(issueNew.id))?.project_private, false);
    // The in-memory hook sees private events too, flagged: listeners decide, nothing is dropped before them.
    await eventually(
      () => hooked.some((e) => e.topic === 'project.new' && e.visibility.projectId === hidden.id && e.visibility.projectPrivate),
      'the private project.new event at the event hook',
    );
    // A topic filter: the issues subscriber saw the issue and no project event.
    const issues = await t.forge.db.knex('durable_seen').where({ subscriber: 'durable.issues', sequence: issueNew.id });
    assert.equal(issues.length, 1);
    assert.equal((await seen('durable.issues', 'project.')).length, 0);
  });

  it('retries a failing event, holding back that subscriber only; what the failed try wrote is undone', async () => {
    const topic = `issue.flaky${Date.now()}`;
    durableControl.failures.set(`durable.all:${topic}`, 1000);
    await t.forge.events.emit(t.forge.db.knex, topic, {});
    await t.forge.events.emit(t.forge.db.knex, `${topic}.after`, {});
    // The other subscriber goes on while this one is stuck.
    await eventually(async () => (await seen('durable.issues', topic)).length === 2, 'both events at the issues subscriber');
    assert.deepEqual(await seen('durable.all', topic), [], 'the stuck subscriber has neither event, nor the failed try');
    const cursor = (await t.forge.db.knex<CursorRecord>('forge_event_cursors').where({ name: 'durable.all' }).first())!;
    assert.match(cursor.last_error, /receiver of issue\.flaky\d+ is down/);
    assert.ok(cursor.attempts >= 1);
    durableControl.failures.delete(`durable.all:${topic}`);
    await t.drainEvents(20_000);
    const rows = await seen('durable.all', topic);
    assert.deepEqual(
      rows.map((row) => row.topic),
      [topic, `${topic}.after`],
    );
    assert.ok(rows[0]!.attempt > 1, 'the event came again, with its attempt number');
    assert.equal(rows[1]!.attempt, 1);
  });

  it('queues a job once per idempotency key, as a replayed event needs', async () => {
    const note = `keyed-${Date.now()}`;
    const first = await t.forge.jobs.enqueue('durable.note', { note }, { key: note });
    const again = await t.forge.jobs.enqueue('durable.note', { note }, { key: note });
    assert.equal(again?.id, first?.id, 'the second enqueue answers the first task');
    assert.equal((await t.forge.jobs.wait(first!.id, 10_000))?.state, 'SUCCESS');
    const other = await t.forge.jobs.enqueue('durable.note', { note }, { key: `${note}-b` });
    assert.notEqual(other?.id, first?.id);
    assert.equal((await t.forge.jobs.wait(other!.id, 10_000))?.state, 'SUCCESS');
    assert.equal(durableControl.runs.filter((run) => run === note).length, 2);
  });

  it('replays from a given event when asked', async () => {
    const topic = `replay.${Date.now()}`;
    const first = await t.forge.events.emit(t.forge.db.knex, `${topic}.one`, {});
    await t.forge.events.emit(t.forge.db.knex, `${topic}.two`, {});
    await t.drainEvents();
    await t.forge.events.replay('durable.all', first.sequence);
    await t.drainEvents();
    const rows = await seen('durable.all', topic);
    assert.deepEqual(
      rows.map((row) => row.topic),
      [`${topic}.one`, `${topic}.two`, `${topic}.two`],
    );
    await assert.rejects(t.forge.events.replay('nobody', 0), /no durable subscriber is named "nobody"/);
    await assert.rejects(t.forge.events.replay('durable.all', 2 ** 40), /is not in the event log/);
  });
});

describeModes('the event log across restarts', (mode) => {
  it('delivers what was recorded while no process read the log, and prunes events past their retention', async function () {
    const t = await createTestForge({ mode, plugins: [DURABLE], listen: false });
    const config = t.forge.config;
    const logger = pino({ level: process.env.PAGURUS_TEST_LOG ?? 'silent' });
    let other: Forge | undefined;
    try {
      const before = await t.forge.events.emit(t.forge.db.knex, 'restart.before', {});
      await t.drainEvents();
      await t.forge.close();
      // A process that records events but reads no log (a web process, with workers down).
      other = await Forge.create({ role: 'web', config, migrations: 'run', processJobs: false, logger });
      await other.events.emit(other.db.knex, 'restart.while-down', {});
      await other.db
        .knex('forge_events')
        .where({ id: before.sequence })
        .update({ created_at: other.db.knex.raw(`now() - interval '400 days'`) });
      await other.close();
      other = await Forge.create({ role: 'web', config, migrations: 'run', processJobs: true, logger });
      await other.subscribers.drain(10_000);
      const rows = await other.db
        .knex('durable_seen')
        .where({ subscriber: 'durable.all' })
        .andWhere('topic', 'like', 'restart.%')
        .orderBy('id');
      assert.deepEqual(
        rows.map((row: { topic: string }) => row.topic),
        ['restart.before', 'restart.while-down'],
      );
      await eventually(
        async () => (await other!.db.knex<EventRecord>('forge_events').where('id', before.sequence)).length === 0,
        'the old event pruned',
      );
    } finally {
      await other?.close();
      await t.close();
    }
  });
});
