// The live-update stream from the outside: the plugin loaded by name from the config, pages'
// viewers as browser sessions, changes made through the API.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectRecord } from '@pagurus/core';
import { createTestForge, describeModes, startCli, type TestForge } from '@pagurus/core/testing';
import { dataOf, eventually, logIn, openStream, type Frame, type OpenStream } from './support.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const fullname = (p: ProjectRecord) => (p.namespace ? `${p.namespace}/${p.name}` : p.name);
const isData = (frame: Frame) => frame.data !== undefined && frame.event === undefined;

describeModes('live updates (plugin sse)', (mode) => {
  let t: TestForge;
  let live: ProjectRecord;
  let secret: ProjectRecord;
  const cookies: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  const open: OpenStream[] = [];

  const as = (name: string) => ({ Authorization: `token ${tokens[name]}` });
  async function comment(project: ProjectRecord, issue: number, text: string): Promise<void> {
    const res = await t.api('POST', `/api/0/${fullname(project)}/issue/${issue}/comment`, { comment: text }, as('alice'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  async function stream(channels: string, who?: string, lastEventId?: string): Promise<OpenStream> {
    const s = await openStream(t, channels, { cookie: who ? cookies[who] : undefined, lastEventId });
    open.push(s);
    return s;
  }
  const stats = async () => {
    const res = await t.fetch('/_sse/stats', { headers: { Cookie: cookies.root! } });
    assert.equal(res.status, 200);
    return (await res.json()) as { streams: number; channels: number; addresses: number; buffered: number; subscribed: boolean };
  };

  before(async function () {
    this.timeout(240_000);
    t = await createTestForge({
      mode,
      plugins: [
        {
          name: '@pagurus/plugin-sse',
          options: { heartbeat_seconds: 0.2, max_connections_per_address: 4, replay_size: 50 },
        },
      ],
    });
    for (const name of ['alice', 'bob', 'root']) {
      await t.createUser(name, { admin: name === 'root' });
      tokens[name] = await t.createToken(name, 'all');
      cookies[name] = await logIn(t, name);
    }
    live = await t.createProject('alice', 'live');
    secret = await t.createProject('alice', 'secret', { private: true });
    for (const [project, title, priv] of [
      [live, 'Public one', false],
      [live, 'Private one', true],
      [secret, 'Hidden', false],
    ] as const) {
      const res = await t.api(
        'POST',
        `/api/0/${fullname(project)}/new_issue`,
        { title, issue_content: 'text', private: priv },
        as('alice'),
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  });

  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    // Every stream is gone before the next test counts anything.
    await eventually(stats, (s) => s.streams === 0);
  });

  after(async () => await t?.close());

  it('streams a comment to a page following the issue, with the event sequence as id', async () => {
    const s = await stream(`issue:${live.id}:1`, 'bob');
    assert.equal(s.status, 200);
    assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
    await s.next((f) => f.comment === 'connected');
    await comment(live, 1, 'Hello from alice');
    const frame = await s.next(isData);
    const data = dataOf(frame);
    assert.equal(data.topic, 'issue.comment.added');
    assert.equal(data.project, live.id);
    assert.equal(data.issue, 1);
    assert.equal(data.agent, 'alice');
    assert.equal(data.status, 'Open');
    assert.equal(typeof data.comment, 'number');
    assert.match(frame.id ?? '', /^\d+$/);
  });

  it("never sends a private issue's events to someone who cannot see it", async () => {
    const bob = await stream(`project:${live.id}`, 'bob');
    const alice = await stream(`project:${live.id}`, 'alice');
    await comment(live, 2, 'Only for the team');
    await comment(live, 1, 'For everyone');
    const aliceSaw = [await alice.next((f) => isData(f) && dataOf(f).issue === 2)];
    aliceSaw.push(await alice.next((f) => isData(f) && dataOf(f).issue === 1));
    // Frames keep their order per stream: had bob been sent #2's comment, it would come first.
    await bob.next((f) => isData(f) && dataOf(f).issue === 1);
    assert.deepEqual(
      bob.frames.filter(isData).map((f) => dataOf(f).issue),
      [1],
    );
    // An anonymous page on the public project sees the public comment only, too.
    const anonymous = await stream(`project:${live.id}`);
    await comment(live, 2, 'Still private');
    await comment(live, 1, 'Public again');
    await anonymous.next((f) => isData(f) && dataOf(f).issue === 1);
    assert.deepEqual(
      anonymous.frames.filter(isData).map((f) => dataOf(f).issue),
      [1],
    );
  });

  it('refuses to follow what the viewer cannot see, and malformed channels', async () => {
    for (const [channels, who, status] of [
      [`project:${secret.id}`, 'bob', 404],
      [`project:${secret.id}`, undefined, 404],
      [`issue:${secret.id}:1`, 'bob', 404],
      [`issue:${live.id}:2`, 'bob', 404],
      [`issue:${live.id}:2`, undefined, 404],
      [`issue:${live.id}:99`, 'alice', 404],
      [`pr:${live.id}:1`, 'alice', 404],
      ['project:999999', 'alice', 404],
      ['nothing', 'alice', 400],
      [`project:${live.id},bogus:1`, 'alice', 400],
      ['', 'alice', 400],
    ] as const) {
      const s = await stream(channels, who);
      assert.equal(s.status, status, `${channels} as ${who ?? 'anonymous'}`);
    }
    // One channel refused refuses the stream: nothing is streamed for the others.
    assert.equal((await stream(`project:${live.id},project:${secret.id}`, 'bob')).status, 404);
    for (const [channels, who] of [
      [`project:${secret.id}`, 'alice'],
      [`issue:${live.id}:2`, 'alice'],
      [`project:${secret.id}`, 'root'],
    ] as const) {
      const s = await stream(channels, who);
      assert.equal(s.status, 200, `${channels} as ${who}`);
      s.close();
    }
  });

  it('resumes from Last-Event-ID with what happened while disconnected', async () => {
    const first = await stream(`issue:${live.id}:1`, 'bob');
    await comment(live, 1, 'Before the gap');
    const seen = await first.next(isData);
    first.close();
    await eventually(stats, (s) => s.streams === 0);
    await comment(live, 1, 'During the gap 1');
    await comment(live, 1, 'During the gap 2');
    const again = await stream(`issue:${live.id}:1`, 'bob', seen.id);
    await again.next((f) => isData(f) && again.frames.filter(isData).length >= 2);
    const ids = again.frames.filter(isData).map((f) => Number(f.id));
    assert.equal(ids.length, 2);
    assert.ok(ids[0]! > Number(seen.id) && ids[1]! > ids[0]!, `ids ${ids.join(',')} after ${seen.id}`);
    // Without Last-Event-ID, nothing from the past.
    const fresh = await stream(`issue:${live.id}:1`, 'bob');
    await fresh.next((f) => f.comment === 'heartbeat');
    assert.equal(fresh.frames.filter(isData).length, 0);
  });

  it('sends heartbeats while nothing happens', async () => {
    const s = await stream(`project:${live.id}`);
    await s.next((f) => f.comment === 'heartbeat', 2000);
    const first = s.frames.findIndex((f) => f.comment === 'heartbeat');
    await s.next((f) => f.comment === 'heartbeat', 2000, first + 1);
    assert.equal(s.frames[0]!.retry, '3000');
  });

  it('leaves no stream or channel behind when browsers go', async () => {
    const a = await stream(`project:${live.id},issue:${live.id}:1`, 'bob');
    const b = await stream(`project:${live.id}`);
    assert.deepEqual(await stats(), { streams: 2, channels: 2, addresses: 1, buffered: (await stats()).buffered, subscribed: true });
    a.close();
    b.close();
    assert.deepEqual(await eventually(stats, (s) => s.streams === 0), {
      streams: 0,
      channels: 0,
      addresses: 0,
      buffered: (await stats()).buffered,
      subscribed: true,
    });
    // Statistics are for site admins.
    assert.equal((await t.fetch('/_sse/stats', { headers: { Cookie: cookies.bob! } })).status, 403);
  });

  it('caps the streams of one address', async () => {
    const streams = [];
    for (let i = 0; i < 4; i++) streams.push(await stream(`project:${live.id}`));
    assert.deepEqual(
      streams.map((s) => s.status),
      [200, 200, 200, 200],
    );
    assert.equal((await stream(`project:${live.id}`)).status, 429);
    streams[0]!.close();
    await eventually(stats, (s) => s.streams === 3);
    assert.equal((await stream(`project:${live.id}`)).status, 200);
  });

  it('ends the stream when the viewer loses access', async () => {
    const grant = (acl?: string) =>
      t.api('POST', `/api/0/${fullname(secret)}/git/modifyacls`, { user_type: 'user', name: 'bob', ...(acl ? { acl } : {}) }, as('alice'));
    assert.equal((await grant('ticket')).status, 200);
    const s = await stream(`project:${secret.id}`, 'bob');
    assert.equal(s.status, 200);
    await comment(secret, 1, 'Bob is still here');
    await s.next((f) => isData(f) && dataOf(f).topic === 'issue.comment.added');
    assert.equal((await grant()).status, 200);
    await s.next((f) => f.event === 'revoked');
    await s.waitEnd();
    await comment(secret, 1, 'Bob is gone');
    assert.equal((await stream(`project:${secret.id}`, 'bob')).status, 404);
  });

  // A second process shares the database and Redis: the server mode only (PGlite belongs to one process).
  if (mode === 'server')
    it('runs as its own process: pagurus sse --port', async function () {
      this.timeout(240_000);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pagurus-sse-'));
      const config = path.join(dir, 'pagurus.config.yaml');
      writeFileSync(config, "plugins:\n  - name: '@pagurus/plugin-sse'\n");
      const cli = await startCli(['--config', config, 'sse', '--port', '0'], /live updates at (http:\/\/\S+)\/_sse\/stream/, {
        env: t.env,
        cwd: ROOT,
        timeoutMs: 120_000,
      });
      const url = cli.match[1]!;
      try {
        const other = { ...t, fetch: (pathname: string, init?: RequestInit) => fetch(new URL(pathname, `${url}/`), init) };
        const s = await openStream(other, `issue:${live.id}:1`, { cookie: cookies.bob });
        open.push(s);
        assert.equal(s.status, 200);
        await s.next((f) => f.comment === 'connected');
        await comment(live, 1, 'Through Redis to the other process');
        assert.equal(dataOf(await s.next(isData, 10_000)).topic, 'issue.comment.added');
        // Refusals there too.
        assert.equal((await openStream(other, `project:${secret.id}`, { cookie: cookies.bob })).status, 404);
      } finally {
        await cli.stop();
      }
    });
});
