// The whole OpenID Connect login in Chromium, in both modes: the forge's login page sends
// the browser to the provider (a real one on loopback, answering its prompts at once), which
// sends it back logged in, with the settings page saying where the account comes from; then
// logging out ends the session here, and at the provider once the person confirms there,
// which sends the browser back to the forge. The login pages pass an accessibility check.
import assert from 'node:assert/strict';
import type { Browser, BrowserContext } from 'playwright-core';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { CLIENT_ID, CLIENT_SECRET, startTestProvider, type TestProvider } from '../plugins/oidc/test/support/provider.js';
import { assertAccessible, haveChromium, launchChromium } from './support/browser.js';

describeModes('oidc: the login in Chromium', (mode) => {
  let t: TestForge;
  let op: TestProvider;
  let browser: Browser;
  let context: BrowserContext;

  before(async function () {
    if (!haveChromium()) this.skip();
    this.timeout(120_000);
    op = await startTestProvider();
    t = await createTestForge({
      mode,
      listen: true,
      plugins: [
        {
          name: '@pagurus/plugin-oidc',
          options: {
            issuer: op.issuer,
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            scopes: ['openid', 'email', 'profile', 'groups'],
            label: 'Log in with Test Accounts',
            sync_groups: ['packager'],
            create_groups: true,
          },
        },
      ],
    });
    op.registerClient(t.url);
    op.accounts.set('sub-carol', {
      preferred_username: 'carol',
      name: 'Carol Packager',
      email: 'carol@accounts.test',
      groups: ['packager'],
    });
    browser = await launchChromium();
    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
    await op?.close();
  });

  it('logs in through the provider and back, and logs out here and there', async function () {
    this.timeout(60_000);
    const page = await context.newPage();
    op.nextLogin = 'sub-carol';
    await page.goto(`${t.url}/login?next=%2Fsettings`);
    await assertAccessible(page, 'login page with a provider');
    await page.getByRole('link', { name: 'Log in with Test Accounts' }).click();
    await page.waitForURL(`${t.url}/settings`);
    assert.equal(await page.locator('.viewer').textContent(), 'carol');
    await assert.doesNotReject(page.getByRole('heading', { name: 'Where your account comes from' }).waitFor());
    assert.match((await page.locator('.account-source').textContent()) ?? '', /Test Accounts.*sub-carol.*packager/s);
    await assertAccessible(page, 'settings of an account from the provider');

    await page.getByRole('banner').getByRole('button', { name: 'Log out' }).click();
    await page
      .waitForURL((url) => url.href.startsWith(`${op.issuer}/session/end`))
      .catch(async (error: Error) => {
        throw new Error(`${error.message}; at ${page.url()}: ${(await page.content()).slice(0, 1500)}`);
      });
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${t.url}/`).catch(async (error: Error) => {
      throw new Error(`${error.message}; at ${page.url()}: ${(await page.content()).slice(0, 500)}`);
    });
    assert.equal(await page.locator('.viewer').count(), 0, 'logged out here');
    assert.match(await page.content(), /You are logged out/);

    // The provider forgot the person too: a new login meets its login prompt, which has nobody to log in.
    op.nextLogin = undefined;
    await page.goto(`${t.url}/oidc/login?next=%2F`);
    assert.match(await page.content(), /nobody to log in/);
  });
});
