import assert from 'node:assert/strict';
import type { ProjectRecord } from '@pagurus/core';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { queriesOf } from './support/query-count.js';

const DAY = 86_400_000;
const hash = (n: number) => n.toString(16).padStart(40, '0');
const commit = (n: number, authorEmail: string, date: Date | string) => ({
  hash: hash(n),
  authorEmail,
  authorName: 'Someone',
  date: new Date(date),
});
const md = (html: string) => `<div class="markdown"><p>${html}</p></div>`;
/** YYYY-MM-DD of a moment, in UTC. */
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const DATE_FORMATS =
  'YYYY-MM-DD, YYYY-M-DD, YYYY-M-D, YYYY/MM/DD, YYYY/M/DD, YYYY/M/D, YYYY.MM.DD, YYYY.M.DD, YYYY.M.D, YYYYMMDD, YYYY-DDDD, YYYYDDDD, YYYY-MM, YYYY/MM, YYYY.MM, YYYY, W';

describeModes('user activity: the commit log and /api/0/user/<name>/activity', (mode) => {
  let t: TestForge;
  let bash: ProjectRecord;
  let tools: ProjectRecord;
  let secret: ProjectRecord;
  let fork: ProjectRecord;
  let aliceToken: string;
  let bobToken: string;
  /** Midnight UTC ten days ago: recent days for the yearly stats. */
  const base = Math.floor(Date.now() / DAY) * DAY - 10 * DAY;

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    const alice = await t.createUser('alice', { fullname: 'Alice Liddell' });
    await t.forge.services.users.addEmail(alice, 'Alice.Work@Example.ORG');
    await t.createUser('bob');
    await t.createUser('carol');
    await t.createUser('root', { admin: true });
    bash = await t.createProject('alice', 'bash', { namespace: 'rpms' });
    tools = await t.createProject('alice', 'tools');
    secret = await t.createProject('alice', 'secret', { private: true });
    const bobViewer = await t.forge.services.access.viewer((await t.forge.services.users.byName('bob'))!);
    const forked = await t.forge.services.projects.fork(bobViewer, bash);
    await t.forge.jobs.wait(forked.taskId, 30_000);
    fork = forked.fork;
    aliceToken = await t.createToken('alice', ['fork_project']);
    bobToken = await t.createToken('bob', ['fork_project']);
  });
  after(() => t?.close());

  describe('logCommits', () => {
    it('logs commits for the users owning their author addresses, without case, and skips unknown ones', async () => {
      const logged = await t.forge.services.activity.logCommits(bash, [
        commit(1, 'alice@example.test', '2024-03-10T08:00:00Z'),
        commit(2, 'alice.work@example.org', '2024-03-10T12:00:00Z'),
        commit(3, 'nobody@example.test', '2024-03-10T13:00:00Z'),
        commit(4, 'BOB@example.test', '2024-03-10T14:00:00Z'),
        commit(5, 'alice@example.test', '2024-03-10T23:30:00Z'),
      ]);
      assert.equal(logged, 4);
      const rows = (await t.forge.db
        .knex('activity')
        .where({ project_id: bash.id })
        .orderBy('id')
        .select('ref', 'kind', 'user_id')) as Array<{ ref: string; kind: string }>;
      assert.deepEqual(
        rows.map((r) => r.ref),
        [hash(1), hash(2), hash(4), hash(5)],
        'in push order',
      );
      assert.ok(rows.every((r) => r.kind === 'committed'));
    });

    it('is idempotent: a retried push logs nothing twice, a commit repeated in one push once', async () => {
      assert.equal(
        await t.forge.services.activity.logCommits(bash, [
          commit(1, 'alice@example.test', '2024-03-10T08:00:00Z'),
          commit(5, 'alice@example.test', '2024-03-10T23:30:00Z'),
        ]),
        0,
      );
      assert.equal(
        await t.forge.services.activity.logCommits(bash, [
          commit(6, 'alice@example.test', '2024-03-11T09:00:00Z'),
          commit(6, 'alice@example.test', '2024-03-11T09:00:00Z'),
        ]),
        1,
      );
      assert.equal(await t.forge.services.activity.logCommits(bash, []), 0);
    });

    it('logs the same commit once per project: a fork has its own log', async () => {
      assert.equal(await t.forge.services.activity.logCommits(fork, [commit(1, 'alice@example.test', '2024-03-10T08:00:00Z')]), 1);
      assert.equal(await t.forge.services.activity.logCommits(secret, [commit(7, 'alice@example.test', '2024-03-10T10:00:00Z')]), 1);
    });

    it('takes the same number of queries for 1 commit as for 200', async () => {
      const countFor = async (commits: ReturnType<typeof commit>[]) => {
        let logged = 0;
        const queries = await queriesOf(t, async () => {
          logged = await t.forge.services.activity.logCommits(tools, commits);
        });
        return { logged, queries };
      };
      const one = await countFor([commit(1000, 'carol@example.test', '2023-01-01T00:00:00Z')]);
      const many = await countFor(
        Array.from({ length: 200 }, (_, i) =>
          commit(2000 + i, i % 2 ? 'carol@example.test' : 'stranger@example.test', '2023-01-02T00:00:00Z'),
        ),
      );
      assert.deepEqual(one, { logged: 1, queries: 1 });
      assert.deepEqual(many, { logged: 100, queries: 1 });
    });
  });

  describe('GET /api/0/user/<name>/activity/<date>', () => {
    const entry = (project: string, n: number, href: string | null) =>
      md(`alice committed on ${href ? `<a href="${href}" title="Commit ${hash(n)}">${project}#${hash(n)}</a>` : `${project}#${hash(n)}`}`);

    it("lists the user's entries of that day (UTC by default), oldest first, in Pagure's shape", async () => {
      const res = await t.api<{ date: string; activities: Array<Record<string, unknown>> }>('GET', '/api/0/user/alice/activity/2024-03-10');
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ['activities', 'date']);
      assert.equal(res.body.date, '2024-03-10');
      const [first] = res.body.activities;
      assert.deepEqual(Object.keys(first!).sort(), ['date', 'date_created', 'description_mk', 'id', 'ref_id', 'type', 'user']);
      assert.equal(typeof first!.id, 'number');
      assert.deepEqual(
        { ...first, id: 0 },
        {
          id: 0,
          type: 'committed',
          ref_id: hash(1),
          date: '2024-03-10',
          date_created: String(Date.parse('2024-03-10T08:00:00Z') / 1000),
          user: { name: 'alice', fullname: 'Alice Liddell', url_path: 'user/alice', full_url: `${t.url}/user/alice` },
          description_mk: entry('rpms/bash', 1, `/rpms/bash/c/${hash(1)}`),
        },
      );
      assert.deepEqual(
        res.body.activities.map((a) => a.description_mk),
        [
          entry('rpms/bash', 1, `/rpms/bash/c/${hash(1)}`),
          entry('rpms/bash', 2, `/rpms/bash/c/${hash(2)}`),
          entry('rpms/bash', 5, `/rpms/bash/c/${hash(5)}`),
          entry('bob/rpms/bash', 1, `/fork/bob/rpms/bash/c/${hash(1)}`),
        ],
        "bob's commit is not alice's; the private project's stays hidden; a fork's link drops forks/",
      );
    });

    it('cuts the day in the timezone asked for: a zone name or an offset', async () => {
      const refs = async (tz: string, date = '2024-03-10') =>
        (
          await t.api<{ activities: Array<{ ref_id: string }> }>('GET', `/api/0/user/alice/activity/${date}?tz=${encodeURIComponent(tz)}`)
        ).body.activities.map((a) => a.ref_id);
      // 23:30 UTC on the 10th is the 11th in Paris (+01:00); in Honolulu (-10:00) 08:00 UTC is still
      // the 9th, and 09:00 UTC on the 11th still the 10th.
      assert.deepEqual(await refs('Europe/Paris'), [hash(1), hash(2), hash(1)]);
      assert.deepEqual(await refs('Europe/Paris', '2024-03-11'), [hash(5), hash(6)]);
      assert.deepEqual(await refs('Pacific/Honolulu'), [hash(2), hash(5), hash(6)]);
      assert.deepEqual(await refs('Pacific/Honolulu', '2024-03-09'), [hash(1), hash(1)]);
      assert.deepEqual(await refs('+01:00', '2024-03-11'), [hash(5), hash(6)]);
      assert.deepEqual(await refs('-1000'), [hash(2), hash(5), hash(6)]);
      assert.deepEqual(await refs('utc'), await refs('UTC'));
    });

    it('reads an unknown timezone as UTC, as Pagure does', async () => {
      const utc = (await t.api('GET', '/api/0/user/alice/activity/2024-03-10')).body;
      for (const tz of ['Mars/Olympus_Mons', 'not a zone', '+99:00']) {
        const res = await t.api('GET', `/api/0/user/alice/activity/2024-03-10?tz=${encodeURIComponent(tz)}`);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, utc, tz);
      }
    });

    it('groups commits per project with grouped=1', async () => {
      const res = await t.api<{ activities: unknown[] }>('GET', '/api/0/user/alice/activity/2024-03-10?grouped=1');
      assert.deepEqual(res.body.activities, [
        { description_mk: md(`<a href="${t.url}/user/alice">@alice</a> pushed 3 commits to rpms/bash`) },
        { description_mk: entry('bob/rpms/bash', 1, `/fork/bob/rpms/bash/c/${hash(1)}`) },
      ]);
      const notGrouped = await t.api<{ activities: unknown[] }>('GET', '/api/0/user/alice/activity/2024-03-10?grouped=no');
      assert.equal(notGrouped.body.activities.length, 4);
    });

    it("shows entries on a private project to those who may see it: the owner's token, a site admin", async () => {
      const withToken = async (token: string) =>
        (
          await t.api<{ activities: Array<{ ref_id: string; description_mk: string }> }>(
            'GET',
            '/api/0/user/alice/activity/2024-03-10',
            undefined,
            { Authorization: `token ${token}` },
          )
        ).body.activities;
      const mine = await withToken(aliceToken);
      assert.deepEqual(
        mine.map((a) => a.ref_id),
        [hash(1), hash(2), hash(5), hash(1), hash(7)],
      );
      assert.equal(mine[4]!.description_mk, entry('alice/secret', 7, null), "no link to a private project (in its owner's namespace)");
      assert.equal((await withToken(bobToken)).length, 4, 'bob may not see alice/secret');
      assert.equal((await withToken(await t.createToken('root', ['fork_project']))).length, 5);
      const grouped = await t.api<{ activities: unknown[] }>('GET', '/api/0/user/alice/activity/2024-03-10?grouped=true', undefined, {
        Authorization: `token ${aliceToken}`,
      });
      assert.equal(grouped.body.activities.length, 3);
    });

    it('finds the user by email address too, and answers an empty day with no activities', async () => {
      const res = await t.api('GET', '/api/0/user/alice@example.test/activity/2024-03-12');
      assert.deepEqual(res.body, { activities: [], date: '2024-03-12' });
    });

    it('reads the date as Pagure does: other ISO forms, a time and offset being ignored', async () => {
      for (const date of ['2024-3-10', '20240310', '2024-070', '2024-W10-7', '2024-03-10T23:59:59+05:00', '2024.03.10', '2024-03-10T10']) {
        const res = await t.api<{ date: string; activities: unknown[] }>('GET', `/api/0/user/alice/activity/${encodeURIComponent(date)}`);
        assert.equal(res.status, 200, date);
        assert.equal(res.body.date, '2024-03-10', date);
        assert.equal(res.body.activities.length, 4, date);
      }
      assert.equal((await t.api<{ date: string }>('GET', '/api/0/user/alice/activity/2024-03')).body.date, '2024-03-01');
      assert.equal((await t.api<{ date: string }>('GET', '/api/0/user/alice/activity/2024')).body.date, '2024-01-01');
    });

    it("answers a date it cannot read with 400 ENOCODE and the parser's message, before looking for the user", async () => {
      const cases: Array<[string, string]> = [
        ['yesterday', `Could not match input 'yesterday' to any of the following formats: ${DATE_FORMATS}.`],
        ['2024-02-30', 'day is out of range for month'],
        ['2023-02-29', 'day is out of range for month'],
        ['2024-13-01', 'month must be in 1..12'],
        ['0000-01-01', 'year 0 is out of range'],
        ['2024-400', 'The provided day of year 400 is invalid.'],
        ['2024-03-10T25:00', 'hour must be in 0..23'],
        [
          '2024-03-10Tnoon',
          'Invalid time component provided. Please specify a format or provide a valid time component in the basic or extended ISO 8601 time format.',
        ],
        [
          '2024-03-10 10:00 x',
          "Expected an ISO 8601-like string, but was given '2024-03-10 10:00 x'. Try passing in a format string to resolve this.",
        ],
      ];
      for (const [date, error] of cases) {
        for (const user of ['alice', 'nobody']) {
          const res = await t.api('GET', `/api/0/user/${user}/activity/${encodeURIComponent(date)}`);
          assert.equal(res.status, 400, date);
          assert.deepEqual(res.body, { error, error_code: 'ENOCODE' }, date);
        }
      }
      const withTime = await t.api<{ error: string }>('GET', `/api/0/user/alice/activity/${encodeURIComponent('2024-03-1xT10:00')}`);
      assert.equal(
        withTime.body.error,
        `Could not match input '2024-03-1xT10:00' to any of the following formats: ${DATE_FORMATS.split(', ')
          .map((f) => `${f}THH:mm`)
          .join(', ')}.`,
      );
    });

    it('answers 404 ENOUSER for an unknown user', async () => {
      const res = await t.api('GET', '/api/0/user/nobody/activity/2024-03-10');
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { error: 'No such user found', error_code: 'ENOUSER' });
    });
  });

  describe('GET /api/0/user/<name>/activity/stats', () => {
    before(async () => {
      const at = (days: number, time: string) => new Date(`${utcDay(base + days * DAY)}T${time}Z`);
      await t.forge.services.activity.logCommits(bash, [
        commit(100, 'alice@example.test', at(0, '10:00:00')),
        commit(101, 'alice@example.test', at(0, '20:00:00')),
        commit(102, 'alice@example.test', at(1, '23:30:00')),
        commit(103, 'alice@example.test', at(-400, '12:00:00')),
        commit(104, 'alice@example.test', at(30, '12:00:00')),
      ]);
      await t.forge.services.activity.logCommits(secret, [commit(105, 'alice@example.test', at(2, '12:00:00'))]);
    });

    it('counts entries per day over the last year, in UTC by default, dates as keys', async () => {
      const res = await t.api('GET', '/api/0/user/alice/activity/stats');
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body,
        { [utcDay(base)]: 2, [utcDay(base + DAY)]: 1 },
        'more than a year ago and after tomorrow do not count; nor the private project',
      );
      assert.deepEqual((await t.api('GET', '/api/0/user/alice/activity/stats?format=isoformat')).body, res.body);
      assert.deepEqual((await t.api('GET', '/api/0/user/alice/activity/stats?format=other')).body, res.body);
    });

    it('cuts days in the timezone asked for', async () => {
      const res = await t.api('GET', '/api/0/user/alice/activity/stats?tz=Asia/Tokyo');
      assert.deepEqual(res.body, { [utcDay(base)]: 1, [utcDay(base + DAY)]: 1, [utcDay(base + 2 * DAY)]: 1 });
      const offset = await t.api('GET', `/api/0/user/alice/activity/stats?tz=${encodeURIComponent('+09:00')}`);
      assert.deepEqual(offset.body, res.body);
      assert.deepEqual((await t.api('GET', '/api/0/user/alice/activity/stats?tz=Nowhere/Special')).body, {
        [utcDay(base)]: 2,
        [utcDay(base + DAY)]: 1,
      });
    });

    it('keys the days by noon in that timezone, in epoch seconds, with format=timestamp', async () => {
      const utc = await t.api('GET', '/api/0/user/alice/activity/stats?format=timestamp');
      assert.deepEqual(utc.body, { [String((base + DAY / 2) / 1000)]: 2, [String((base + DAY + DAY / 2) / 1000)]: 1 });
      const tokyo = await t.api('GET', '/api/0/user/alice/activity/stats?format=timestamp&tz=Asia/Tokyo');
      const noonTokyo = (day: number) => String((base + day * DAY + 3 * 3600_000) / 1000);
      assert.deepEqual(tokyo.body, { [noonTokyo(0)]: 1, [noonTokyo(1)]: 1, [noonTokyo(2)]: 1 });
      assert.deepEqual(
        (await t.api('GET', `/api/0/user/alice/activity/stats?format=timestamp&tz=${encodeURIComponent('+0900')}`)).body,
        tokyo.body,
      );
      assert.deepEqual(
        (await t.api('GET', '/api/0/user/alice/activity/stats?format=timestamp&tz=Nowhere/Special')).body,
        utc.body,
        'an unknown zone: noon UTC',
      );
    });

    it('counts private projects for those who may see them', async () => {
      const res = await t.api('GET', '/api/0/user/alice/activity/stats', undefined, { Authorization: `token ${aliceToken}` });
      assert.deepEqual(res.body, { [utcDay(base)]: 2, [utcDay(base + DAY)]: 1, [utcDay(base + 2 * DAY)]: 1 });
      assert.deepEqual((await t.api('GET', '/api/0/user/alice/activity/stats', undefined, { Authorization: `token ${bobToken}` })).body, {
        [utcDay(base)]: 2,
        [utcDay(base + DAY)]: 1,
      });
    });

    it('answers an empty object for a user without activity, and 404 ENOUSER for an unknown one', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/user/carol/activity/stats')).body, {});
      const res = await t.api('GET', '/api/0/user/nobody/activity/stats');
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { error: 'No such user found', error_code: 'ENOUSER' });
    });
  });
});
