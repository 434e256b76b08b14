import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describeModes } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';
import { eventually, Receiver } from './support/receiver.js';

describeModes('webhooks: API', (mode) => {
  let kit: Kit;
  let receiver: Receiver;
  let project: string;

  before(async function () {
    this.timeout(180_000);
    receiver = await new Receiver().start();
    kit = await Kit.start(mode);
    project = await kit.project('alice', 'hooked', [receiver.url('/api')]);
    await kit.t.createUser('bob');
    await kit.t.createUser('carol');
    // bob commits, carol has no access.
    const res = await kit.call('alice', 'POST', `/api/0/${project}/git/modifyacls`, { user_type: 'user', name: 'bob', acl: 'commit' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
    await receiver?.stop();
  });

  it('GET webhook/token: the hook token for committers, as Pagure answers it', async () => {
    const byOwner = await kit.call<{ webhook: { token: string } }>('alice', 'GET', `/api/0/${project}/webhook/token`);
    assert.equal(byOwner.status, 200);
    assert.deepEqual(Object.keys(byOwner.body), ['webhook']);
    const byCommitter = await kit.call<{ webhook: { token: string } }>('bob', 'GET', `/api/0/${project}/webhook/token`);
    assert.deepEqual(byCommitter.body, byOwner.body);
    const stranger = await kit.call('carol', 'GET', `/api/0/${project}/webhook/token`);
    assert.equal(stranger.status, 401);
    assert.equal(stranger.body.error_code, 'EMODIFYPROJECTNOTALLOWED');
    const anonymous = await kit.call(null, 'GET', `/api/0/${project}/webhook/token`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error_code, 'EINVALIDTOK');
    const missing = await kit.call('alice', 'GET', `/api/0/nosuch/webhook/token`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'ENOPROJECT');
  });

  it('POST webhook/token/new: admins get a new token, and the next delivery is signed with it', async () => {
    const before = await kit.hookToken('alice', project);
    const refused = await kit.call('bob', 'POST', `/api/0/${project}/webhook/token/new`);
    assert.equal(refused.status, 401);
    assert.equal(await kit.hookToken('alice', project), before, 'a refused call changes nothing');
    const res = await kit.call<{ webhook: { token: string } }>('alice', 'POST', `/api/0/${project}/webhook/token/new`);
    assert.equal(res.status, 200);
    const token = res.body.webhook.token;
    assert.notEqual(token, before);
    assert.equal(await kit.hookToken('bob', project), token);
    await kit.newIssue('alice', project, 'After the new token');
    const got = await eventually('the delivery', () =>
      receiver.on('/api').find((r) => (r.json.msg.issue as { title?: string } | undefined)?.title === 'After the new token'),
    );
    assert.equal(got.headers['x-pagure-signature-256'], createHmac('sha256', token).update(got.body).digest('hex'));
  });

  it('GET webhooks/deliveries: the log, newest first, paged as Pagure pages; admins only', async () => {
    for (const title of ['p1', 'p2', 'p3']) await kit.newIssue('alice', project, title);
    await eventually('p3 received', () =>
      receiver.on('/api').some((r) => (r.json.msg.issue as { title?: string } | undefined)?.title === 'p3'),
    );
    await eventually('the log settled', async () =>
      (await kit.deliveries('alice', project, '?per_page=100')).every((d) => d.status !== 'pending'),
    );
    const all = await kit.deliveries('alice', project, '?per_page=100');
    const res = await kit.call<{ deliveries: Array<{ id: number }>; total_deliveries: number; pagination: Record<string, unknown> }>(
      'alice',
      'GET',
      `/api/0/${project}/webhooks/deliveries?per_page=2&page=2`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.total_deliveries, all.length);
    assert.deepEqual(
      res.body.deliveries.map((d) => d.id),
      all.slice(2, 4).map((d) => d.id),
    );
    assert.equal(res.body.pagination.page, 2);
    assert.equal(res.body.pagination.per_page, 2);
    assert.equal(res.body.pagination.pages, Math.ceil(all.length / 2));
    const prev = new URL(String(res.body.pagination.prev));
    assert.equal(prev.pathname, `/api/0/${project}/webhooks/deliveries`);
    assert.deepEqual([prev.searchParams.get('page'), prev.searchParams.get('per_page')], ['1', '2']);
    const bad = await kit.call('alice', 'GET', `/api/0/${project}/webhooks/deliveries?per_page=500`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'EINVALIDPERPAGEVALUE');
    for (const user of ['bob', 'carol']) {
      const refused = await kit.call(user, 'GET', `/api/0/${project}/webhooks/deliveries`);
      assert.equal(refused.status, 401, user);
      assert.equal(refused.body.error_code, 'EMODIFYPROJECTNOTALLOWED');
    }
  });

  it('redeliver sends a delivery again (same message, same msg_id) as a new log entry', async () => {
    const [latest] = await kit.deliveries('alice', project);
    assert.ok(latest);
    const refused = await kit.call('bob', 'POST', `/api/0/${project}/webhooks/deliveries/${latest.id}/redeliver`);
    assert.equal(refused.status, 401);
    const missing = await kit.call('alice', 'POST', `/api/0/${project}/webhooks/deliveries/999999/redeliver`);
    assert.equal(missing.status, 404);
    const res = await kit.call<{ delivery: { id: number; redelivery_of: number; status: string } }>(
      'alice',
      'POST',
      `/api/0/${project}/webhooks/deliveries/${latest.id}/redeliver`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.delivery.redelivery_of, latest.id);
    const copies = await eventually('the message twice', () => {
      const same = receiver.on('/api').filter((r) => r.json.msg_id === latest.msg_id);
      return same.length === 2 && same;
    });
    assert.equal(copies[0]?.body, copies[1]?.body);
  });

  it("webhooks/test sends Pagure's Test.notification to every URL", async () => {
    const refused = await kit.call('bob', 'POST', `/api/0/${project}/webhooks/test`);
    assert.equal(refused.status, 401);
    const res = await kit.call('alice', 'POST', `/api/0/${project}/webhooks/test`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const got = await eventually('the test notification', () => receiver.on('/api').find((r) => r.json.topic === 'Test.notification'));
    assert.equal(got.headers['x-pagure-topic'], 'Test.notification');
    assert.equal(got.json.msg.content, 'Test message');
    assert.equal(got.json.msg.project_fullname, project);
    const bare = await kit.project('alice', 'no-hooks', []);
    const none = await kit.call('alice', 'POST', `/api/0/${bare}/webhooks/test`);
    assert.equal(none.status, 400);
    assert.equal(none.body.error_code, 'EINVALIDREQ');
  });
});
