// The forge in a real browser, as a newcomer uses it: register, create a project, push to
// it with the clone URL the page shows, browse its files, open an issue and comment, fork
// it and open a pull request from the fork, merge it, give access in the settings, create
// an API token. Every main page passes axe-core without serious violations, and leaves a
// screenshot in test-artifacts/screenshots/ for reviewers.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { commitFile, gitOk, gitRun, tempDir } from '../core/test/support/git-client.js';
import { mailLog } from '../core/test/support/mail-log.js';
import { assertAccessible, haveChromium, launchChromium, screenshot, watchProblems } from './support/browser.js';

const PASSWORD = 'correct horse battery staple';

describeModes('the web UI in Chromium', (mode) => {
  let t: TestForge;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Script errors and CSP refusals on any page: there must be none. */
  const problems: string[] = [];
  /** Without SMTP the forge logs its mails; a newcomer's confirmation link is read there. */
  const mails = mailLog();

  before(async function () {
    if (!haveChromium()) {
      // CI installs it (.ci/run); a machine without it says so instead of passing.
      this.skip();
    }
    this.timeout(120_000);
    t = await createTestForge({ mode, listen: true, logger: mails.logger });
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  /** A fresh browser profile (its own cookies), with the forge as base URL. */
  async function person(): Promise<Page> {
    const context = await browser.newContext({ baseURL: t.url, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    watchProblems(page, problems);
    return page;
  }

  afterEach(() => {
    const seen = problems.splice(0);
    assert.deepEqual(seen, [], 'pages reported errors');
  });

  /** Waits for the page to reach `url`; if it does not, the error says what the page shows instead. */
  async function arrive(page: Page, url: string): Promise<void> {
    try {
      await page.waitForURL(url, { timeout: 15_000 });
    } catch {
      assert.fail(
        `expected ${url}, but the browser is at ${page.url()} showing:\n${(
          await page
            .locator('main')
            .innerText()
            .catch(() => '')
        ).slice(0, 1500)}`,
      );
    }
  }

  async function register(page: Page, name: string): Promise<void> {
    await page.goto('/');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Full name').fill(`${name[0]!.toUpperCase()}${name.slice(1)} Tester`);
    await page.getByLabel('Email').fill(`${name}@example.test`);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create the account' }).click();
    // The account logs in once the address is confirmed by the mailed link.
    await arrive(page, `${t.url}/login`);
    assert.match((await page.locator('.flash').textContent()) ?? '', /open the link just mailed/);
    await page.goto(await mails.link(`${name}@example.test`, '/settings/email/confirm/'));
    await arrive(page, `${t.url}/login`);
    assert.match((await page.locator('.flash').textContent()) ?? '', /confirmed: you can log in/);
    await page.getByLabel('User name').fill(name);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await arrive(page, `${t.url}/`);
    assert.equal(await page.locator('.viewer').textContent(), name);
  }

  let alice: Page;
  let bob: Page;
  let cloneUrl = '';

  it('registers, logs out and logs in again', async function () {
    this.timeout(60_000);
    alice = await person();
    await alice.goto('/');
    await assertAccessible(alice, 'home (anonymous)');
    await screenshot(alice, `${mode}-home`);
    await register(alice, 'alice');
    await alice.getByRole('button', { name: 'Log out' }).click();
    await alice.getByRole('link', { name: 'Log in' }).first().click();
    await alice.getByLabel('User name').fill('alice');
    await alice.getByLabel('Password').fill('wrong password');
    await alice.getByRole('button', { name: 'Log in' }).click();
    assert.match((await alice.getByRole('alert').textContent()) ?? '', /password/i);
    await alice.getByLabel('Password').fill(PASSWORD);
    await alice.getByRole('button', { name: 'Log in' }).click();
    await arrive(alice, `${t.url}/`);
    assert.equal(await alice.locator('.viewer').textContent(), 'alice');
  });

  it('creates a project, with errors shown next to the fields first', async function () {
    this.timeout(60_000);
    await alice.getByRole('link', { name: 'New project' }).first().click();
    await assertAccessible(alice, 'new project');
    const box = (await alice.locator('#private').boundingBox())!;
    const label = (await alice.locator('label[for="private"]').boundingBox())!;
    assert.ok(Math.abs(box.y + box.height / 2 - (label.y + label.height / 2)) < 8 && label.x > box.x, 'a checkbox sits beside its label');
    // Blanks get past the browser's own checks (required fields); the server's catch them.
    await alice.getByLabel('Name').fill('bad name!');
    await alice.getByLabel('Description').fill('   ');
    await alice.getByRole('button', { name: 'Create project' }).click();
    assert.equal(await alice.locator('#name-error').textContent(), 'Invalid input.');
    assert.equal(await alice.locator('#description-error').textContent(), 'This field is required.');
    assert.equal(await alice.getByLabel('Name').inputValue(), 'bad name!', 'what was typed is kept');
    await alice.getByLabel('Name').fill('hello');
    await alice.getByLabel('Description').fill('A friendly project');
    await alice.getByRole('button', { name: 'Create project' }).click();
    await arrive(alice, `${t.url}/hello`);
    assert.equal(await alice.locator('.project-title a').textContent(), 'hello');
    assert.match(await alice.locator('.readme').innerText(), /hello/);
    cloneUrl = await alice.getByLabel('HTTPS').inputValue();
    assert.equal(cloneUrl, `${t.url}/hello.git`);
    await assertAccessible(alice, 'project overview');
    await screenshot(alice, `${mode}-project`);
  });

  it('pushes with the clone URL the page shows, then browses the files', async function () {
    this.timeout(60_000);
    const work = await tempDir();
    const url = new URL(cloneUrl);
    url.username = 'alice';
    url.password = encodeURIComponent(PASSWORD);
    await gitOk(work, 'clone', '-q', url.toString(), 'hello');
    const dir = path.join(work, 'hello');
    await mkdir(path.join(dir, 'src'));
    await commitFile(dir, 'src/app.py', 'def greet(name):\n    return f"hello {name}"\n\n<script>alert(1)</script>\n', {
      message: 'Add the app',
    });
    const push = await gitRun(dir, ['push', '-q', 'origin', 'HEAD']);
    assert.equal(push.code, 0, push.stderr);

    await alice.goto('/hello');
    await alice.locator('.tabs').getByRole('link', { name: 'Files' }).click();
    await alice.getByRole('link', { name: 'src' }).click();
    await alice.getByRole('link', { name: 'app.py' }).click();
    assert.match(alice.url(), /\/hello\/blob\/main\/f\/src\/app\.py$/);
    assert.equal(await alice.locator('.code-view tr').count(), 4);
    assert.equal(await alice.locator('.code-view .hljs-keyword').first().textContent(), 'def');
    assert.match(await alice.locator('#_4').innerText(), /<script>alert\(1\)<\/script>/, 'markup in a file is shown, not run');
    await assertAccessible(alice, 'file view');
    await screenshot(alice, `${mode}-blob`);
    await alice.getByRole('link', { name: 'Blame' }).click();
    assert.match(await alice.locator('.blame').innerText(), /Test Author/);
    await alice.goto('/hello/commits');
    await alice.getByRole('link', { name: 'Add the app' }).first().click();
    assert.match(await alice.locator('.diff-file h3').first().innerText(), /src\/app\.py/);
    assert.equal(await alice.locator('.diff tr.add').count(), 4);
    await assertAccessible(alice, 'commit view');
    await screenshot(alice, `${mode}-commit`);
  });

  it('opens an issue and comments on it', async function () {
    this.timeout(60_000);
    await alice.goto('/hello');
    await alice.locator('.tabs').getByRole('link', { name: 'Issues' }).click();
    assert.match(await alice.locator('.empty').innerText(), /No issues/);
    await alice.getByRole('link', { name: 'New issue' }).click();
    await alice.getByLabel('Title').fill('   ');
    await alice.getByRole('button', { name: 'Open issue' }).click();
    assert.equal(await alice.locator('#title-error').textContent(), 'This field is required.');
    await alice.getByLabel('Title').fill('The greeting is too short');
    // A task list and an aligned table: both must render under the CSP without a refusal.
    await alice
      .getByLabel('Description')
      .fill('It should say **hello** and wave.\n\n- [ ] wave\n\n| step | count |\n|:-|-:|\n| wave | 2 |');
    await alice.getByRole('button', { name: 'Open issue' }).click();
    await arrive(alice, `${t.url}/hello/issue/1`);
    assert.equal(await alice.locator('.flash').textContent(), 'Issue created', 'a confirmation after the form');
    assert.equal(await alice.locator('#description strong').textContent(), 'hello');
    assert.equal(await alice.locator('#description td.align-right').evaluate((cell) => getComputedStyle(cell).textAlign), 'right');
    await alice.getByLabel('Add a comment').fill('Working on it, see #1 and @alice');
    await alice.getByRole('button', { name: 'Comment' }).click();
    const comment = alice.locator('article.comment').last();
    assert.match(await comment.innerText(), /Working on it/);
    assert.equal(await alice.locator('.flash').textContent(), 'Comment added');
    assert.equal(await comment.locator('a[href$="/user/alice"]').count(), 2, 'the author and the mention link to the user');
    await comment.getByRole('button', { name: 'Thumbs up' }).click();
    assert.equal(
      await alice.locator('article.comment').last().getByRole('button', { name: 'Thumbs up 1' }).getAttribute('aria-pressed'),
      'true',
    );
    await alice.getByLabel('Status').selectOption('Closed');
    await alice.getByRole('button', { name: 'Update' }).click();
    assert.match(await alice.locator('.ticket-head .badge').first().innerText(), /Closed/);
    assert.equal(await alice.locator('.flash').textContent(), 'Issue updated');
    await alice.reload();
    assert.equal(await alice.locator('.flash').count(), 0, 'the confirmation shows once');
    await assertAccessible(alice, 'issue view');
    await screenshot(alice, `${mode}-issue`);
    await alice.goto('/hello/issues?status=all');
    assert.equal(await alice.locator('.ticket-list li').count(), 1);
    await assertAccessible(alice, 'issue list');
  });

  it('forks, opens a pull request from the fork, and the owner merges it', async function () {
    this.timeout(90_000);
    bob = await person();
    await register(bob, 'bob');
    await bob.goto('/hello');
    await bob.getByRole('button', { name: 'Fork' }).click();
    await arrive(bob, `${t.url}/fork/bob/hello`);
    const forkUrl = new URL(await bob.getByLabel('HTTPS').inputValue());
    assert.equal(forkUrl.pathname, '/forks/bob/hello.git');
    forkUrl.username = 'bob';
    forkUrl.password = encodeURIComponent(PASSWORD);
    const work = await tempDir();
    await gitOk(work, 'clone', '-q', forkUrl.toString(), 'fork');
    const dir = path.join(work, 'fork');
    await gitOk(dir, 'checkout', '-q', '-b', 'wave');
    await commitFile(dir, 'WAVE.md', '# Wave\n\n👋\n', { message: 'Wave at people' });
    const push = await gitRun(dir, ['push', 'origin', 'wave']);
    assert.equal(push.code, 0, push.stderr);
    // git relays the forge's hint; the branches page offers the same link.
    const hint = push.stderr.match(/remote: Create a pull request for wave:\s+remote:\s+(\S+)/)?.[1];
    assert.equal(hint, `${t.url}/fork/bob/hello/diff/main..wave`);

    await bob.goto('/fork/bob/hello/branches');
    assert.equal(await bob.getByRole('link', { name: 'Open a pull request' }).getAttribute('href'), new URL(hint).pathname);
    await bob.getByRole('link', { name: 'Open a pull request' }).click();
    assert.match(await bob.locator('.commit-list').innerText(), /Wave at people/);
    assert.match(await bob.locator('.diff-summary').innerText(), /WAVE\.md/);
    await assertAccessible(bob, 'new pull request');
    assert.equal(await bob.getByLabel('Title').inputValue(), 'Wave at people');
    await bob.getByRole('button', { name: /Open pull request/ }).click();
    // Issues and pull requests share one numbering per project, as in Pagure: the issue was #1.
    await arrive(bob, `${t.url}/hello/pull-request/2`);
    assert.match(await bob.locator('.ticket-head .meta').innerText(), /bob\/hello:wave/);
    assert.equal(await bob.getByRole('button', { name: 'Merge', exact: true }).count(), 0, 'bob may not merge into alice’s project');

    await alice.goto('/hello/pull-requests');
    await alice.getByRole('link', { name: '#2 Wave at people' }).click();
    await assertAccessible(alice, 'pull request view');
    await screenshot(alice, `${mode}-pull-request`);
    alice.once('dialog', (dialog) => void dialog.accept());
    await alice.getByRole('button', { name: 'Merge', exact: true }).click();
    await arrive(alice, `${t.url}/hello/pull-request/2`);
    assert.match(await alice.locator('.ticket-head .badge').first().innerText(), /Merged/);
    await alice.goto('/hello/commits');
    assert.match(await alice.locator('.commit-list').innerText(), /Wave at people/);
  });

  it('gives and takes back access in the project settings', async function () {
    this.timeout(60_000);
    await alice.goto('/hello');
    await alice.locator('.tabs').getByRole('link', { name: 'Settings' }).click();
    await assertAccessible(alice, 'project settings');
    await screenshot(alice, `${mode}-project-settings`);
    const access = alice.locator('#access');
    await access.getByLabel('Name').fill('nobody-here');
    await access.getByRole('button', { name: 'Give access' }).click();
    assert.match(await alice.locator('#access-name-error, .form-error').first().innerText(), /No such user/);
    await alice.locator('#access').getByLabel('Name').fill('bob');
    await alice.locator('#access').getByLabel('Level').selectOption('collaborator');
    await alice.locator('#access').getByRole('button', { name: 'Give access' }).click();
    assert.equal(await alice.locator('#access-branches-error').textContent(), 'Collaborators need branch patterns, such as f* or epel*');
    await alice.locator('#access').getByLabel('Branches (collaborators)').fill('f*, epel*');
    await alice.locator('#access').getByRole('button', { name: 'Give access' }).click();
    const row = alice.locator('#access tbody tr', { hasText: 'bob' });
    assert.match(await row.innerText(), /collaborator\s+f\*,\s*epel\*/);
    // bob now sees the project as a collaborator; alice takes it back.
    alice.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Remove bob' }).click();
    assert.equal(await alice.locator('#access tbody tr', { hasText: 'bob' }).count(), 0);
    await bob.goto('/hello/settings');
    assert.match(await bob.locator('main').innerText(), /not allowed|permission|not found/i);
  });

  it('creates an API token that works once shown, and only then', async function () {
    this.timeout(60_000);
    await alice.goto('/settings');
    await alice.getByText('Create an API token').click();
    await alice.getByRole('button', { name: 'Create token' }).click();
    assert.equal(await alice.locator('#acls-error').textContent(), 'Choose at least one ACL');
    await alice.getByLabel('Description').fill('for fedpkg');
    await alice.getByLabel(/Open pull requests/).check();
    await alice.getByRole('button', { name: 'Create token' }).click();
    await arrive(alice, `${t.url}/settings#tokens`);
    assert.equal(await alice.locator('.flash').textContent(), 'Token created', 'the form redirects: a reload cannot post it again');
    const token = await alice.locator('#new-token').inputValue();
    assert.match(token, /^[A-Za-z0-9]{64}$/);
    await assertAccessible(alice, 'user settings');
    await screenshot(alice, `${mode}-settings`);
    const res = await t.fetch('/api/0/-/whoami', { method: 'POST', headers: { Authorization: `token ${token}` } });
    assert.deepEqual(await res.json(), { username: 'alice' });
    await alice.goto('/settings');
    assert.equal(await alice.locator('#new-token').count(), 0, 'the value is never shown again');
    assert.match(await alice.locator('#tokens table').innerText(), /for fedpkg\s+pull_request_create/);
  });

  it('lists users, groups and projects, with empty states', async function () {
    this.timeout(60_000);
    await alice.goto('/user/alice');
    assert.match(await alice.locator('main').innerText(), /hello/);
    assert.ok((await alice.locator('.heatmap span').count()) >= 365);
    await assertAccessible(alice, 'user page');
    await screenshot(alice, `${mode}-user`);
    await alice.goto('/groups');
    assert.match(await alice.locator('.empty').innerText(), /No groups yet/);
    await alice.goto('/projects?q=nothing-like-this');
    assert.match(await alice.locator('.empty').innerText(), /No project matches/);
    await alice.goto('/projects');
    assert.equal(await alice.locator('.card-list li').count(), 1);
    await assertAccessible(alice, 'project list');
  });

  it('follows the system’s dark mode, still readable', async function () {
    this.timeout(60_000);
    await alice.emulateMedia({ colorScheme: 'dark' });
    for (const [path, name] of [
      ['/hello', 'project'],
      ['/hello/issue/1', 'issue'],
      ['/hello/pull-request/2', 'pull-request'],
    ] as const) {
      await alice.goto(path);
      const background = await alice.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, 'rgb(15, 20, 25)', `${path} has the dark background`);
      await assertAccessible(alice, `${name} (dark)`);
      await screenshot(alice, `${mode}-${name}-dark`);
    }
    await alice.emulateMedia({ colorScheme: 'light' });
  });

  it('wraps long unbroken words in titles, tags and comments instead of scrolling sideways', async function () {
    this.timeout(60_000);
    // The longest title and tag the forge takes, and a 5,000-character word in a comment.
    await alice.goto('/hello/new_issue');
    await alice.getByLabel('Title').fill('T'.repeat(255));
    await alice.getByLabel('Tags').fill('g'.repeat(255));
    await alice.getByLabel('Description').fill('d'.repeat(5000));
    await alice.getByRole('button', { name: 'Open issue' }).click();
    await arrive(alice, `${t.url}/hello/issue/3`);
    await alice.getByLabel('Add a comment').fill('c'.repeat(5000));
    await alice.getByRole('button', { name: 'Comment' }).click();
    assert.equal(await alice.locator('.flash').textContent(), 'Comment added');
    for (const width of [1280, 390]) {
      await alice.setViewportSize({ width, height: 844 });
      for (const path of ['/hello/issue/3', '/hello/issues']) {
        await alice.goto(path);
        const { scrollWidth, innerWidth } = await alice.evaluate(() => ({
          scrollWidth: document.scrollingElement!.scrollWidth,
          innerWidth: window.innerWidth,
        }));
        assert.ok(scrollWidth <= innerWidth, `${path} at ${width}px is ${scrollWidth}px wide`);
      }
    }
    await alice.setViewportSize({ width: 1280, height: 900 });
  });

  it('fits a phone’s screen', async function () {
    this.timeout(60_000);
    await alice.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/hello', '/hello/issues', '/hello/pull-request/2', '/settings']) {
      await alice.goto(path);
      const overflow = await alice.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px on a phone`);
    }
    await screenshot(alice, `${mode}-phone-settings`);
    await alice.setViewportSize({ width: 1280, height: 900 });
  });
});
