// Live updates in Chromium: two people look at one issue; one comments and the other sees
// the comment within a second, without reloading. The same for a pull request's flag set
// through the API with a token.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { cloneUrl, commitFile, createTestForge, describeModes, gitOk, tempDir, type TestForge } from '@pagurus/core/testing';

const CHROMIUM = process.env.PAGURUS_CHROMIUM ?? '/usr/bin/chromium';
/** The time a change may take to show on another person's page. */
const LIVE_MS = 1000;

describeModes('live updates in Chromium (plugin sse)', (mode) => {
  let t: TestForge;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let token: string;
  /** The pull request's page (issues and pull requests share one numbering). */
  let prPath: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    this.timeout(240_000);
    t = await createTestForge({ mode, plugins: ['@pagurus/plugin-sse'] });
    for (const name of ['alice', 'bob']) await t.createUser(name);
    token = await t.createToken('alice', 'all');
    await t.createProject('alice', 'live', { readme: true });
    const auth = { Authorization: `token ${token}` };
    assert.equal((await t.api('POST', '/api/0/live/new_issue', { title: 'Watch me', issue_content: 'Hi' }, auth)).status, 200);
    const work = await tempDir();
    const dir = path.join(work, 'live');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'live', { user: 'alice', secret: 'alice-password1' }), dir);
    await gitOk(dir, 'checkout', '-q', '-b', 'feature');
    await commitFile(dir, 'feature.txt', 'new\n', { message: 'A feature' });
    await gitOk(dir, 'push', '-q', 'origin', 'feature');
    const pr = await t.api('POST', '/api/0/live/pull-request/new', { title: 'Feature', branch_to: 'main', branch_from: 'feature' }, auth);
    assert.equal(pr.status, 200, JSON.stringify(pr.body));
    prPath = `/live/pull-request/${(pr.body as { id: number }).id}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  afterEach(() => assert.deepEqual(problems.splice(0), [], 'pages reported errors'));

  async function person(name: string): Promise<Page> {
    const context = await browser.newContext({ baseURL: t.url });
    contexts.push(context);
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
    });
    await page.goto('/login');
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Password').fill(`${name}-password1`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${t.url}/`);
    return page;
  }

  /** Opens the page and waits until its stream is connected; marks the document to detect reloads. */
  async function look(page: Page, pathname: string): Promise<void> {
    await page.goto(pathname);
    await page.locator('[data-sse-state="open"]').waitFor({ state: 'attached' });
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  }
  const stayed = (page: Page) => page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);

  it('shows a comment to the other person looking at the issue within a second', async function () {
    this.timeout(120_000);
    const alice = await person('alice');
    const bob = await person('bob');
    await look(alice, '/live/issue/1');
    await look(bob, '/live/issue/1');
    assert.equal(await bob.locator('.sse-state').innerText(), 'On: changes appear here as they happen.');
    await alice.getByLabel('Add a comment').fill('Seen live?');
    await alice.getByRole('button', { name: 'Comment' }).click();
    await alice.waitForURL(/\/live\/issue\/1/);
    const posted = Date.now();
    await bob.locator('article.comment', { hasText: 'Seen live?' }).waitFor({ timeout: LIVE_MS });
    const took = Date.now() - posted;
    assert.ok(await stayed(bob), 'the page did not reload');
    // The comment sits after the description and before the form, as a reload would show it.
    const order = await bob.evaluate(() =>
      Array.from(document.querySelectorAll('.main-column > article.comment, #comment-form'), (e) => e.id),
    );
    assert.equal(order.at(-1), 'comment-form');
    assert.equal(order[0], 'description');
    assert.equal(order.length, 3);
    assert.ok(took < LIVE_MS, `took ${took} ms`);
  });

  it("shows a pull request's new flag, set through the API with a token, within a second", async function () {
    this.timeout(120_000);
    const alice = await person('alice');
    const bob = await person('bob');
    await look(alice, prPath);
    await look(bob, prPath);
    const res = await t.api(
      'POST',
      `/api/0${prPath}/flag`,
      { username: 'Example CI', status: 'success', comment: 'All green', url: 'https://ci.example.test/1', uid: 'ci-1' },
      { Authorization: `token ${token}` },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await Promise.all([alice, bob].map((page) => page.locator('.flag', { hasText: 'All green' }).waitFor({ timeout: LIVE_MS })));
    assert.ok((await stayed(alice)) && (await stayed(bob)), 'the pages did not reload');
  });

  it('shows a comment on the pull request, rendered for the viewer, without a reload', async function () {
    this.timeout(120_000);
    const bob = await person('bob');
    await look(bob, prPath);
    const auth = { Authorization: `token ${token}` };
    assert.equal((await t.api('POST', `/api/0${prPath}/comment`, { comment: 'Looks **good**' }, auth)).status, 200);
    // The page fetches itself again (a heavier page than an issue's): a looser deadline.
    await bob.locator('.main-column > article.comment', { hasText: 'Looks good' }).locator('strong').waitFor({ timeout: 5000 });
    assert.equal(await bob.locator('.main-column > p.empty').count(), 0, '"No comments yet." is gone');
    assert.ok(await stayed(bob), 'the page did not reload');
  });

  it('works without JavaScript: the page only says to reload', async function () {
    this.timeout(60_000);
    const context = await browser.newContext({ baseURL: t.url, javaScriptEnabled: false });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto('/live/issue/1');
    assert.equal(await page.locator('.sse-state').innerText(), 'Reload the page to see what changed.');
    assert.equal(await page.locator('h1').innerText(), '#1 Watch me');
  });
});
