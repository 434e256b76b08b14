// Length limits on the text users store, through the API: each limited field, one over its
// limit, answers 400 EINVALIDREQ with Pagure's field error and writes nothing; at the
// limit it is taken.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';

interface Refusal {
  error_code: string;
  errors: Record<string, string[]>;
}

describeModes('input limits', (mode) => {
  let t: TestForge;
  let alice: Record<string, string>;
  const long = (n: number) => 'a'.repeat(n);
  const tooLong = (n: number) => `Field cannot be longer than ${n} characters.`;
  const get = async (path: string) => JSON.stringify((await t.api('GET', path)).body);
  const issue1 = () => get('/api/0/rpms/pkg/issue/1');
  const pr2 = () => get('/api/0/rpms/pkg/pull-request/2');
  const project = () => get('/api/0/rpms/pkg');
  const tags = () => get('/api/0/rpms/pkg/tags');

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    await t.createUser('alice');
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    const acls = [
      'create_project',
      'modify_project',
      'issue_create',
      'issue_update',
      'issue_comment',
      'pull_request_create',
      'pull_request_update',
      'pull_request_comment',
    ];
    alice = { Authorization: `token ${await t.createToken('alice', acls)}` };
    await t.api('POST', '/api/0/rpms/pkg/update/custom_keys', { custom_keys: ['notes'], custom_keys_type: ['text'] }, alice);
    assert.equal((await t.api('POST', '/api/0/rpms/pkg/new_issue', { title: 'One', issue_content: 'x', tag: 'bug' }, alice)).status, 200);
    const pr = await t.api('POST', '/api/0/rpms/pkg/pull-request/new', { title: 'Two', branch_to: 'main', branch_from: 'main' }, alice);
    assert.equal(pr.status, 200, JSON.stringify(pr.body));
  });
  after(() => t?.close());

  const cases: Array<{
    what: string;
    path: string;
    body: Record<string, unknown>;
    field: string;
    max: number;
    state: () => Promise<string>;
  }> = [
    {
      what: 'an issue title',
      path: '/api/0/rpms/pkg/new_issue',
      body: { title: long(256), issue_content: 'x' },
      field: 'title',
      max: 255,
      state: () => get('/api/0/rpms/pkg/issues?status=all'),
    },
    {
      what: 'an issue content',
      path: '/api/0/rpms/pkg/new_issue',
      body: { title: 'T', issue_content: long(65537) },
      field: 'issue_content',
      max: 65536,
      state: () => get('/api/0/rpms/pkg/issues?status=all'),
    },
    {
      what: 'a new issue tag',
      path: '/api/0/rpms/pkg/new_issue',
      body: { title: 'T', issue_content: 'x', tag: `ok,${long(256)}` },
      field: 'tag',
      max: 255,
      state: tags,
    },
    {
      what: 'an edited issue title, with tags',
      path: '/api/0/rpms/pkg/issue/1',
      body: { title: long(256), issue_content: 'x', tag: 'other' },
      field: 'title',
      max: 255,
      state: issue1,
    },
    {
      what: 'an issue tag',
      path: '/api/0/rpms/pkg/issue/1',
      body: { title: 'One', issue_content: 'x', tag: long(300) },
      field: 'tag',
      max: 255,
      state: issue1,
    },
    {
      what: 'an issue comment',
      path: '/api/0/rpms/pkg/issue/1/comment',
      body: { comment: long(65537) },
      field: 'comment',
      max: 65536,
      state: issue1,
    },
    {
      what: 'a custom field value',
      path: '/api/0/rpms/pkg/issue/1/custom/notes',
      body: { value: long(4097) },
      field: 'notes',
      max: 4096,
      state: issue1,
    },
    {
      what: 'a pull-request title',
      path: '/api/0/rpms/pkg/pull-request/new',
      body: { title: long(256), branch_to: 'main', branch_from: 'main' },
      field: 'title',
      max: 255,
      state: () => get('/api/0/rpms/pkg/pull-requests?status=all'),
    },
    {
      what: 'a pull-request description',
      path: '/api/0/rpms/pkg/pull-request/new',
      body: { title: 'T', branch_to: 'main', branch_from: 'main', initial_comment: long(65537) },
      field: 'initial_comment',
      max: 65536,
      state: () => get('/api/0/rpms/pkg/pull-requests?status=all'),
    },
    {
      what: 'an edited pull-request title, with tags',
      path: '/api/0/rpms/pkg/pull-request/2',
      body: { title: long(256), tag: 'other' },
      field: 'title',
      max: 255,
      state: pr2,
    },
    {
      what: 'a pull-request tag',
      path: '/api/0/rpms/pkg/pull-request/2',
      body: { title: 'Two', tag: long(256) },
      field: 'tag',
      max: 255,
      state: pr2,
    },
    {
      what: 'a pull-request comment',
      path: '/api/0/rpms/pkg/pull-request/2/comment',
      body: { comment: long(65537) },
      field: 'comment',
      max: 65536,
      state: pr2,
    },
    { what: 'a tag', path: '/api/0/rpms/pkg/tags/new', body: { tag: long(256), tag_color: 'red' }, field: 'tag', max: 255, state: tags },
    {
      what: 'a tag description',
      path: '/api/0/rpms/pkg/tags/new',
      body: { tag: 'fine', tag_color: 'red', tag_description: long(256) },
      field: 'tag_description',
      max: 255,
      state: tags,
    },
    {
      what: 'a tag colour',
      path: '/api/0/rpms/pkg/tags/new',
      body: { tag: 'fine', tag_color: long(26) },
      field: 'tag_color',
      max: 25,
      state: tags,
    },
    {
      what: 'a milestone',
      path: '/api/0/rpms/pkg/update/milestones',
      body: { milestones: ['F41', long(256)], milestone_dates: ['', ''] },
      field: 'milestones',
      max: 255,
      state: project,
    },
    {
      what: 'a close status',
      path: '/api/0/rpms/pkg/update/close_status',
      body: { close_status: ['Fixed', long(256)] },
      field: 'close_status',
      max: 255,
      state: project,
    },
    {
      what: 'a priority title',
      path: '/api/0/rpms/pkg/update/priorities',
      body: { priority_weigth: ['1'], priority_title: [long(256)] },
      field: 'priority_title',
      max: 255,
      state: project,
    },
    {
      what: 'a custom field name',
      path: '/api/0/rpms/pkg/update/custom_keys',
      body: { custom_keys: [long(256)], custom_keys_type: ['text'] },
      field: 'custom_keys',
      max: 255,
      state: project,
    },
    {
      what: 'a project name',
      path: '/api/0/new',
      body: { name: long(256), description: 'd' },
      field: 'name',
      max: 255,
      state: () => get('/api/0/projects'),
    },
    {
      what: 'a project description',
      path: '/api/0/new',
      body: { name: 'described', description: long(4097) },
      field: 'description',
      max: 4096,
      state: () => get('/api/0/projects'),
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.what} over ${c.max} characters, writing nothing`, async () => {
      const before = await c.state();
      const res = await t.api<Refusal>('POST', c.path, c.body, alice);
      assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.error_code, 'EINVALIDREQ');
      assert.deepEqual(res.body.errors[c.field], [tooLong(c.max)], JSON.stringify(res.body.errors).slice(0, 300));
      assert.equal(await c.state(), before);
    });
  }

  it('counts characters, not bytes or UTF-16 units, and takes a title at the limit', async () => {
    const title = '𝔸'.repeat(255);
    const res = await t.api<{ issue: { title: string } }>('POST', '/api/0/rpms/pkg/new_issue', { title, issue_content: 'x' }, alice);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.issue.title, title);
    const over = await t.api<Refusal>('POST', '/api/0/rpms/pkg/new_issue', { title: `${title}a`, issue_content: 'x' }, alice);
    assert.deepEqual(over.body.errors, { title: [tooLong(255)] });
  });
});
