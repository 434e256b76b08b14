// Every core topic a packager's day produces, through the real RabbitMQ: each message has
// fedora-messaging's properties and headers, its schema named for its topic, the agent among
// its users, and the rpm header of its package.
import assert from 'node:assert/strict';
import { cloneUrl, createTestForge, describeModes, eventually, gitOk, pushTo, tempDir, type TestForge } from '@pagurus/core/testing';
import { Consumer } from './support/broker.js';

const TOPICS = [
  'project.new',
  'project.edit',
  'project.user.added',
  'project.user.access.updated',
  'project.user.removed',
  'project.group.added',
  'project.group.removed',
  'issue.new',
  'issue.comment.added',
  'issue.assigned.added',
  'git.receive',
  'git.branch.creation',
  'git.tag.creation',
  'pull-request.new',
  'pull-request.comment.added',
  'pull-request.flag.added',
  'commit.flag.added',
  'project.group.access.updated',
  'issue.edit',
  'issue.tag.added',
  'issue.tag.removed',
  'issue.assigned.reset',
  'issue.comment.edited',
  'issue.dependency.added',
  'issue.dependency.removed',
  'issue.drop',
  'pull-request.assigned.added',
  'pull-request.assigned.reset',
  'pull-request.tag.added',
  'pull-request.tag.removed',
  'pull-request.comment.edited',
  'pull-request.flag.updated',
  'commit.flag.updated',
  'pull-request.updated',
  'pull-request.rebased',
  'pull-request.closed',
  'pull-request.reopened',
  'git.branch.deletion',
  'git.tag.deletion',
  'project.forked',
  'project.deleted',
];
/** A fork is not the package: its messages carry no rpm header. */
const OF_THE_FORK = new Set(['project.forked', 'project.deleted']);

