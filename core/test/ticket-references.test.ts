// "#N" references in comments and descriptions: what counts as one, and what each resolves
// to for a given reader.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { ticketMentions } from '../src/services/tickets/ticket-references.js';

describe('ticket references in text', () => {
  const read = (text: string) => ticketMentions(text).map((m) => `${m.project ?? ''}#${m.id}`);

  it('reads #N, project#N, namespace/project#N and fork paths', () => {
    assert.deepEqual(read('See #3, pkg#4 and rpms/pkg#5; also fork/alice/pkg#6 and fork/alice/rpms/pkg#7.'), ['#3', 'pkg#4', 'rpms/pkg#5', 'fork/alice/pkg#6', 'fork/alice/rpms/pkg#7']);
    assert.deepEqual(read('#1 at the start\n(#2) in brackets'), ['#1', '#2']);
  });

  it('ignores URL fragments, HTML entities, headings-like ## and #0', () => {
    assert.deepEqual(read('https://example.org/page#3 https://example.org#4 &#39; ##4 #0 #abc'), []);
  });
});

describeModes('ticket references resolved for a reader', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    for (const name of ['alice', 'bob', 'carol']) await t.createUser(name);
    await t.createProject('alice', 'pkg', { namespace: 'rpms' });
    await t.createProject('alice', 'other');
    await t.createProject('alice', 'secret', { private: true });
    const token = { Authorization: `token ${await t.createToken('alice', ['issue_create'])}` };
    const bob = { Authorization: `token ${await t.createToken('bob', ['issue_create'])}` };
    await t.api('POST', '/api/0/rpms/pkg/new_issue', { title: 'Open one', issue_content: 'x' }, token);
    await t.api('POST', '/api/0/rpms/pkg/new_issue', { title: 'Private one', issue_content: 'x', private: true }, bob);
    await t.api('POST', '/api/0/other/new_issue', { title: 'Elsewhere', issue_content: 'x' }, token);
    await t.api('POST', '/api/0/alice/secret/new_issue', { title: 'Hidden project', issue_content: 'x' }, token);
  });
  after(() => t?.close());

  const resolve = async (reader: string | null, text: string) => {
    const s = t.forge.services;
    const viewer = await s.access.viewer(reader ? ((await s.users.byName(reader)) ?? null) : null);
    const project = (await s.projectQueries.find({ name: 'pkg', namespace: 'rpms', forkOwner: null }))!;
    return (await s.ticketReferences.resolve(viewer, project, text)).map((r) => `${r.text}=${r.kind} ${r.project}#${r.id} ${r.title}`);
  };
  const text = 'See #1, #2, #99, other#1 and alice/secret#1';

  it('resolves what the reader may see, and nothing else', async () => {
    assert.deepEqual(await resolve(null, text), ['#1=issue rpms/pkg#1 Open one', 'other#1=issue other#1 Elsewhere']);
    assert.deepEqual(await resolve('bob', text), ['#1=issue rpms/pkg#1 Open one', '#2=issue rpms/pkg#2 Private one', 'other#1=issue other#1 Elsewhere'], 'bob wrote the private issue');
    assert.deepEqual(await resolve('alice', text), [
      '#1=issue rpms/pkg#1 Open one',
      '#2=issue rpms/pkg#2 Private one',
      'other#1=issue other#1 Elsewhere',
      'alice/secret#1=issue alice/secret#1 Hidden project',
    ]);
    assert.deepEqual(await resolve('carol', 'nothing here'), []);
  });
});
