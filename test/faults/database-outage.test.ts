// PostgreSQL going away under load, two ways: restarted (a server of the test's own, stopped
// with `pg_ctl stop -m fast`, which ends every session, and started again), and cut off by
// the network (behind a TCP proxy the test cuts: connections reset, new ones refused).
// Requests in flight and during the outage get 503 with Pagure's error JSON, never a 500 or a
// stack; the pool recovers by itself once the database is back; and nothing is half-written:
// every comment stored has its event, every comment answered 200 is stored, and a durable
// subscriber gets each event once.
import assert from 'node:assert/strict';
import { createTestForge, serverServices, startTcpProxy, type TcpProxy, type TestForge } from '@pagurus/core/testing';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { assertEachEventDeliveredOnce, DURABLE_SUBSCRIBER } from './support.js';

interface Outcome {
  status: number;
  body: unknown;
  text?: string;
}

/** A way for the database to go away and come back. */
interface Outage {
  url: string;
  away(): Promise<void>;
  back(): Promise<void>;
  close(): Promise<void>;
}

async function restarted(): Promise<Outage> {
  const server: PostgresServer = await startPostgres();
  return { url: server.url, away: () => server.stop(), back: () => server.start(), close: () => server.close() };
}

async function cutOff(databaseUrl: string): Promise<Outage> {
  const proxy: TcpProxy = await startTcpProxy(databaseUrl);
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return { url: url.toString(), away: () => proxy.cut(), back: () => proxy.restore(), close: () => proxy.restore() };
}

for (const how of ['restarted', 'cut off by the network'] as const)
  describe(`faults: PostgreSQL ${how} under load`, () => {
    let t: TestForge;
    let outage: Outage;
    let auth: Record<string, string>;

    before(async function () {
      const services = serverServices();
      if (!services) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
      this.timeout(120_000);
      outage = how === 'restarted' ? await restarted() : await cutOff(services.databaseUrl);
      const url = new URL(outage.url);
      t = await createTestForge({
        mode: 'server',
        listen: true,
        config: { 'database.url': url.toString(), 'database.wait_seconds': 2 },
        plugins: [DURABLE_SUBSCRIBER],
      });
      await t.createUser('alice');
      await t.createProject('alice', 'pkg');
      auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
      const issue = await t.api('POST', '/api/0/pkg/new_issue', { title: 'Under load', issue_content: 'x' }, auth);
      assert.equal(issue.status, 200, JSON.stringify(issue.body));
    });
    after(async () => {
      await t?.close();
      await outage?.close();
    });

    /** One client: reads and comments until `stop`, keeping every answer and the comments answered 200. */
    async function client(n: number, stop: () => boolean, outcomes: Outcome[], acknowledged: string[]): Promise<void> {
      for (let i = 0; !stop(); i += 1) {
        const comment = `client ${n} comment ${i}`;
        const write = i % 2 === 0;
        try {
          const res = write
            ? await t.fetch('/api/0/pkg/issue/1/comment', {
                method: 'POST',
                headers: { ...auth, 'Content-Type': 'application/json' },
                body: JSON.stringify({ comment }),
              })
            : await t.fetch('/api/0/pkg/issues', { headers: auth });
          const text = await res.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          outcomes.push({ status: res.status, body, text });
          if (write && res.status === 200) acknowledged.push(comment);
        } catch (error) {
          outcomes.push({ status: 0, body: String(error) });
        }
      }
    }

    it('answers 503 with the error JSON while it is away, recovers by itself, and writes nothing by halves', async function () {
      this.timeout(120_000);
      const outcomes: Outcome[] = [];
      const acknowledged: string[] = [];
      let stopped = false;
      const clients = Array.from({ length: 8 }, (_, n) => client(n, () => stopped, outcomes, acknowledged));
      const until = async (what: string, test: () => boolean) => {
        const deadline = Date.now() + 30_000;
        while (!test()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      await until('answers before the outage', () => outcomes.filter((o) => o.status === 200).length >= 20);
      await outage.away();
      const cutAt = outcomes.length;
      await until('503s during the outage', () => outcomes.slice(cutAt).filter((o) => o.status === 503).length >= 20);
      await outage.back();
      const backAt = outcomes.length;
      await until('answers after the outage', () => outcomes.slice(backAt).filter((o) => o.status === 200).length >= 40);
      stopped = true;
      await Promise.all(clients);

      const bad = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
      assert.deepEqual(bad.slice(0, 5), [], `${bad.length} answers were neither 200 nor 503`);
      for (const o of outcomes.filter((x) => x.status === 503)) {
        assert.deepEqual(Object.keys(o.body as object).sort(), ['error', 'error_code'], o.text);
        assert.equal((o.body as { error_code: string }).error_code, 'ENOCODE');
        assert.match((o.body as { error: string }).error, /database is unavailable/);
      }
      // The last answers are all good again: the pool came back by itself.
      assert.ok(
        outcomes.slice(-10).every((o) => o.status === 200),
        JSON.stringify(outcomes.slice(-10).map((o) => o.status)),
      );

      const issue = await t.api<{ comments: Array<{ comment: string; id: number }> }>('GET', '/api/0/pkg/issue/1', undefined, auth);
      const stored = issue.body.comments.map((c) => c.comment);
      for (const comment of acknowledged) assert.ok(stored.includes(comment), `acknowledged but lost: ${comment}`);
      // Each stored comment committed with its event (one each), or neither did.
      const [{ count }] = (await t.forge.db.knex('forge_events').where({ topic: 'issue.comment.added' }).count('* as count')) as [
        { count: number | string },
      ];
      assert.equal(Number(count), issue.body.comments.length, 'as many issue.comment.added events as comments');
      // The subscriber's reads failed during the outage too: it goes on from its cursor, missing none.
      await assertEachEventDeliveredOnce(t);
    });
  });