describeModes('msgbus: each core topic, as fedora-messaging sends it', (mode) => {
  let t: TestForge;
  let consumer: Consumer;

  before(async function () {
    this.timeout(180_000);
    consumer = await Consumer.start();
    t = await createTestForge({
      mode,
      config: { namespaces: ['rpms'] },
      plugins: [
        {
          name: '@pagurus/plugin-msgbus',
          options: {
            amqp: { url: 'amqp://guest:guest@127.0.0.1:5672/', exchange: consumer.exchange, topic_prefix: 'org.fedoraproject.test' },
          },
        },
      ],
    });
  });
  after(async function () {
    this.timeout(60_000);
    await t?.close();
    await consumer?.close();
  });

  it('sends every topic with its properties and headers', async function () {
    this.timeout(180_000);
    for (const name of ['alice', 'bob']) await t.createUser(name);
    const alice = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    const ok = async (method: string, path: string, body?: Record<string, unknown>) => {
      const res = await t.api<Record<string, unknown>>(method, path, body, alice);
      assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    await t.createProject('alice', 'vim', { namespace: 'rpms', readme: true });
    const group = await t.forge.services.groups.create((await t.forge.services.users.byName('alice'))!, { name: 'editors' });
    await ok('POST', '/api/0/rpms/vim/options/update', { issue_tracker: true, pull_requests: true });
    await ok('POST', '/api/0/rpms/vim/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'ticket' });
    await ok('POST', '/api/0/rpms/vim/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'commit' });
    await ok('POST', '/api/0/rpms/vim/git/modifyacls', { user_type: 'user', name: 'bob' });
    await ok('POST', '/api/0/rpms/vim/git/modifyacls', { user_type: 'group', name: group.name, acl: 'commit' });
    await ok('POST', '/api/0/rpms/vim/git/modifyacls', { user_type: 'group', name: group.name });
    await ok('PATCH', '/api/0/rpms/vim', { main_admin: 'bob', retain_access: true });
    await ok('POST', '/api/0/rpms/vim/new_issue', { title: 'Crash', issue_content: 'It crashes' });
    await ok('POST', '/api/0/rpms/vim/issue/1/comment', { comment: 'Looking' });
    await ok('POST', '/api/0/rpms/vim/issue/1/assign', { assignee: 'alice' });
    const pushed = await pushTo(t, 'rpms/vim', { user: 'alice', files: { 'vim.spec': 'Name: vim\n' }, branch: 'feature' });
    assert.equal(pushed.code, 0, pushed.stderr);
    await ok('POST', '/api/0/rpms/vim/git/tags', { tagname: 'v1', commit_hash: pushed.commit, message: 'One' });
    const pr = await ok('POST', '/api/0/rpms/vim/pull-request/new', { title: 'Feature', branch_to: 'main', branch_from: 'feature' });
    await ok('POST', `/api/0/rpms/vim/pull-request/${String(pr.id)}/comment`, { comment: 'Nice' });
    const flag = { username: 'CI', status: 'success', comment: 'Green', url: 'https://ci.example.org/1' };
    await ok('POST', `/api/0/rpms/vim/pull-request/${String(pr.id)}/flag`, { ...flag, uid: 'pr-flag' });
    await ok('POST', `/api/0/rpms/vim/c/${pushed.commit}/flag`, { ...flag, uid: 'commit-flag' });
    const main = await pushTo(t, 'rpms/vim', { user: 'alice', files: { 'README.md': 'Vim\n' } });
    assert.equal(main.code, 0, main.stderr);

    // The rest of a ticket's life.
    await ok('POST', '/api/0/rpms/vim/git/modifyacls', { user_type: 'group', name: group.name, acl: 'commit' });
    await ok('POST', '/api/0/rpms/vim/git/modifyacls', { user_type: 'group', name: group.name, acl: 'admin' });
    await ok('POST', '/api/0/rpms/vim/issue/1', { title: 'Crash', issue_content: 'It crashes', tag: 'crash' });
    await ok('POST', '/api/0/rpms/vim/issue/1', { title: 'Crash', issue_content: 'It crashes', tag: '' });
    await ok('POST', '/api/0/rpms/vim/issue/1/assign', { assignee: '' });
    const issue = (await ok('GET', '/api/0/rpms/vim/issue/1')) as { comments: Array<{ id: number }> };
    await ok('POST', `/api/0/rpms/vim/issue/1/comment/${issue.comments[0]!.id}`, { comment: 'Looking closer' });
    await ok('POST', '/api/0/rpms/vim/issue/1/status', { status: 'Closed' });
    const also = (await ok('POST', '/api/0/rpms/vim/new_issue', { title: 'Also', issue_content: 'Same' })) as { issue: { id: number } };
    await ok('POST', `/api/0/rpms/vim/issue/${also.issue.id}`, { title: 'Also', issue_content: 'Same', depending: '1' });
    await ok('POST', `/api/0/rpms/vim/issue/${also.issue.id}`, { title: 'Also', issue_content: 'Same', depending: '' });
    await ok('DELETE', `/api/0/rpms/vim/issue/${also.issue.id}`);
    // ... and of a pull request's.
    const pull = `/api/0/rpms/vim/pull-request/${String(pr.id)}`;
    await ok('POST', `${pull}/assign`, { assignee: 'alice' });
    await ok('POST', `${pull}/assign`, { assignee: '' });
    await ok('POST', pull, { title: 'Feature', tag: 'ready' });
    await ok('POST', pull, { title: 'Feature', tag: '' });
    await ok('POST', `${pull}/flag`, { ...flag, status: 'failure', uid: 'pr-flag' });
    await ok('POST', `/api/0/rpms/vim/c/${pushed.commit}/flag`, { ...flag, uid: 'commit-flag', status: 'failure' });
    const mine = (await ok('GET', pull)) as { comments: Array<{ id: number }> };
    await ok('POST', `${pull}/comment/${mine.comments[0]!.id}`, { comment: 'Nicer' });
    const more = await pushTo(t, 'rpms/vim', { user: 'alice', files: { 'vim.spec': 'Name: vim\nVersion: 9\n' }, branch: 'feature' });
    assert.equal(more.code, 0, more.stderr);
    await eventually(async () => ((await ok('GET', pull)).commit_stop === more.commit ? true : undefined), 'the refresh of the push');
    await ok('POST', `${pull}/rebase`);
    await ok('POST', `${pull}/close`);
    await ok('POST', `${pull}/reopen`);
    const dir = await tempDir();
    await gitOk(dir, 'clone', '-q', cloneUrl(t.url, 'rpms/vim', { user: 'alice', secret: 'alice-password1' }), 'vim');
    await gitOk(`${dir}/vim`, 'push', '-q', 'origin', '--delete', 'v1');
    await ok('POST', '/api/0/rpms/vim/git/branch', { branch: 'scratch', from_branch: 'main' });
    await gitOk(`${dir}/vim`, 'push', '-q', 'origin', '--delete', 'scratch');
    // A fork, made and deleted.
    const bob = { Authorization: `token ${await t.createToken('bob', 'all')}` };
    assert.equal((await t.api('POST', '/api/0/fork', { repo: 'vim', namespace: 'rpms' }, bob)).status, 200);
    assert.equal((await t.api('POST', '/api/0/fork/bob/rpms/vim/delete', {}, bob)).status, 200);

    const seen = await eventually(
      () => {
        const topics = new Set(consumer.messages.map((m) => m.fields.routingKey.replace('org.fedoraproject.test.pagure.', '')));
        return TOPICS.every((topic) => topics.has(topic)) ? topics : undefined;
      },
      'every topic',
      60_000,
    ).catch(() => new Set(consumer.messages.map((m) => m.fields.routingKey.replace('org.fedoraproject.test.pagure.', ''))));
    assert.deepEqual(
      TOPICS.filter((topic) => !seen.has(topic)),
      [],
      `topics that did not arrive (seen: ${[...seen].join(', ')})`,
    );
    for (const message of consumer.messages) {
      const topic = message.fields.routingKey.replace('org.fedoraproject.test.pagure.', '');
      const p = message.properties;
      const headers = p.headers as Record<string, unknown>;
      const body = consumer.body(message);
      const where = `${topic}: ${JSON.stringify(headers)}`;
      assert.deepEqual([p.contentType, p.contentEncoding, p.deliveryMode], ['application/json', 'utf-8', 2], where);
      assert.match(String(p.messageId), /^[0-9a-f-]{36}$/, where);
      assert.equal(headers.fedora_messaging_schema, `pagure.${topic}`, where);
      assert.equal(headers.fedora_messaging_severity, 20, where);
      assert.equal(headers.priority, 0, where);
      assert.match(String(headers['sent-at']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/, where);
      assert.equal(typeof body.agent, 'string', where);
      assert.equal(headers[`fedora_messaging_user_${String(body.agent)}`], true, `${where}: the agent is among its users`);
      assert.equal(headers.fedora_messaging_rpm_vim, OF_THE_FORK.has(topic) ? undefined : true, `${where}: the package`);
    }
  });
});
