// The test kit plugin authors get from @pagurus/core/testing, used as they would: pushing
// over git, a page client with a session and form tokens, an event recorder, draining the
// job queue, and a stub HTTP server for a plugin's outgoing calls.
import assert from 'node:assert/strict';
import {
  createTestForge,
  describeModes,
  drainJobs,
  gitOk,
  PageClient,
  pushTo,
  recordEvents,
  startStubServer,
  tempDir,
  cloneUrl,
  type TestForge,
} from '@pagurus/core/testing';
import { FIXTURE_PLUGIN } from './support/fixtures.js';

describeModes('the test kit', (mode) => {
  let t: TestForge;
  let work: string;
  const remoteHead = async (repo: string, branch: string) =>
    (await gitOk(work, 'ls-remote', cloneUrl(t.url, repo), `refs/heads/${branch}`)).split('\t')[0];

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN] });
    work = await tempDir();
    await t.createUser('alice');
    await t.createUser('mallory');
    await t.createProject('alice', 'kit', { readme: true });
  });
  after(() => t?.close());

  it('pushes files over git with a password or a token; a refused push answers git’s error', async () => {
    const pushed = await pushTo(t, 'kit', { user: 'alice', files: { 'docs/a.txt': 'a\n' } });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(await remoteHead('kit', 'main'), pushed.commit);
    const token = await t.createToken('alice', 'all');
    const branch = await pushTo(t, 'kit', { user: 'alice', secret: token, files: { 'b.txt': 'b\n' }, branch: 'feature' });
    assert.equal(branch.code, 0, branch.stderr);
    assert.equal(await remoteHead('kit', 'feature'), branch.commit);
    const refused = await pushTo(t, 'kit', { user: 'mallory', files: { 'evil.txt': 'x\n' } });
    assert.notEqual(refused.code, 0);
    assert.equal(await remoteHead('kit', 'main'), pushed.commit, 'the refused push wrote nothing');
  });

  it('records events and waits for one by topic and predicate, with a deadline', async () => {
    const recorder = recordEvents(t.forge);
    const pushed = await pushTo(t, 'kit', { user: 'alice', files: { 'c.txt': 'c\n' }, branch: 'recorded' });
    // Recorded since recordEvents: whether it came during the push or comes later, waitFor finds it.
    const event = await recorder.waitFor('git.receive', (e) => (e.body as { branch?: string }).branch === 'recorded', 60_000);
    assert.equal((event.body as { end_commit: string }).end_commit, pushed.commit);
    assert.equal(event.agent, 'alice');
    // Already recorded: answered at once.
    assert.equal(await recorder.waitFor('git.receive', (e) => e.id === event.id), event);
    await assert.rejects(recorder.waitFor('no.such.topic', undefined, 100), /no no\.such\.topic event matching within 100 ms/);
    recorder.stop();
  });

  it('drains the job queue: every queued job has run when it resolves', async () => {
    const tasks = await Promise.all(
      ['one', 'two', 'three'].map((key) => t.forge.jobs.enqueue('fixture.record', { key: `drain-${key}`, sleepMs: 100 })),
    );
    await drainJobs(t);
    assert.equal(await t.forge.queue.pending(), 0);
    for (const task of tasks) assert.equal((await t.forge.jobs.status(task!.id))?.state, 'SUCCESS');
  });

  it('browses pages with a session: logs in, and posts forms with their token (and is refused without)', async () => {
    const browser = new PageClient(t);
    assert.equal(await browser.viewer(), undefined);
    await browser.logIn('alice');
    assert.equal(await browser.viewer(), 'alice');
    const refused = await browser.post('/new', { name: 'no-token', description: 'x' });
    assert.equal(refused.status, 400);
    assert.match(refused.html, /This form has expired or did not come from this site/);
    const made = await browser.submit('/new', { name: 'with-token', description: 'Made through a form' });
    assert.equal(made.status, 302, made.html);
    assert.equal((await t.api('GET', '/api/0/with-token')).status, 200);
  });
});

describe('the stub HTTP server', () => {
  it('records requests and answers from its script, then the default', async () => {
    const stub = await startStubServer();
    try {
      assert.match(stub.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      stub.answerNext({ status: 503, body: 'down' }, { status: 201, body: { made: true }, headers: { 'x-stub': 'yes' } });
      const first = await fetch(`${stub.url}/hook?x=1`, { method: 'POST', body: '{"a":1}', headers: { 'X-Pagure-Topic': 't' } });
      assert.deepEqual([first.status, await first.text()], [503, 'down']);
      const second = await fetch(`${stub.url}/hook`, { method: 'POST', body: 'two' });
      assert.deepEqual([second.status, second.headers.get('x-stub'), await second.json()], [201, 'yes', { made: true }]);
      const third = await fetch(`${stub.url}/other`);
      assert.deepEqual([third.status, await third.text()], [200, 'ok']);
      assert.deepEqual(
        stub.requests.map((r) => [r.method, r.url, r.text]),
        [
          ['POST', '/hook?x=1', '{"a":1}'],
          ['POST', '/hook', 'two'],
          ['GET', '/other', ''],
        ],
      );
      assert.equal(stub.requests[0]!.headers['x-pagure-topic'], 't');
    } finally {
      await stub.close();
    }
  });

  it('answers through a handler, waits for requests, and delays an answer', async () => {
    const stub = await startStubServer((request) => (request.url === '/slow' ? { delayMs: 300, body: 'late' } : undefined));
    try {
      const waiting = stub.waitForRequests(2, (r) => r.url.startsWith('/p'));
      await fetch(`${stub.url}/p1`);
      await fetch(`${stub.url}/q`);
      await fetch(`${stub.url}/p2`);
      assert.deepEqual(
        (await waiting).map((r) => r.url),
        ['/p1', '/p2'],
      );
      const slow = await fetch(`${stub.url}/slow`, { signal: AbortSignal.timeout(100) }).catch((error: Error) => error);
      assert.ok(slow instanceof Error, 'a client with a shorter timeout gives up');
      stub.handle(() => ({ status: 418 }));
      assert.equal((await fetch(`${stub.url}/any`)).status, 418);
      await assert.rejects(stub.waitForRequests(99, undefined, 50), /got \d+ of 99 requests within 50 ms/);
    } finally {
      await stub.close();
    }
  });
});
