// A project's issue and pull-request tags, and its tracker settings (priorities,
// milestones, close statuses), as the API and the project JSON show them.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';

describeModes('tags and tracker settings', (mode) => {
  let t: TestForge;
  let admin: Record<string, string>;
  let other: Record<string, string>;

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    await t.createUser('alice');
    await t.createUser('bob');
    await t.createProject('alice', 'pkg', { namespace: 'rpms' });
    await t.createProject('alice', 'hidden', { private: true });
    admin = { Authorization: `token ${await t.createToken('alice', ['modify_project', 'issue_create'])}` };
    other = { Authorization: `token ${await t.createToken('bob', ['modify_project'])}` };
  });
  after(() => t?.close());

  it('creates, reads, lists and deletes tags, as Pagure answers', async () => {
    const created = await t.api(
      'POST',
      '/api/0/rpms/pkg/tags/new',
      { tag: 'bug', tag_color: 'DeepSkyBlue', tag_description: 'Something is broken' },
      admin,
    );
    assert.deepEqual(created.body, {
      tag: { tag: 'bug', tag_description: 'Something is broken', tag_color: 'DeepSkyBlue' },
      message: 'Tag created',
    });
    await t.api('POST', '/api/0/rpms/pkg/tags/new', { tag: 'backport', tag_color: 'red' }, admin);
    await t.api('POST', '/api/0/rpms/pkg/tags/new', { tag: 'docs', tag_color: 'green' }, admin);
    assert.deepEqual((await t.api('GET', '/api/0/rpms/pkg/tags')).body, { total_tags: 3, tags: ['backport', 'bug', 'docs'] });
    assert.deepEqual((await t.api('GET', '/api/0/rpms/pkg/tags/?pattern=b')).body, { total_tags: 2, tags: ['backport', 'bug'] });
    assert.deepEqual((await t.api('GET', '/api/0/rpms/pkg/tag/bug')).body, {
      tag: 'bug',
      tag_color: 'DeepSkyBlue',
      tag_description: 'Something is broken',
    });
    assert.equal((await t.api<{ error_code: string }>('GET', '/api/0/rpms/pkg/tag/nope')).body.error_code, 'ENOTAG');
    const invalid = await t.api<{ error_code: string; errors: unknown }>(
      'POST',
      '/api/0/rpms/pkg/tags/new',
      { tag: '-bad', tag_color: '' },
      admin,
    );
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body.errors, { tag: ['Invalid input.'], tag_color: ['This field is required.'] });
    assert.equal((await t.api('POST', '/api/0/rpms/pkg/tags/new', { tag: 'bug', tag_color: 'red' }, admin)).status, 400, 'a duplicate');
    assert.equal(
      (await t.api<{ error_code: string }>('POST', '/api/0/rpms/pkg/tags/new', { tag: 'x1', tag_color: 'red' }, other)).body.error_code,
      'EMODIFYPROJECTNOTALLOWED',
    );
    // A tag in use disappears from its issues with it.
    const tagged = (
      await t.api<{ issue: { id: number; tags: string[] } }>(
        'POST',
        '/api/0/rpms/pkg/new_issue',
        { title: 'T', issue_content: 'c', tag: 'docs' },
        admin,
      )
    ).body.issue;
    assert.deepEqual(tagged.tags, ['docs']);
    assert.deepEqual((await t.api('DELETE', '/api/0/rpms/pkg/tag/docs', undefined, admin)).body, { message: 'Tag: docs has been deleted' });
    assert.deepEqual((await t.api<{ tags: string[] }>('GET', `/api/0/rpms/pkg/issue/${tagged.id}`)).body.tags, []);
    assert.equal((await t.api('GET', '/api/0/hidden/tags')).status, 404, 'a private project stays hidden');
  });

  it('sets priorities, milestones and close statuses, shown in the project JSON', async () => {
    const priorities = await t.api(
      'POST',
      '/api/0/rpms/pkg/update/priorities',
      { priority_weigth: ['1', '2'], priority_title: ['High', 'Low'] },
      admin,
    );
    assert.deepEqual(priorities.body, { message: 'Priorities updated', priorities: { '1': 'High', '2': 'Low', '': '' } });
    assert.equal(
      (await t.api('POST', '/api/0/rpms/pkg/update/priorities', { priority_weigth: ['x'], priority_title: ['High'] }, admin)).status,
      400,
    );
    await t.api(
      'POST',
      '/api/0/rpms/pkg/update/milestones',
      { milestones: ['F41', 'F42'], milestone_dates: ['2024-10-29', ''], active_milestone: ['F42'] },
      admin,
    );
    await t.api('POST', '/api/0/rpms/pkg/update/close_status', { close_status: ['Fixed', 'Duplicate'] }, admin);
    assert.equal((await t.api('POST', '/api/0/rpms/pkg/update/close_status', { close_status: ['x'] }, other)).status, 401);
    const project = (await t.api<Record<string, unknown>>('GET', '/api/0/rpms/pkg')).body;
    assert.deepEqual(project.priorities, { '1': 'High', '2': 'Low', '': '' });
    assert.deepEqual(project.milestones, { F41: { date: '2024-10-29', active: false }, F42: { date: null, active: true } });
    assert.deepEqual(project.close_status, ['Fixed', 'Duplicate']);
    const issue = await t.api<{ issue: { priority: number; milestone: string } }>(
      'POST',
      '/api/0/rpms/pkg/new_issue',
      { title: 'P', issue_content: 'c', priority: 'Low', milestone: 'F42' },
      admin,
    );
    assert.deepEqual([issue.body.issue.priority, issue.body.issue.milestone], [2, 'F42']);
  });
});
