// The pull-request page over plain HTTP (no scripts): comments on new and removed lines, with
// the form opened under the line; the merge status in words; who merged and when; the
// assignee and tags set from the sidebar by those who may.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { tempDir } from './support/git-client.js';
import { Browser, fieldError, mainOf } from './support/page-client.js';
import { pushLinesBranch, type LinesBranch } from './support/pull-request-fixture.js';

/** The hidden fields and label of the "+" link on the row `rowId`, as the page writes them. */
function plusOf(html: string, rowId: string): { href: string; filename: string; row: string; commit: string; label: string } | undefined {
  const row = html.match(new RegExp(`<tr class="[a-z]+" id="${rowId}">([\\s\\S]*?)</tr>`))?.[1] ?? '';
  const m = row.match(
    /<a class="line-comment" href="([^"]*)" data-filename="([^"]*)" data-row="([^"]*)" data-commit="([^"]*)" data-row-id="[^"]*" data-label="([^"]*)"/,
  );
  return m
    ? { href: m[1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'), filename: m[2]!, row: m[3]!, commit: m[4]!, label: m[5]! }
    : undefined;
}

/** What follows the row `rowId` up to the next diff line: its comments and any open form. */
function afterRow(html: string, rowId: string): string {
  return html.match(new RegExp(`id="${rowId}">[\\s\\S]*?</tr>([\\s\\S]*?)(?=<tr class="(?:add|del|ctx)"|</tbody>)`))?.[1] ?? '';
}

function hidden(html: string, name: string): string | undefined {
  return html.match(new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`))?.[1];
}

describeModes('the pull-request page', (mode) => {
  let t: TestForge;
  let alice: Browser;
  let bob: Browser;
  let lines: LinesBranch;
  let path = '';

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode });
    for (const name of ['alice', 'bob']) await t.createUser(name);
    alice = new Browser(t);
    await alice.logIn('alice', 'alice-password1');
    bob = new Browser(t);
    await bob.logIn('bob', 'bob-password1');
    ({ lines, path } = await openTidy('lines'));
  });
  after(() => t?.close());

  /** Makes project `name` with main and tidy (support/pull-request-fixture.ts) and a pull request from tidy, its status known. */
  async function openTidy(name: string): Promise<{ lines: LinesBranch; path: string }> {
    await t.createProject('alice', name, { readme: true });
    const pushed = await pushLinesBranch(t.url, await tempDir(), name, { user: 'alice', secret: 'alice-password1' });
    const made = await alice.submit(`/${name}/diff/main..tidy`, { title: 'Tidy', initial_comment: '' }, `/${name}/diff/main..tidy`);
    assert.equal(made.status, 302, made.html);
    await knownMergeStatus(made.location!);
    return { lines: pushed, path: made.location! };
  }

  /** The page once the refresh job has computed the merge status. */
  async function knownMergeStatus(url = path): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const page = await alice.get(url);
      if (!page.html.includes('data-merge-pending')) return page.html;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail('the merge status is never computed');
  }

  const prJson = async () =>
    (
      await t.api<{
        tags: string[];
        assignee: { name: string } | null;
        comments: Array<{ comment: string; filename: string | null; line: number | null; commit: string | null }>;
      }>('GET', `/api/0${path}`)
    ).body;

  it('offers a "+" on removed lines as on added ones; without scripts it opens the form under that line', async () => {
    const page = await bob.get(path);
    const removed = plusOf(page.html, 'file-1-L2');
    assert.deepEqual(removed && { ...removed, href: undefined }, {
      href: undefined,
      filename: 'notes.txt',
      row: '2',
      commit: lines.base,
      label: 'removed line 2 of notes.txt',
    });
    const added = plusOf(page.html, 'file-1-R3');
    assert.deepEqual(added && { ...added, href: undefined }, {
      href: undefined,
      filename: 'notes.txt',
      row: '3',
      commit: lines.head,
      label: 'line 3 of notes.txt',
    });

    assert.equal(removed!.href, '?comment_on=file-1-L2#inline-comment-form');
    const open = await bob.get(`${path}${removed!.href.replace(/#.*/, '')}`);
    assert.equal(open.status, 200);
    const under = afterRow(open.html, 'file-1-L2');
    assert.match(under, /<tr class="inline-form-row">/);
    assert.equal(hidden(under, 'filename'), 'notes.txt');
    assert.equal(hidden(under, 'row'), '2');
    assert.equal(hidden(under, 'commit'), lines.base);
    assert.match(under, /Comment on <span class="inline-target">removed line 2 of notes.txt<\/span>/);
    // Only one form carries a line: the one at the bottom is for the discussion.
    assert.equal(open.html.match(/name="filename"/g)?.length, 1);
    assert.doesNotMatch(afterRow(open.html, 'file-1-R3'), /inline-form-row/);
    // Merged or closed pull requests take no new line comments; the anonymous get no "+".
    assert.equal(plusOf((await new Browser(t).get(path)).html, 'file-1-L2'), undefined);
  });

  it('keeps a comment on a removed line on the old side, under its line and in the discussion', async () => {
    const before = await bob.get(path);
    assert.match(mainOf(before.html), /No comments yet/);
    const removed = plusOf(before.html, 'file-1-L2')!;
    const empty = await bob.submit(
      `${path}/comment`,
      { filename: removed.filename, row: removed.row, commit: removed.commit, comment_on: 'file-1-L2', comment: ' ' },
      path,
    );
    assert.equal(empty.status, 400);
    // The refusal shows in the form under the line, which stays open.
    assert.match(afterRow(empty.html, 'file-1-L2'), /id="inline-comment-error">This field is required/);
    assert.equal((await prJson()).comments.length, 0);

    const posted = await bob.submit(
      `${path}/comment`,
      { filename: removed.filename, row: removed.row, commit: removed.commit, comment: 'Why drop *two*?' },
      path,
    );
    assert.equal(posted.status, 302);
    assert.equal(posted.location, `${path}#changes`);
    const added = plusOf(before.html, 'file-1-R3')!;
    assert.equal(
      (await bob.submit(`${path}/comment`, { filename: added.filename, row: added.row, commit: added.commit, comment: 'Nice four' }, path))
        .status,
      302,
    );

    const json = await prJson();
    assert.deepEqual(
      json.comments.map((c) => ({ comment: c.comment, filename: c.filename, line: c.line, commit: c.commit })),
      [
        { comment: 'Why drop *two*?', filename: 'notes.txt', line: 2, commit: lines.base },
        { comment: 'Nice four', filename: 'notes.txt', line: 3, commit: lines.head },
      ],
    );
    const page = await alice.get(path);
    assert.match(afterRow(page.html, 'file-1-L2'), /<tr class="inline-comment">[\s\S]*Why drop <em>two<\/em>\?/);
    assert.doesNotMatch(afterRow(page.html, 'file-1-R2'), /inline-comment/, 'not on the new line 2');
    assert.match(afterRow(page.html, 'file-1-R3'), /Nice four/);
    const discussion = page.html.slice(page.html.indexOf('<h2 id="comments">'));
    assert.doesNotMatch(discussion, /No comments yet/);
    assert.match(discussion, /on <a href="#file-1-L2">removed line 2 of notes.txt<\/a>/);
    assert.match(discussion, /on <a href="#file-1-R3">line 3 of notes.txt<\/a>/);
    // A forged commit is not taken as the old side: the comment lands on the new side.
    assert.equal(
      (await bob.submit(`${path}/comment`, { filename: 'notes.txt', row: '1', commit: 'f'.repeat(40), comment: 'Forged' }, path)).status,
      302,
    );
    assert.equal((await prJson()).comments.at(-1)!.commit, lines.head);
  });

  it('says the merge status in words, and that it is being computed until it is', async () => {
    const html = await knownMergeStatus();
    assert.match(html, /<dd id="merge-status">Can be fast-forwarded<\/dd>/);
    assert.doesNotMatch(mainOf(html), /FFORWARD/);
    await t.forge.db.knex('pull_requests').update({ merge_status: 'CONFLICTS' });
    assert.match((await alice.get(path)).html, /<dd id="merge-status">Has conflicts, cannot be merged automatically<\/dd>/);
    await t.forge.db.knex('pull_requests').update({ merge_status: null });
    const pending = await alice.get(path);
    assert.match(pending.html, /<dd id="merge-status" data-merge-pending>Being computed…<\/dd>/);
    assert.match(pending.html, /id="merge-box"[^>]*data-merge-pending/);
    await t.forge.db.knex('pull_requests').update({ merge_status: 'FFORWARD' });
  });

  it("lets owners set the assignee and tags from the sidebar, offering the project's tags; others get no form", async () => {
    const page = await alice.get(path);
    assert.match(page.html, new RegExp(`<form method="post" action="${path}/update"`));
    assert.match(page.html, /<p class="empty">The project has no tags yet.<\/p>/);
    const set = await alice.submit(`${path}/update`, { assignee: 'bob', tags_shown: '1', new_tags: 'ui, bug' }, path);
    assert.equal(set.status, 302);
    assert.equal(set.location, `${path}#metadata`);
    let json = await prJson();
    assert.equal(json.assignee?.name, 'bob');
    assert.deepEqual([...json.tags].sort(), ['bug', 'ui']);
    const shown = (await alice.get(path)).html;
    assert.match(shown, /<input id="assignee" name="assignee" type="text" value="bob"/);
    assert.match(shown, /<input type="checkbox" id="tag-0" name="tag" value="bug" checked>/);
    assert.match(shown, /<input type="checkbox" id="tag-1" name="tag" value="ui" checked>/);

    // Unchecking keeps the project's tag on offer.
    assert.equal(
      (await alice.submit(`${path}/update`, { assignee: 'bob', tags_shown: '1', tag: ['bug'], new_tags: '' }, path)).status,
      302,
    );
    assert.deepEqual((await prJson()).tags, ['bug']);
    assert.match((await alice.get(path)).html, /<input type="checkbox" id="tag-1" name="tag" value="ui">/);

    // An unknown assignee: the error by its field, and nothing written (not the tags either).
    const unknown = await alice.submit(
      `${path}/update`,
      { assignee: 'nobody-here', tags_shown: '1', tag: ['bug', 'ui'], new_tags: '' },
      path,
    );
    assert.equal(unknown.status, 400);
    assert.equal(fieldError(unknown.html, 'assignee'), 'No user is called nobody-here');
    json = await prJson();
    assert.deepEqual(json.tags, ['bug']);
    assert.equal(json.assignee?.name, 'bob');

    // Bob neither commits nor wrote the pull request: no form, and a forged post is refused.
    const bobs = await bob.get(path);
    assert.doesNotMatch(bobs.html, new RegExp(`action="${path}/update"`));
    assert.match(bobs.html, /<dt>Assignee<\/dt><dd><a class="user" href="\/user\/bob">bob<\/a><\/dd>/);
    const refused = await bob.submit(`${path}/update`, { assignee: '', tags_shown: '1', new_tags: 'mine' }, path);
    assert.equal(refused.status, 403);
    json = await prJson();
    assert.deepEqual(json.tags, ['bug']);
    assert.equal(json.assignee?.name, 'bob');
  });

  it('says who merged it, how many commits and when', async () => {
    // A pull request of its own: merging it changes what the other tests see.
    const { path } = await openTidy('merged');
    assert.match(mainOf((await alice.get(path)).html), /wants to merge/);
    const merged = await alice.submit(`${path}/merge`, {}, path);
    assert.equal(merged.status, 302);
    const page = await bob.get(path);
    const head = page.html.match(/<div class="ticket-head">([\s\S]*?)<\/div>/)?.[1] ?? '';
    assert.doesNotMatch(head, /wants to merge/);
    const closedAt = (await t.api<{ closed_at: string }>('GET', `/api/0${path}`)).body.closed_at;
    const when = new Date(Number(closedAt) * 1000).toISOString();
    assert.match(
      head,
      new RegExp(`<a class="user" href="/user/alice">alice</a> merged 1 commit into <code>main</code> on <time datetime="${when}">`),
    );
    assert.doesNotMatch(page.html, /id="merge-status"/, 'no merge status once merged');
    assert.equal(plusOf(page.html, 'file-1-L2'), undefined, 'no new line comments once merged');
  });
});
