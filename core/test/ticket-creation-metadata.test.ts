// Metadata given when opening an issue (tags, assignee, milestone, priority) is kept only for
// those the edit endpoints let change it: ticket access or more, or anyone when the project
// opens its metadata to all. Others get their issue, without it, as Pagure ignores it.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { Browser } from './support/page-client.js';

interface Issue {
  id: number;
  tags: string[];
  assignee: { name: string } | null;
  milestone: string | null;
  priority: number | null;
}

describeModes('metadata given when opening an issue', (mode) => {
  let t: TestForge;
  const token: Record<string, Record<string, string>> = {};
  const ACLS = ['issue_create', 'issue_update', 'issue_assign', 'issue_update_milestone', 'modify_project'];
  const metadata = { tag: 'newtag', assignee: 'owner', milestone: 'F41', priority: 'High' };

  const open = async (who: string, body: Record<string, unknown>) => {
    const res = await t.api<{ issue: Issue; message: string }>(
      'POST',
      '/api/0/pkg/new_issue',
      { title: `By ${who}`, issue_content: 'details', ...body },
      token[who],
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.message, 'Issue created');
    return res.body.issue;
  };
  const projectTags = async () => (await t.api<{ tags: string[] }>('GET', '/api/0/pkg/tags')).body.tags;
  const read = async (id: number) => (await t.api<Issue>('GET', `/api/0/pkg/issue/${id}`)).body;
  const metaOf = (issue: Issue) => ({
    tags: issue.tags,
    assignee: issue.assignee?.name ?? null,
    milestone: issue.milestone,
    priority: issue.priority,
  });
  const none = { tags: [], assignee: null, milestone: null, priority: null };
  const all = { tags: ['newtag'], assignee: 'owner', milestone: 'F41', priority: 1 };

  before(async () => {
    t = await createTestForge({ mode });
    for (const name of ['owner', 'triager', 'stranger']) await t.createUser(name);
    const project = await t.createProject('owner', 'pkg');
    const owner = await t.forge.services.access.viewer((await t.forge.services.users.byName('owner'))!);
    await t.forge.services.grants.change(owner, project, { kind: 'user', name: 'triager', level: 'ticket' });
    await t.forge.db
      .knex('projects')
      .where({ id: project.id })
      .update({
        priorities: JSON.stringify({ '': '', '1': 'High', '2': 'Normal' }),
        milestones: JSON.stringify([{ name: 'F41', date: null, active: true }]),
      });
    for (const name of ['owner', 'triager', 'stranger']) token[name] = { Authorization: `token ${await t.createToken(name, ACLS)}` };
  });
  after(() => t?.close());

  it('ignores the metadata a user without ticket access gives: no tags, assignee, milestone or priority, no new project tag', async () => {
    const issue = await open('stranger', metadata);
    assert.deepEqual(metaOf(issue), none);
    assert.deepEqual(metaOf(await read(issue.id)), none);
    assert.deepEqual(await projectTags(), [], 'no project tag was created');
    // Ignored means not checked either: a milestone the project lacks does not refuse the issue.
    assert.deepEqual(metaOf(await open('stranger', { milestone: 'F99', assignee: 'nobody-at-all' })), none);
  });

  it('keeps it for the owner and for a member with ticket access', async () => {
    assert.deepEqual(metaOf(await open('owner', metadata)), all);
    assert.deepEqual(await projectTags(), ['newtag']);
    assert.deepEqual(metaOf(await open('triager', { ...metadata, tag: 'triaged' })), { ...all, tags: ['triaged'] });
  });

  it('keeps it for anyone when the project opens its metadata to all', async () => {
    const set = await t.api('POST', '/api/0/pkg/options/update', { open_metadata_access_to_all: 'true' }, token.owner);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    try {
      assert.deepEqual(metaOf(await open('stranger', { ...metadata, tag: 'opened' })), { ...all, tags: ['opened'] });
    } finally {
      await t.api('POST', '/api/0/pkg/options/update', { open_metadata_access_to_all: 'false' }, token.owner);
    }
  });

  it('ignores it from the web form too', async () => {
    const stranger = new Browser(t);
    await stranger.logIn('stranger', 'stranger-password1');
    const made = await stranger.submit('/pkg/new_issue', {
      title: 'From the web',
      issue_content: 'details',
      tag: 'webtag',
      milestone: 'F41',
      priority: '1',
      assignee: 'owner',
    });
    assert.equal(made.status, 302, made.html);
    const id = Number(made.location!.split('/').pop());
    assert.deepEqual(metaOf(await read(id)), none);
    assert.ok(!(await projectTags()).includes('webtag'));
  });
});
