import assert from 'node:assert/strict';
import { describeModes, PageClient } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';
import { eventually, Receiver } from './support/receiver.js';

describeModes('webhooks: the settings page', (mode) => {
  let kit: Kit;
  let receiver: Receiver;
  let project: string;
  let page: string;

  before(async function () {
    this.timeout(180_000);
    receiver = await new Receiver().start();
    kit = await Kit.start(mode);
    project = await kit.project('alice', 'paged', [receiver.url('/paged')]);
    page = `/${project}/settings/webhooks`;
    await kit.t.createUser('bob');
    const res = await kit.call('alice', 'POST', `/api/0/${project}/git/modifyacls`, { user_type: 'user', name: 'bob', acl: 'commit' });
    assert.equal(res.status, 200);
    await kit.newIssue('alice', project, 'Logged');
    await eventually('the delivery', () => receiver.on('/paged').some((r) => r.json.topic === 'issue.new'));
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
    await receiver?.stop();
  });

  it('shows admins the URLs, the hook token and the delivery log', async () => {
    const alice = new PageClient(kit.t);
    await alice.logIn('alice');
    const res = await alice.get(page);
    assert.equal(res.status, 200);
    assert.ok(res.html.includes(`<code>${receiver.url('/paged')}</code>`));
    assert.ok(res.html.includes(`<code class="webhooks-token">${await kit.hookToken('alice', project)}</code>`));
    assert.match(res.html, /<td>issue\.new<\/td>[\s\S]*?<td>delivered<\/td>/);
    assert.match(res.html, /answered 200/);
  });

  it('is linked from the project settings page', async () => {
    const alice = new PageClient(kit.t);
    await alice.logIn('alice');
    const res = await alice.get(`/${project}/settings`);
    assert.equal(res.status, 200);
    assert.ok(res.html.includes(`<a href="${page}" data-settings-link="webhooks">Web-hooks: URLs, token and deliveries</a>`));
  });

  it('is for admins only', async () => {
    const bob = new PageClient(kit.t);
    await bob.logIn('bob');
    assert.equal((await bob.get(page)).status, 403);
    const anonymous = await new PageClient(kit.t).get(page);
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.location ?? '', /\/login/);
    // A committer's form post is refused and sends nothing.
    const before = receiver.requests.length;
    const { token } = await bob.getForm('/');
    assert.equal((await bob.post(`${page}/test`, { csrf_token: token })).status, 403);
    assert.equal(receiver.requests.length, before);
  });

  it('sends a test event, regenerates the token and redelivers, each from its button', async () => {
    const alice = new PageClient(kit.t);
    await alice.logIn('alice');
    const test = await alice.submit(`${page}/test`, {}, page);
    assert.equal(test.status, 302);
    assert.equal(test.location, `${page}?done=test`);
    assert.match((await alice.get(test.location)).html, /Test notification queued/);
    await eventually('the test event', () => receiver.on('/paged').some((r) => r.json.topic === 'Test.notification'));

    const old = await kit.hookToken('alice', project);
    const token = await alice.submit(`${page}/token`, {}, page);
    assert.equal(token.location, `${page}?done=token`);
    assert.notEqual(await kit.hookToken('alice', project), old);

    const [latest] = await kit.deliveries('alice', project);
    assert.ok(latest);
    const again = await alice.submit(`${page}/deliveries/${latest.id}/redeliver`, {}, page);
    assert.equal(again.location, `${page}?done=redeliver`);
    await eventually('the redelivery', () => receiver.on('/paged').filter((r) => r.json.msg_id === latest.msg_id).length === 2);
  });

  it('refuses a form without its token (CSRF)', async () => {
    const alice = new PageClient(kit.t);
    await alice.logIn('alice');
    const old = await kit.hookToken('alice', project);
    const res = await alice.post(`${page}/token`, {});
    assert.notEqual(res.status, 302);
    assert.equal(await kit.hookToken('alice', project), old);
  });
});
