// "#N" references in comments and descriptions: what counts as one, and what each resolves
// to for a given reader.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { MAX_RESOLVED_REFERENCES, ticketMentions } from '../src/services/tickets/ticket-references.js';
import { Browser } from './support/page-client.js';
import { queriesOf as countQueries } from './support/query-count.js';

describe('ticket references in text', () => {
  const read = (text: string) => ticketMentions(text).map((m) => `${m.project ?? ''}#${m.id}`);

  it('reads #N, project#N, namespace/project#N and fork paths', () => {
    assert.deepEqual(read('See #3, pkg#4 and rpms/pkg#5; also fork/alice/pkg#6 and fork/alice/rpms/pkg#7.'), [
      '#3',
      'pkg#4',
      'rpms/pkg#5',
      'fork/alice/pkg#6',
      'fork/alice/rpms/pkg#7',
    ]);
    assert.deepEqual(read('#1 at the start\n(#2) in brackets'), ['#1', '#2']);
  });

  it('ignores URL fragments, HTML entities, headings-like ## and #0', () => {
    assert.deepEqual(read('https://example.org/page#3 https://example.org#4 &#39; ##4 #0 #abc'), []);
  });
});

describeModes('ticket references resolved for a reader', (mode) => {
  let t: TestForge;
  before(async function () {
    this.timeout(120_000);
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
    assert.deepEqual(
      await resolve('bob', text),
      ['#1=issue rpms/pkg#1 Open one', '#2=issue rpms/pkg#2 Private one', 'other#1=issue other#1 Elsewhere'],
      'bob wrote the private issue',
    );
    assert.deepEqual(await resolve('alice', text), [
      '#1=issue rpms/pkg#1 Open one',
      '#2=issue rpms/pkg#2 Private one',
      'other#1=issue other#1 Elsewhere',
      'alice/secret#1=issue alice/secret#1 Hidden project',
    ]);
    assert.deepEqual(await resolve('carol', 'nothing here'), []);
  });

  const queriesOf = (work: () => Promise<unknown>) => countQueries(t, work);

  /** 5,000 references to projects that do not exist, around `text`. */
  const crowded = (text: string) => `${text} ${Array.from({ length: 5000 }, (_, i) => `n${i}#1`).join(' ')} rpms/pkg#1`;

  it('resolves a text of 5,000 references in a few queries, only the first distinct ones, for each reader as before', async () => {
    let resolved: string[] = [];
    const queries = await queriesOf(async () => {
      resolved = await resolve('bob', crowded(text));
    });
    assert.ok(queries <= 5, `${queries} queries`);
    // rpms/pkg#1 comes after the cap: plain text; the references before it still resolve.
    assert.deepEqual(resolved, ['#1=issue rpms/pkg#1 Open one', '#2=issue rpms/pkg#2 Private one', 'other#1=issue other#1 Elsewhere']);
    assert.deepEqual(await resolve(null, crowded(text)), ['#1=issue rpms/pkg#1 Open one', 'other#1=issue other#1 Elsewhere']);
    assert.deepEqual(
      await resolve('carol', crowded(text)),
      ['#1=issue rpms/pkg#1 Open one', 'other#1=issue other#1 Elsewhere'],
      'nor a stranger the private issue',
    );
    assert.equal((await resolve('alice', crowded(text))).length, 4);
    const late = `${Array.from({ length: MAX_RESOLVED_REFERENCES }, (_, i) => `nope#${i + 1}`).join(' ')} other#1 #1`;
    assert.deepEqual(await resolve('alice', late), [], 'past the cap nothing resolves');
    assert.deepEqual(await resolve('alice', `#1 #1 #1 ${late}`), [
      '#1=issue rpms/pkg#1 Open one',
      '#1=issue rpms/pkg#1 Open one',
      '#1=issue rpms/pkg#1 Open one',
      '#1=issue rpms/pkg#1 Open one',
    ]);
  });

  it('serves an issue page whose comment makes 5,000 references in a bounded number of queries', async () => {
    const token = { Authorization: `token ${await t.createToken('alice', ['issue_create', 'issue_comment'])}` };
    const made = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/rpms/pkg/new_issue',
      { title: 'Crowded', issue_content: 'x' },
      token,
    );
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const id = made.body.issue.id;
    const commented = await t.api(
      'POST',
      `/api/0/rpms/pkg/issue/${id}/comment`,
      { comment: crowded('See other#1, #2 and alice/secret#1.') },
      token,
    );
    assert.equal(commented.status, 200, JSON.stringify(commented.body));
    const anonymous = new Browser(t);
    let page = { status: 0, html: '' };
    const queries = await queriesOf(async () => {
      page = await anonymous.get(`/rpms/pkg/issue/${id}`);
    });
    assert.equal(page.status, 200);
    assert.ok(queries <= 40, `${queries} queries`);
    assert.match(page.html, /href="[^"]*\/other\/issue\/1"/);
    assert.doesNotMatch(page.html, /\/rpms\/pkg\/issue\/2"/, 'the private issue stays hidden');
    assert.doesNotMatch(page.html, /\/alice\/secret\/issue\/1"/, 'and so does the private project');
  });

  it('resolves private issues for readers with ticket access, given directly or through a group, on the projects they hold it on', async () => {
    const s = t.forge.services;
    const owner = await s.access.viewer((await s.users.byName('alice'))!);
    const pkg = (await s.projectQueries.find({ name: 'pkg', namespace: 'rpms', forkOwner: null }))!;
    const other = (await s.projectQueries.find({ name: 'other', namespace: null, forkOwner: null }))!;
    const bob = { Authorization: `token ${await t.createToken('bob', ['issue_create'])}` };
    const made = await t.api('POST', '/api/0/other/new_issue', { title: 'Private elsewhere', issue_content: 'x', private: true }, bob);
    assert.equal(made.status, 200, JSON.stringify(made.body));
    for (const name of ['dave', 'erin', 'frank']) await t.createUser(name);
    // dave: ticket on rpms/pkg himself; erin: through her group; frank: through the group on
    // rpms/pkg and commit of his own on it, and ticket of his own on other.
    const triagers = await s.groups.create((await s.users.byName('erin'))!, { name: 'triagers' });
    await s.grants.change(owner, pkg, { kind: 'user', name: 'dave', level: 'ticket' });
    await s.grants.change(owner, pkg, { kind: 'group', name: 'triagers', level: 'ticket' });
    await s.grants.change(owner, pkg, { kind: 'user', name: 'frank', level: 'commit' });
    await s.grants.change(owner, other, { kind: 'user', name: 'frank', level: 'ticket' });
    await s.groups.addMember(null, triagers, 'frank');

    const both = 'See #2 and other#2';
    const inPkg = ['#2=issue rpms/pkg#2 Private one'];
    assert.deepEqual(await resolve('dave', both), inPkg, 'a direct grant on rpms/pkg only');
    assert.deepEqual(await resolve('erin', both), inPkg, 'a group grant on rpms/pkg only');
    assert.deepEqual(await resolve('frank', both), [...inPkg, 'other#2=issue other#2 Private elsewhere'], 'grants on both projects');
    assert.deepEqual(await resolve('carol', both), [], 'no grant: neither');
    assert.deepEqual(await resolve('alice', both), [...inPkg, 'other#2=issue other#2 Private elsewhere'], 'the owner of both');
  });
});
