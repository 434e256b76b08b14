// The projectTabs hook: a plugin changes the tabs of a project's pages (dist-git points the
// Issues tab at Bugzilla). The fixture plugin drops Branches and adds Builds on tabbed-*.
// The branchBadges hook: it marks branches named old-* retired on the branches page.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, pushTo, type TestForge } from '../src/testing/index.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';

describeModes('the projectTabs hook', (mode) => {
  let t: TestForge;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN] });
    await t.createUser('alice');
    await t.createProject('alice', 'tabbed-one', { readme: true });
    await t.createProject('alice', 'untabbed', { readme: true });
  });
  after(() => t?.close());

  const tabs = async (pathname: string) => {
    const html = await (await t.fetch(pathname)).text();
    const nav = /<nav class="tabs"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
    return [...nav.matchAll(/<a href="([^"]*)" data-tab="([^"]+)"/g)].map(([, href, id]) => `${id} ${href}`);
  };

  it("shows the plugin's tabs on every page of the project", async () => {
    for (const page of ['/tabbed-one', '/tabbed-one/commits', '/tabbed-one/issues']) {
      assert.deepEqual(
        await tabs(page),
        [
          'overview /tabbed-one',
          'files /tabbed-one/tree',
          'commits /tabbed-one/commits',
          'issues /tabbed-one/issues',
          'pull-requests /tabbed-one/pull-requests',
          'builds https://ci.example.org/tabbed-one',
        ],
        page,
      );
    }
  });

  it('marks branches as the branchBadges hook says, on the page it shows', async () => {
    for (const branch of ['old-1', 'fresh']) {
      const pushed = await pushTo(t, 'untabbed', { user: 'alice', files: { [`${branch}.txt`]: branch }, branch });
      assert.equal(pushed.code, 0, pushed.stderr);
    }
    const html = await (await t.fetch('/untabbed/branches')).text();
    assert.match(html, /<a href="\/untabbed\/tree\/old-1">old-1<\/a> <span class="badge badge-muted">retired<\/span><\/td>/);
    assert.match(html, /<a href="\/untabbed\/tree\/fresh">fresh<\/a><\/td>/);
  });

  it("leaves other projects' tabs alone", async () => {
    assert.ok((await tabs('/untabbed')).includes('branches /untabbed/branches'));
    assert.ok(!(await tabs('/untabbed')).some((tab) => tab.startsWith('builds')));
  });
});
