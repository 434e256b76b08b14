// Every metadata change on an issue or a pull request leaves one notification comment, as
// Pagure's "**Metadata Update from @alice**:" notes; and dependencies that cannot be (on
// itself, on an issue that does not exist) are refused with a message saying why.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';

interface Comment {
  comment: string;
  notification: boolean;
  user: { name: string };
}
interface Ticket {
  comments: Comment[];
  tags: string[];
  depends: string[];
  blocks: string[];
}

describeModes('metadata notes', (mode) => {
  let t: TestForge;
  let alice: Record<string, string>;
  const notes = async (path: string) =>
    (await t.api<Ticket>('GET', path)).body.comments.filter((c) => c.notification).map((c) => c.comment);
  /** The notes written since `before` was read. */
  const newNotes = async (path: string, before: string[]) => (await notes(path)).slice(before.length);
  const edit = (id: number, extra: Record<string, unknown>) =>
    t.api<Ticket>('POST', `/api/0/rpms/pkg/issue/${id}`, { title: `Issue ${id}`, issue_content: 'x', ...extra }, alice);

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    await t.createUser('alice');
    await t.createUser('bob');
    const project = await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    const owner = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
    await t.forge.services.grants.change(owner, project, { kind: 'user', name: 'bob', level: 'commit' });
    const acls = [
      'modify_project',
      'issue_create',
      'issue_update',
      'issue_update_custom_fields',
      'pull_request_create',
      'pull_request_update',
      'pull_request_assign',
    ];
    alice = { Authorization: `token ${await t.createToken('alice', acls)}` };
    await t.api('POST', '/api/0/rpms/pkg/update/custom_keys', { custom_keys: ['reviewer'], custom_keys_type: ['text'] }, alice);
    for (const id of [1, 2, 3, 4])
      assert.equal((await t.api('POST', '/api/0/rpms/pkg/new_issue', { title: `Issue ${id}`, issue_content: 'x' }, alice)).status, 200);
    const pr = await t.api('POST', '/api/0/rpms/pkg/pull-request/new', { title: 'PR', branch_to: 'main', branch_from: 'main' }, alice);
    assert.equal(pr.status, 200, JSON.stringify(pr.body));
  });
  after(() => t?.close());

  it('notes tags added and removed on an issue, once per change', async () => {
    const path = '/api/0/rpms/pkg/issue/1';
    let before = await notes(path);
    assert.equal((await edit(1, { tag: 'bug,ui' })).status, 200);
    assert.deepEqual(await newNotes(path, before), ['**Metadata Update from @alice**:\n- Issue tagged with: bug, ui\n']);
    before = await notes(path);
    await edit(1, { tag: 'ui,docs' });
    assert.deepEqual(await newNotes(path, before), [
      '**Metadata Update from @alice**:\n- Issue tagged with: docs\n- Issue **un**tagged with: bug\n',
    ]);
    before = await notes(path);
    await edit(1, { tag: 'docs,ui' });
    assert.deepEqual(await newNotes(path, before), [], 'no change, no note');
  });

  it('notes dependencies marked and unmarked, both ways', async () => {
    const path = '/api/0/rpms/pkg/issue/2';
    let before = await notes(path);
    assert.equal((await edit(2, { depending: '3', blocking: '4' })).status, 200);
    assert.deepEqual(await newNotes(path, before), [
      '**Metadata Update from @alice**:\n- Issue marked as depending on: #3\n- Issue marked as blocking: #4\n',
    ]);
    before = await notes(path);
    await edit(2, { depending: '', blocking: '4' });
    assert.deepEqual(await newNotes(path, before), ['**Metadata Update from @alice**:\n- Issue **un**marked as depending on: #3\n']);
    before = await notes(path);
    await edit(2, { blocking: '' });
    assert.deepEqual(await newNotes(path, before), ['**Metadata Update from @alice**:\n- Issue **un**marked as blocking: #4\n']);
  });

  it('notes custom field changes', async () => {
    const path = '/api/0/rpms/pkg/issue/3';
    const before = await notes(path);
    assert.equal((await t.api('POST', `${path}/custom/reviewer`, { value: 'bob' }, alice)).status, 200);
    assert.deepEqual(await newNotes(path, before), ['**Metadata Update from @alice**:\n- Custom field reviewer adjusted to bob\n']);
  });

  it('refuses an issue depending on or blocking itself, or an issue that does not exist, writing nothing', async () => {
    const path = '/api/0/rpms/pkg/issue/4';
    const before = await t.api<Ticket>('GET', path);
    const self = await t.api<{ error_code: string; errors: unknown }>(
      'POST',
      path,
      { title: 'Issue 4', issue_content: 'x', tag: 'new', depending: '4' },
      alice,
    );
    assert.equal(self.status, 400);
    assert.equal(self.body.error_code, 'EINVALIDREQ');
    assert.deepEqual(self.body.errors, { depending: ['An issue cannot depend on itself'] });
    const blocks = await edit(4, { blocking: '1,4' });
    assert.deepEqual((blocks.body as unknown as { errors: unknown }).errors, { blocking: ['An issue cannot block itself'] });
    const unknown = await edit(4, { depending: '1,99' });
    assert.deepEqual((unknown.body as unknown as { errors: unknown }).errors, { depending: ['Issue #99 does not exist in this project'] });
    const several = await edit(4, { blocking: '98,99' });
    assert.deepEqual((several.body as unknown as { errors: unknown }).errors, {
      blocking: ['Issues #98, #99 do not exist in this project'],
    });
    assert.deepEqual((await t.api<Ticket>('GET', path)).body, before.body, 'nothing written');
  });

  it('notes tags and assignees on a pull request', async () => {
    const path = '/api/0/rpms/pkg/pull-request/5';
    let before = await notes(path);
    assert.equal((await t.api('POST', path, { title: 'PR', tag: 'blue,yellow' }, alice)).status, 200);
    assert.deepEqual(await newNotes(path, before), ['**Metadata Update from @alice**:\n- Pull-request tagged with: blue, yellow\n']);
    before = await notes(path);
    await t.api('POST', path, { title: 'PR', tag: 'blue' }, alice);
    assert.deepEqual(await newNotes(path, before), ['**Metadata Update from @alice**:\n- Pull-request **un**tagged with: yellow\n']);
    before = await notes(path);
    assert.equal((await t.api('POST', `${path}/assign`, { assignee: 'bob' }, alice)).status, 200);
    assert.deepEqual(await newNotes(path, before), ['**Metadata Update from @alice**:\n- Pull-request assigned to bob\n']);
    before = await notes(path);
    await t.api('POST', `${path}/assign`, { assignee: '' }, alice);
    assert.deepEqual(await newNotes(path, before), ['**Metadata Update from @alice**:\n- Pull-request assignee reset\n']);
  });
});
