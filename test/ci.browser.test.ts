// Pagure CI on Jenkins, as a committer sees it on the pull-request page in Chromium: Jenkins'
// pending flag, then its success flag once the build finished (reloading the page), and
// "merge when ready" on a project that requires its CI: the button, the page saying it waits
// for Jenkins, and the pull request merged once Jenkins passed. Each page passes axe.
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestForge, describeModes, eventually, pushTo, type TestForge } from '@pagurus/core/testing';
import { JenkinsStandIn } from '../plugins/ci-jenkins/test/support/jenkins.js';
import { assertAccessible, haveChromium, launchChromium, watchProblems } from './support/browser.js';

describeModes('Jenkins on the pull-request page in Chromium', (mode) => {
  let t: TestForge;
  let jenkins: JenkinsStandIn;
  let browser: Browser;
  let auth: Record<string, string>;
  let made = 0;
  const jobs: Record<string, { token?: string }> = {};
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  before(async function () {
    if (!haveChromium()) this.skip();
    this.timeout(120_000);
    jenkins = await new JenkinsStandIn({ users: { jenkins: 'api-token-1' }, csrf: true, jobs }).start();
    t = await createTestForge({
      mode,
      listen: true,
      plugins: [{ name: '@pagurus/plugin-ci-jenkins', options: { attempts: 2, backoff_ms: 50, timeout_ms: 2000 } }],
    });
    await t.createUser('alice');
    auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
    await jenkins?.stop();
  });

  afterEach(() => assert.deepEqual(problems.splice(0), [], 'pages reported errors'));

  async function logIn(user: string): Promise<Page> {
    const context = await browser.newContext({ baseURL: t.url, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    watchProblems(page, problems);
    await page.goto('/login');
    await assertAccessible(page, 'login page');
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(`${user}-password1`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${t.url}/`);
    return page;
  }

  /** A project whose CI is Jenkins, required to merge, and a pull request Jenkins is building. */
  async function openPr() {
    const name = `ci${++made}`;
    const job = `job-${name}`;
    await t.createProject('alice', name, { readme: true });
    const set = await t.api<{ settings: { pagure_ci_token: string } }>(
      'POST',
      `/api/0/${name}/plugins/ci-jenkins`,
      { ci_url: jenkins.url, ci_job: job, ci_username: 'jenkins', ci_password: 'api-token-1', require_ci: true },
      auth,
    );
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const token = set.body.settings.pagure_ci_token;
    jobs[job] = { token };
    const pushed = await pushTo(t, name, { user: 'alice', files: { 'feature.txt': 'new\n' }, branch: 'feature' });
    assert.equal(pushed.code, 0, pushed.stderr);
    const pr = await t.api<{ id: number }>(
      'POST',
      `/api/0/${name}/pull-request/new`,
      { title: 'Feature', branch_to: 'main', branch_from: 'feature' },
      auth,
    );
    assert.equal(pr.status, 200, JSON.stringify(pr.body));
    const trigger = await eventually(() => jenkins.triggers.find((tr) => tr.job === job), 'the build');
    const callback = `${t.url}/api/0/ci/jenkins/${name}/${token}/build-finished`;
    const finish = async () => {
      jenkins.finish(job, trigger.build, 'SUCCESS');
      assert.equal((await jenkins.notify(callback, job, trigger.build, 'FINALIZED')).status, 200);
    };
    return { path: `/${name}/pull-request/${pr.body.id}`, job, build: trigger.build, finish };
  }

  /** Jenkins' flag as the page lists it: its status, then "Jenkins: <comment>". */
  const flag = (page: Page, status: string, comment: string) =>
    page.locator('.flags li').filter({ has: page.getByText(status, { exact: true }), hasText: `Jenkins: ${comment}` });
  /** Reloads the page until it shows the flag (the page does not update flags live). */
  const reloadUntilFlag = (page: Page, status: string, comment: string) =>
    eventually(async () => {
      await page.reload();
      return flag(page, status, comment).isVisible();
    }, `the ${status} flag`);

  it("shows Jenkins' pending flag, then its success flag once the build finished", async function () {
    this.timeout(90_000);
    const p = await openPr();
    const page = await logIn('alice');
    await page.goto(p.path);
    await reloadUntilFlag(page, 'pending', 'Build requested');
    const panel = page.locator('[data-panel="ci-jenkins"]');
    assert.ok(await panel.getByText('Built by Jenkins; merge when ready waits for it to pass.', { exact: true }).isVisible());
    assert.ok(await panel.getByRole('button', { name: 'Rebuild' }).isVisible());
    await assertAccessible(page, 'pull request, Jenkins pending');

    await p.finish();
    await reloadUntilFlag(page, 'success', `Build #${p.build} successful`);
    assert.equal(await flag(page, 'pending', 'Build requested').count(), 0, 'one flag, updated');
    const link = page.locator('.flags').getByRole('link', { name: 'Jenkins' });
    assert.equal(await link.getAttribute('href'), `${jenkins.url}job/${p.job}/${p.build}/`);
    assert.ok(await page.getByRole('button', { name: 'Merge when ready' }).isVisible(), 'still open: nobody asked to merge');
    await assertAccessible(page, 'pull request, Jenkins passed');
  });

  it('merges when ready, as a committer asked, once Jenkins passed', async function () {
    this.timeout(90_000);
    const p = await openPr();
    const page = await logIn('alice');
    await page.goto(p.path);
    await reloadUntilFlag(page, 'pending', 'Build requested');
    await page.getByRole('button', { name: 'Merge when ready' }).click();
    await page.waitForURL(`${t.url}${p.path}#merge-box`);
    const waiting = page.getByText('Merges when ready, as alice asked: waiting for Jenkins to pass.', { exact: true });
    assert.ok(await waiting.isVisible(), 'the page says what it waits for');
    assert.ok(await page.getByRole('button', { name: 'Cancel merge when ready' }).isVisible());
    assert.ok(await page.locator('.ticket-head').getByText('Open', { exact: true }).isVisible(), 'not merged yet');
    await assertAccessible(page, 'pull request, merge when ready set');

    await p.finish();
    await eventually(async () => {
      await page.reload();
      return page.locator('.ticket-head').getByText('Merged', { exact: true }).isVisible();
    }, 'the merge');
    assert.match(await page.locator('.ticket-head').innerText(), /alice merged 1 commit into main/);
    assert.ok(await flag(page, 'success', `Build #${p.build} successful`).isVisible());
    assert.equal(await waiting.count(), 0);
    await assertAccessible(page, 'pull request, merged');
  });
});
