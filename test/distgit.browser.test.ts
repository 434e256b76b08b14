// dist-git's package page in Chromium with the srcfpo theme, as packagers use it: the
// maintainer sets the monitoring (the dropdown saves when a status is chosen) and orphans the
// package (its reason in the form under "Orphan this package"), another packager takes it
// with the button. Each page passes axe, at desktop and phone width.
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { assertAccessible, haveChromium, launchChromium, watchProblems } from './support/browser.js';

describeModes('the dist-git package page in Chromium', (mode) => {
  let t: TestForge;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  before(async function () {
    if (!haveChromium()) this.skip();
    this.timeout(120_000);
    t = await createTestForge({
      mode,
      listen: true,
      plugins: ['@pagurus/plugin-distgit'],
      theme: '@pagurus/theme-srcfpo',
      config: { namespaces: ['rpms'] },
    });
    for (const name of ['maintainer', 'taker', 'orphan']) await t.createUser(name);
    const services = t.forge.services;
    const packager = await services.groups.create((await services.users.byName('maintainer'))!, { name: 'packager' });
    await services.groups.addMember(null, packager, 'taker');
    await t.createProject('maintainer', 'nano', { namespace: 'rpms', readme: true });
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  afterEach(() => assert.deepEqual(problems.splice(0), [], 'pages reported errors'));

  async function logIn(user: string, width = 1280): Promise<Page> {
    const context = await browser.newContext({ baseURL: t.url, viewport: { width, height: 900 } });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    watchProblems(page, problems);
    await page.goto('/login');
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(`${user}-password1`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${t.url}/`);
    return page;
  }

  it('lets the maintainer set the monitoring and orphan the package, and another packager take it', async function () {
    this.timeout(90_000);
    const maintainer = await logIn('maintainer');
    await maintainer.goto('/rpms/nano');
    const panel = maintainer.locator('[data-panel="distgit-package"]');
    assert.match(await panel.innerText(), /Maintained by maintainer/);
    await assertAccessible(maintainer, 'package page, maintainer');

    // theme-default's styles and srcfpo's over them.
    const sheets = await maintainer.evaluate(() =>
      Array.from(document.styleSheets).map((sheet) => sheet.href?.split('/').pop()?.split('.')[0]),
    );
    assert.deepEqual(sheets, ['pagurus', 'srcfpo']);
    assert.equal(await panel.getByRole('button', { name: 'Save' }).isVisible(), false, 'the dropdown saves on its own');
    await Promise.all([
      maintainer.waitForURL(`${t.url}/rpms/nano`, { waitUntil: 'load' }),
      maintainer.waitForEvent('framenavigated'),
      maintainer.getByLabel('New upstream releases').selectOption('monitoring-with-scratch'),
    ]);
    assert.equal(await maintainer.locator('.flash').innerText(), 'Monitoring set: Monitoring, with scratch builds');
    assert.equal(await maintainer.getByLabel('New upstream releases').inputValue(), 'monitoring-with-scratch');

    await maintainer.getByText('Orphan this package').click();
    await maintainer.getByLabel('Reason').selectOption('Unmaintained upstream');
    await maintainer.getByLabel('Details (a bug, a mailing-list thread)').fill('Upstream archived the project');
    await assertAccessible(maintainer, 'package page, orphan form open');
    await panel.getByRole('button', { name: 'Orphan' }).click();
    await maintainer.waitForURL(`${t.url}/rpms/nano`);
    assert.equal(await maintainer.locator('.flash').innerText(), 'rpms/nano is orphaned');
    assert.match(await panel.innerText(), /Orphaned for: Unmaintained upstream — Upstream archived the project/);

    // On a phone, another packager takes it.
    const taker = await logIn('taker', 390);
    await taker.goto('/rpms/nano');
    await assertAccessible(taker, 'orphaned package page, phone width');
    const overflow = await taker.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `nothing wider than the phone (${overflow}px too wide)`);
    await taker.getByRole('button', { name: 'Take this package' }).click();
    await taker.waitForURL(`${t.url}/rpms/nano`);
    assert.equal(await taker.locator('.flash').innerText(), 'You maintain rpms/nano now');
    assert.match(await taker.locator('[data-panel="distgit-package"]').innerText(), /Maintained by taker/);
    const api = await t.api<{ user: { name: string } }>('GET', '/api/0/rpms/nano');
    assert.equal(api.body.user.name, 'taker');
  });
});
