// A package's Issues tab goes to its Bugzilla product, and its overview says who Bugzilla
// assigns its bugs to, following the overrides.
import assert from 'node:assert/strict';
import { describeModes } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';

describeModes('distgit: Bugzilla in place of the issue tracker', (mode) => {
  let kit: Kit;

  before(async function () {
    this.timeout(180_000);
    kit = await Kit.start(mode, { bugzilla_url: 'https://bugzilla.example.org/' });
    await kit.package('vim', 'maintainer', ['packager2']);
    await kit.t.createProject('maintainer', 'tool', { namespace: 'other', readme: true });
    await kit.t.createProject('maintainer', 'smoke', { namespace: 'tests', readme: true });
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  const page = async (pathname: string) => (await kit.t.fetch(pathname)).text();
  // The href as a browser reads it (Handlebars escapes "=" and "&").
  const decode = (value: string) =>
    value.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replaceAll('&amp;', '&');
  const issuesTab = (html: string) => {
    const href = /<a href="([^"]*)" data-tab="issues"/.exec(html)?.[1];
    return href === undefined ? undefined : decode(href);
  };
  const panel = (html: string) =>
    (/<section class="panel" data-panel="distgit-bugzilla"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();

  it('points the Issues tab of a package at its product and component in Bugzilla, on every page', async () => {
    for (const pathname of ['/rpms/vim', '/rpms/vim/commits']) {
      assert.equal(
        issuesTab(await page(pathname)),
        'https://bugzilla.example.org/buglist.cgi?bug_status=__open__&product=Fedora&component=vim',
        pathname,
      );
    }
    assert.equal(issuesTab(await page('/other/tool')), '/other/tool/issues', 'other projects keep their tracker');
    assert.equal(issuesTab(await page('/tests/smoke')), undefined, 'tests have no product, and no tracker');
  });

  it('shows who the bugs are assigned to, per product, as the overrides say', async () => {
    assert.equal(panel(await page('/rpms/vim')), 'Bugzilla Fedora maintainer Fedora EPEL maintainer Open bugs in Bugzilla');
    const set = await kit.call('maintainer', 'POST', '/_dg/bzoverrides/rpms/vim', { epel_assignee: 'packager2' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(
      panel(await page('/rpms/vim')),
      'Bugzilla Fedora maintainer Fedora EPEL packager2 (set for this package) Open bugs in Bugzilla',
    );
    assert.equal(panel(await page('/other/tool')), '');
  });
});
