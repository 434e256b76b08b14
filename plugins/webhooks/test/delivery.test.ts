import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describeModes } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';
import { eventually, Receiver } from './support/receiver.js';

describeModes('webhooks: delivery', (mode) => {
  let kit: Kit;
  let receiver: Receiver;

  before(async function () {
    // A forge boots in seconds, or a minute on a loaded machine.
    this.timeout(180_000);
    receiver = await new Receiver().start();
    kit = await Kit.start(mode);
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
    await receiver?.stop();
  });
  beforeEach(async () => {
    receiver.answer = () => 200;
    await receiver.start();
  });

  it('POSTs each event as Pagure does: its JSON body, headers and both signatures with the hook token', async () => {
    const project = await kit.project('alice', 'signed', [receiver.url('/signed')]);
    const id = await kit.newIssue('alice', project, 'First issue');
    const got = await eventually('the issue.new delivery', () => receiver.on('/signed').find((r) => r.json.topic === 'issue.new'));
    const token = await kit.hookToken('alice', project);
    assert.match(token, /^[A-Z0-9]{64}$/);
    assert.equal(got.headers['x-pagure-signature'], createHmac('sha1', token).update(got.body).digest('hex'));
    assert.equal(got.headers['x-pagure-signature-256'], createHmac('sha256', token).update(got.body).digest('hex'));
    assert.equal(got.headers['x-pagure'], kit.t.url);
    assert.equal(got.headers['x-pagure-project'], 'signed');
    assert.equal(got.headers['x-pagure-topic'], 'issue.new');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(got.json).sort(), ['i', 'msg', 'msg_id', 'timestamp', 'topic']);
    assert.equal(got.json.i, 1);
    assert.match(got.json.msg_id, /^\d{4}-[0-9a-f-]{36}$/);
    assert.ok(Number.isInteger(got.json.timestamp) && Math.abs(got.json.timestamp - Date.now() / 1000) < 120);
    assert.equal(got.json.msg.pagure_instance, kit.t.url);
    assert.equal(got.json.msg.project_fullname, 'signed');
    assert.equal((got.json.msg.issue as { id: number }).id, id);
    assert.equal((got.json.msg.project as { fullname: string }).fullname, 'signed');
    assert.equal(got.json.msg.agent, 'alice');
    // The log shows it delivered at the first try, with the receiver's answer.
    const [logged] = (await kit.deliveries('alice', project)).filter((d) => d.topic === 'issue.new');
    assert.equal(logged?.status, 'delivered');
    assert.equal(logged?.attempt, 1);
    assert.equal(logged?.response_status, 200);
    assert.equal(logged?.response_excerpt, 'answered 200');
    assert.equal(logged?.msg_id, got.json.msg_id);
  });

  it('sends to every URL of the Web-hooks setting, one per line', async () => {
    const project = await kit.project('alice', 'two-urls', [receiver.url('/one'), receiver.url('/two')]);
    await kit.newIssue('alice', project, 'To both');
    const [one, two] = await eventually('both deliveries', () => {
      const a = receiver.on('/one').find((r) => r.json.topic === 'issue.new');
      const b = receiver.on('/two').find((r) => r.json.topic === 'issue.new');
      return a && b && [a, b];
    });
    assert.equal(one?.body, two?.body);
  });

  it('keeps trying while the receiver is down; once back, every delivery arrives, in order', async () => {
    const url = receiver.url('/flaky');
    const project = await kit.project('alice', 'flaky', [url]);
    // Setting the URL sent project.edit: let it through first, or it heads the queue while the receiver is down.
    await eventually('project.edit delivered', () => receiver.on('/flaky').some((r) => r.json.topic === 'project.edit'));
    await receiver.stop();
    const ids: number[] = [];
    for (const title of ['one', 'two', 'three']) ids.push(await kit.newIssue('alice', project, title));
    // Down: the head has failed twice, and nothing behind it went first.
    await eventually('two failed tries', async () => {
      const pending = (await kit.deliveries('alice', project)).filter((d) => d.topic === 'issue.new');
      return pending.length === 3 && pending.some((d) => d.attempt >= 2);
    });
    assert.ok((await kit.deliveries('alice', project)).filter((d) => d.topic === 'issue.new').every((d) => d.status === 'pending'));
    await receiver.start();
    const arrived = await eventually('three issues delivered', () => {
      const got = receiver.on('/flaky').filter((r) => r.json.topic === 'issue.new');
      return got.length >= 3 && got;
    });
    assert.deepEqual(
      arrived.map((r) => (r.json.msg.issue as { id: number }).id),
      ids,
    );
    const log = await eventually('the log to say delivered', async () => {
      const rows = (await kit.deliveries('alice', project)).filter((d) => d.topic === 'issue.new');
      return rows.every((d) => d.status === 'delivered') && rows;
    });
    assert.ok(
      log.some((d) => d.attempt >= 2),
      'the first one took several tries',
    );
  });

  it('does not retry a 4xx (it fails and the next one goes), but retries a 503', async () => {
    const project = await kit.project('alice', 'answers', [receiver.url('/answers')]);
    const tries = new Map<string, number>();
    receiver.answer = (r) => {
      if (r.json.topic !== 'issue.new') return 200;
      const title = (r.json.msg.issue as { title: string }).title;
      tries.set(title, (tries.get(title) ?? 0) + 1);
      if (title === 'gone') return 404;
      if (title === 'busy' && tries.get(title) === 1) return 503;
      return 200;
    };
    await kit.newIssue('alice', project, 'gone');
    await kit.newIssue('alice', project, 'busy');
    await kit.newIssue('alice', project, 'fine');
    const rows = await eventually('all three settled', async () => {
      const all = (await kit.deliveries('alice', project)).filter((d) => d.topic === 'issue.new');
      return all.length === 3 && all.every((d) => d.status !== 'pending') && all;
    });
    // Newest first.
    assert.deepEqual(
      rows.map((d) => [d.status, d.attempt, d.response_status]),
      [
        ['delivered', 1, 200],
        ['delivered', 2, 200],
        ['failed', 1, 404],
      ],
    );
    assert.deepEqual(Object.fromEntries(tries), { gone: 1, busy: 2, fine: 1 });
    assert.deepEqual(
      receiver
        .on('/answers')
        .filter((r) => r.json.topic === 'issue.new')
        .map((r) => (r.json.msg.issue as { title: string }).title),
      ['gone', 'busy', 'busy', 'fine'],
    );
  });

  it('does not follow a redirect: a 3xx fails the delivery', async () => {
    const project = await kit.project('alice', 'moved', [receiver.url('/moved')]);
    receiver.answer = (r) => (r.json.topic === 'issue.new' ? 302 : 200);
    await kit.newIssue('alice', project, 'Moved');
    const [row] = await eventually('the delivery failed', async () => {
      const rows = (await kit.deliveries('alice', project)).filter((d) => d.topic === 'issue.new' && d.status === 'failed');
      return rows.length === 1 && rows;
    });
    assert.deepEqual([row?.attempt, row?.response_status], [1, 302]);
    assert.equal(receiver.on('/moved').filter((r) => r.json.topic === 'issue.new').length, 1);
  });

  it('sends nothing about a private project', async () => {
    const secret = await kit.project('alice', 'secret', [receiver.url('/secret')], { private: true });
    const open = await kit.project('alice', 'open', [receiver.url('/open')]);
    await kit.newIssue('alice', secret, 'Hidden');
    await kit.newIssue('alice', open, 'Seen');
    // The open project's event comes after the secret one in the log: once it arrives, the other was skipped.
    await eventually('the open project delivery', () => receiver.on('/open').some((r) => r.json.topic === 'issue.new'));
    assert.deepEqual(receiver.on('/secret'), []);
    assert.deepEqual(await kit.deliveries('alice', secret), []);
  });
});

describeModes('webhooks: private projects allowed', (mode) => {
  let kit: Kit;
  let receiver: Receiver;
  before(async function () {
    this.timeout(180_000);
    receiver = await new Receiver().start();
    kit = await Kit.start(mode, { private_projects: true });
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
    await receiver?.stop();
  });

  it('sends about a private project when the admin sets private_projects', async () => {
    const secret = await kit.project('alice', 'secret', [receiver.url('/secret')], { private: true });
    await kit.newIssue('alice', secret, 'Hidden');
    const got = await eventually('the private delivery', () => receiver.on('/secret').find((r) => r.json.topic === 'issue.new'));
    assert.equal(got.json.msg.project_fullname, secret);
  });
});
