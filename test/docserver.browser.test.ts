// A project's docs are the project's own HTML, scripts included: in Chromium, a page of a docs
// repository written to attack its visitor, who is logged in to the forge, gets nothing. It
// cannot read the forge's cookies, call the forge with the visitor's session (fetch, an image,
// a form), or frame the forge; the doc server's policy reports each refusal, and the visitor is
// still logged in afterwards. The doc server never sees the forge's cookie.
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestForge, describeModes, freePort, pushTo, type TestForge } from '@pagurus/core/testing';
import { haveChromium, launchChromium } from './support/browser.js';

/** The attack: every result lands in window.results, and window.done says when all have. */
const attack = (forge: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Totally normal docs</title></head>
<body>
<h1>Read me</h1>
<script>
  window.results = { violations: [] };
  document.addEventListener('securitypolicyviolation', (e) => window.results.violations.push(e.effectiveDirective + ' ' + e.blockedURI));
  window.results.cookie = document.cookie;
  const tries = [
    fetch('${forge}/api/0/-/whoami', { method: 'POST', credentials: 'include' })
      .then((r) => r.text().then((text) => 'answered ' + r.status + ' ' + text), () => 'blocked')
      .then((outcome) => (window.results.fetch = outcome)),
    new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve('loaded');
      img.onerror = () => resolve('blocked');
      img.src = '${forge}/settings';
    }).then((outcome) => (window.results.image = outcome)),
  ];
  const frame = document.createElement('iframe');
  frame.src = '${forge}/settings';
  document.body.appendChild(frame);
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = '${forge}/logout';
  document.body.appendChild(form);
  form.submit();
  // Violations are reported as events a moment after the refusal.
  Promise.all(tries).then(() => setTimeout(() => (window.done = true), 300));
</script>
</body></html>
`;

describeModes('docserver: a hostile docs page in Chromium', (mode) => {
  let t: TestForge;
  let docs: string;
  let browser: Browser;
  let context: BrowserContext;

  before(async function () {
    if (!haveChromium()) this.skip();
    this.timeout(120_000);
    const port = await freePort();
    docs = `http://localhost:${port}`;
    t = await createTestForge({ mode, listen: true, plugins: [{ name: '@pagurus/plugin-docserver', options: { doc_url: docs, port } }] });
    await t.createUser('alice');
    await t.createProject('alice', 'guide');
    const pushed = await pushTo(t, 'docs/guide', { user: 'alice', files: { 'xss.html': attack(t.url) } });
    assert.equal(pushed.code, 0, pushed.stderr);
    browser = await launchChromium();
    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  async function logIn(page: Page): Promise<void> {
    await page.goto(`${t.url}/login`);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('alice-password1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${t.url}/`);
  }

  it("cannot read the forge's cookies, call it with the visitor's session, or frame it", async function () {
    this.timeout(60_000);
    const page = await context.newPage();
    await logIn(page);
    assert.ok((await context.cookies(t.url)).length > 0, 'the visitor holds a forge session');
    const toDocs: Array<Record<string, string>> = [];
    page.on('request', (request) => {
      if (request.url().startsWith(docs)) void request.allHeaders().then((headers) => toDocs.push(headers));
    });
    const response = await page.goto(`${docs}/guide/xss.html`, { waitUntil: 'commit' });
    assert.equal(response?.status(), 200);
    await page.waitForFunction(() => (window as unknown as { done?: boolean }).done === true);
    const results = (await page.evaluate(() => (window as unknown as { results: unknown }).results)) as {
      cookie: string;
      fetch: string;
      image: string;
      violations: string[];
    };
    assert.equal(results.cookie, '', 'no cookie of the forge is readable');
    assert.equal(results.fetch, 'blocked');
    assert.equal(results.image, 'blocked');
    const refused = (directive: string) => results.violations.some((v) => v.startsWith(`${directive} ${t.url}`));
    for (const directive of ['connect-src', 'img-src', 'frame-src', 'form-action']) {
      assert.ok(refused(directive), `${directive} refused the forge: ${JSON.stringify(results.violations)}`);
    }
    assert.equal(page.url(), `${docs}/guide/xss.html`, 'the form never left the page');
    assert.ok(toDocs.length > 0 && toDocs.every((headers) => !('cookie' in headers)), 'the doc server never got a cookie');
    // Still logged in: the logout the page tried never reached the forge.
    const forge = await context.newPage();
    await forge.goto(`${t.url}/settings`);
    assert.equal(new URL(forge.url()).pathname, '/settings');
    await forge
      .getByRole('heading', { name: /settings/i })
      .first()
      .waitFor();
  });
});
