// Pagure's issue history statistics: week by week back from tomorrow, oldest week first.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

type Detailed = Record<string, { open_ticket: number; closed_ticket: number; count: number }>;

describeModes('issue history statistics', (mode) => {
  let t: TestForge;
  let alice: Record<string, string>;
  before(async () => {
    t = await createTestForge({ mode });
    for (const name of ['alice', 'bob']) await t.createUser(name);
    const project = await t.createProject('alice', 'pkg');
    alice = { Authorization: `token ${await t.createToken('alice', ['issue_create'])}` };
    const bob = { Authorization: `token ${await t.createToken('bob', ['issue_create'])}` };
    for (const [title, by, priv] of [
      ['A', alice, false],
      ['B', alice, false],
      ['C', bob, true],
      ['D', alice, false],
    ] as const) {
      await t.api('POST', '/api/0/pkg/new_issue', { title, issue_content: 'x', private: priv }, by);
    }
    // Dates as if the issues had lived for a while (days before now).
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    const set = (id: number, fields: Record<string, unknown>) =>
      t.forge.db.knex('issues').where({ project_id: project.id, id }).update(fields);
    await set(1, { created_at: ago(2) });
    await set(2, { created_at: ago(10), status: 'Closed', close_status: 'Fixed', closed_at: ago(3) });
    await set(3, { created_at: ago(19.5) });
    // Imported as closed without a date.
    await set(4, { created_at: ago(400), status: 'Closed' });
  });
  after(() => t?.close());

  it('counts opened, closed and open issues per week, private ones only for who may see them', async () => {
    const anonymous = await t.api<{ stats: Detailed }>('GET', '/api/0/pkg/issues/history/detailed_stats?weeks_range=4');
    assert.equal(anonymous.status, 200);
    const keys = Object.keys(anonymous.body.stats);
    assert.equal(keys.length, 4);
    for (const key of keys) assert.match(key, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
    assert.deepEqual(keys, [...keys].sort(), 'oldest week first');
    assert.equal(Date.parse(`${keys[1]}Z`) - Date.parse(`${keys[0]}Z`), 7 * 86_400_000);
    assert.deepEqual(Object.values(anonymous.body.stats), [
      { open_ticket: 0, closed_ticket: 0, count: 0 },
      { open_ticket: 0, closed_ticket: 0, count: 0 },
      { open_ticket: 1, closed_ticket: 0, count: 0 },
      { open_ticket: 1, closed_ticket: 1, count: 1 },
    ]);
    const owner = await t.api<{ stats: Detailed }>('GET', '/api/0/pkg/issues/history/detailed_stats?weeks_range=4', undefined, alice);
    assert.deepEqual(Object.values(owner.body.stats), [
      { open_ticket: 0, closed_ticket: 0, count: 0 },
      { open_ticket: 1, closed_ticket: 0, count: 0 },
      { open_ticket: 1, closed_ticket: 0, count: 1 },
      { open_ticket: 1, closed_ticket: 1, count: 2 },
    ]);
  });

  it('answers the plain statistics for 53 weeks, and reads weeks_range leniently', async () => {
    const plain = await t.api<{ stats: Record<string, number> }>('GET', '/api/0/pkg/issues/history/stats');
    const values = Object.values(plain.body.stats);
    assert.equal(values.length, 53);
    // The last week: one still open plus one closed, minus the one closed without a date.
    assert.equal(values.at(-1), 1);
    assert.ok(values.slice(0, -1).every((v) => v === 0));
    assert.equal(
      Object.keys((await t.api<{ stats: Detailed }>('GET', '/api/0/pkg/issues/history/detailed_stats?weeks_range=lots')).body.stats).length,
      53,
    );
    assert.deepEqual((await t.api('GET', '/api/0/nope/issues/history/stats')).body, {
      error: 'Project not found',
      error_code: 'ENOPROJECT',
    });
  });
});
