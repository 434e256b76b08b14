// The pull-request page's script in Chromium: a line's "+" opens the comment form right under
// that line without leaving the page, and "the merge status is being computed" turns into
// the status on its own once the forge knows it.
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { tempDir } from '../core/test/support/git-client.js';
import { pushLinesBranch, type LinesBranch } from '../core/test/support/pull-request-fixture.js';
import { assertAccessible, haveChromium, launchChromium, screenshot, watchProblems } from './support/browser.js';

describeModes('the pull-request page in Chromium', (mode) => {
  let t: TestForge;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let lines: LinesBranch;
  const path = '/lines/pull-request/1';
  const problems: string[] = [];

  before(async function () {
    if (!haveChromium()) this.skip();
    this.timeout(120_000);
    t = await createTestForge({ mode, listen: true });
    await t.createUser('alice');
    await t.createProject('alice', 'lines', { readme: true });
    lines = await pushLinesBranch(t.url, await tempDir(), 'lines', { user: 'alice', secret: 'alice-password1' });
    const token = await t.createToken('alice', ['pull_request_create']);
    const made = await t.api(
      'POST',
      '/api/0/lines/pull-request/new',
      { title: 'Tidy', branch_to: 'main', branch_from: 'tidy' },
      { Authorization: `token ${token}` },
    );
    assert.equal(made.status, 200, JSON.stringify(made.body));
    // The forge computes the merge status once; the tests below start from a known one.
    for (
      let i = 0;
      i < 100 && (await t.api<{ cached_merge_status: string }>('GET', `/api/0${path}`)).body.cached_merge_status === 'unknown';
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    browser = await launchChromium();
    context = await browser.newContext({ baseURL: t.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watchProblems(page, problems);
    await page.goto('/login');
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('alice-password1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${t.url}/`);
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  afterEach(() => assert.deepEqual(problems.splice(0), [], 'pages reported errors'));

  /** Marks the document: if the page reloads, the mark is gone. */
  const mark = () => page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const stayed = () => page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);
  const nextRowClass = (id: string) => page.evaluate((rowId) => document.getElementById(rowId)?.nextElementSibling?.className ?? '', id);

  it('opens the comment form under the line whose "+" is clicked, without a reload', async function () {
    this.timeout(60_000);
    await page.goto(path);
    await mark();
    await page.getByRole('link', { name: 'Comment on removed line 2 of notes.txt' }).click();
    assert.equal(await nextRowClass('file-1-L2'), 'inline-form-row');
    assert.equal(page.url(), `${t.url}${path}`, 'the address stays');
    assert.ok(await stayed(), 'the page did not reload');
    const form = page.locator('#inline-comment-form');
    assert.equal(await form.locator('input[name="filename"]').inputValue(), 'notes.txt');
    assert.equal(await form.locator('input[name="row"]').inputValue(), '2');
    assert.equal(await form.locator('input[name="commit"]').inputValue(), lines.base);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'inline-comment');
    await assertAccessible(page, 'pull request with a line form open');

    // Another "+" moves the form: one form under one line.
    await page.getByRole('link', { name: 'Comment on line 3 of notes.txt' }).click();
    assert.equal(await page.locator('tr.inline-form-row').count(), 1);
    assert.equal(await nextRowClass('file-1-R3'), 'inline-form-row');
    assert.equal(await form.locator('input[name="commit"]').inputValue(), lines.head);
    await page.getByRole('link', { name: 'Cancel' }).click();
    assert.equal(await page.locator('tr.inline-form-row').count(), 0);
    assert.ok(await stayed());

    await page.getByRole('link', { name: 'Comment on removed line 2 of notes.txt' }).click();
    await page.getByRole('textbox', { name: 'Comment on removed line 2 of notes.txt' }).fill('Why drop two?');
    await page.locator('#inline-comment-form').getByRole('button', { name: 'Comment' }).click();
    await page.waitForURL(`${t.url}${path}#changes`);
    assert.equal(await nextRowClass('file-1-L2'), 'inline-comment');
    assert.match(await page.locator('#file-1-L2 + tr.inline-comment').innerText(), /Why drop two\?/);
    await screenshot(page, `${mode}-pull-request-line-comment`);
  });

  it('turns "being computed" into the merge status on its own', async function () {
    this.timeout(60_000);
    await t.forge.db.knex('pull_requests').update({ merge_status: null });
    await page.goto(path);
    assert.equal(await page.locator('#merge-status').innerText(), 'Being computed…');
    await mark();
    // What the refresh job does once it knows.
    await t.forge.db.knex('pull_requests').update({ merge_status: 'FFORWARD' });
    await page.waitForFunction(() => document.getElementById('merge-status')?.textContent === 'Can be fast-forwarded', undefined, {
      timeout: 15_000,
    });
    assert.match(await page.locator('#merge-box').innerText(), /Can be fast-forwarded/);
    assert.equal(await page.locator('[data-merge-pending]').count(), 0);
    assert.ok(await stayed(), 'the page did not reload');
    // Known from the start: the page asks nothing more.
    const asked: string[] = [];
    page.on('request', (request) => asked.push(request.url()));
    await page.goto(path);
    await page.waitForTimeout(1500);
    assert.deepEqual(
      asked.filter((url) => url.endsWith(path)),
      [`${t.url}${path}`],
      'one load, no polling',
    );
  });
});
