// A package's overview for people: who maintains it, its monitoring, orphaning and taking it,
// the Bugzilla assignee, retirement, links; forms that work without JavaScript, and say what
// they did (or why not) on the next page.
import assert from 'node:assert/strict';
import { describeModes, PageClient, pushTo } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';

describeModes('distgit: the package overview', (mode) => {
  let kit: Kit;

  before(async function () {
    this.timeout(180_000);
    kit = await Kit.start(mode);
    await kit.package('web', 'maintainer', ['packager2']);
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  const text = (html: string, panel: string) =>
    (new RegExp(`<section class="panel" data-panel="${panel}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? '')
      .replace(/<(option)[^>]*>[^<]*<\/option>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const browser = async (user?: string) => {
    const client = new PageClient(kit.t);
    if (user) await client.logIn(user);
    return client;
  };
  // Attributes as a browser reads them (Handlebars escapes "=" and "&").
  const decoded = (html: string) =>
    html.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replaceAll('&amp;', '&');
  const flash = (html: string) => /<p class="flash" role="status">([^<]*)<\/p>/.exec(html)?.[1];
  const monitoring = async () => ((await kit.t.api('GET', '/_dg/anitya/rpms/web')).body as { monitoring: string }).monitoring;

  it('shows anyone who maintains the package, its monitoring and its links, with no forms', async () => {
    const html = (await (await browser()).get('/rpms/web')).html;
    assert.equal(
      text(html, 'distgit-package'),
      'Package Maintained by maintainer Monitoring No monitoring Builds in Koji Updates in Bodhi Fedora Packages Koschei',
    );
    assert.doesNotMatch(html, /action="\/rpms\/web\/distgit\//);
    assert.match(decoded(html), /href="https:\/\/koji\.fedoraproject\.org\/koji\/search\?terms=web&type=package&match=exact"/);
  });

  it('lets a committer set the monitoring, and tells a stranger why not', async () => {
    const packager = await browser('packager2');
    const set = await packager.submit('/rpms/web/distgit/monitoring', { anitya_status: 'monitoring-stable' }, '/rpms/web');
    assert.deepEqual([set.status, set.location], [302, '/rpms/web']);
    const after = (await packager.get('/rpms/web')).html;
    assert.equal(flash(after), 'Monitoring set: Stable versions only');
    assert.match(after, /<option value="monitoring-stable" selected>/);
    assert.equal(await monitoring(), 'monitoring-stable');

    const stranger = await browser('outsider');
    const refused = await stranger.submit('/rpms/web/distgit/monitoring', { anitya_status: 'no-monitoring' }, '/rpms/web');
    assert.equal(refused.status, 302);
    assert.equal(flash((await stranger.get('/rpms/web')).html), 'You are not allowed to modify this project');
    assert.equal(await monitoring(), 'monitoring-stable');
  });

  it('sets the Bugzilla assignee from its form, for admins', async () => {
    const maintainer = await browser('maintainer');
    assert.match((await maintainer.get('/rpms/web')).html, /Change the Bugzilla assignee/);
    await maintainer.submit('/rpms/web/distgit/bzoverrides', { fedora_assignee: 'packager2', epel_assignee: '' }, '/rpms/web');
    const html = (await maintainer.get('/rpms/web')).html;
    assert.equal(flash(html), 'Bugzilla assignees updated');
    assert.match(
      text(html, 'distgit-bugzilla'),
      /^Bugzilla Fedora packager2 \(set for this package\) Fedora EPEL maintainer Open bugs in Bugzilla/,
    );
    assert.doesNotMatch(
      (await (await browser('packager2')).get('/rpms/web')).html,
      /Change the Bugzilla assignee/,
      'committers are no admins',
    );
  });

  it('orphans the package from its form, and another packager takes it with the button', async () => {
    const maintainer = await browser('maintainer');
    const orphaned = await maintainer.submit(
      '/rpms/web/distgit/orphan',
      { orphan_reason: 'Lack of time', orphan_reason_info: 'New job' },
      '/rpms/web',
    );
    assert.equal(orphaned.status, 302);
    const after = (await maintainer.get('/rpms/web')).html;
    assert.equal(flash(after), 'rpms/web is orphaned');
    // Any packager may take it, the former maintainer too.
    assert.match(text(after, 'distgit-package'), /^Package Orphaned for: Lack of time — New job Take this package Monitoring/);

    assert.doesNotMatch((await (await browser('outsider')).get('/rpms/web')).html, /Take this package/, 'not a packager');
    const taker = await browser('packager2');
    assert.match((await taker.get('/rpms/web')).html, /Take this package/);
    const taken = await taker.submit('/rpms/web/distgit/take', {}, '/rpms/web');
    assert.equal(taken.status, 302);
    const mine = (await taker.get('/rpms/web')).html;
    assert.equal(flash(mine), 'You maintain rpms/web now');
    assert.match(text(mine, 'distgit-package'), /^Package Maintained by packager2/);
  });

  it('marks retired branches on the branches page', async () => {
    const pushed = await pushTo(kit.t, 'rpms/web', { user: 'packager2', files: { 'dead.package': 'EOL\n' }, branch: 'f38' });
    assert.equal(pushed.code, 0, pushed.stderr);
    const html = (await (await browser()).get('/rpms/web/branches')).html;
    assert.match(html, /<a href="\/rpms\/web\/tree\/f38">f38<\/a> <span class="badge badge-muted">retired<\/span><\/td>/);
    assert.match(html, /<a href="\/rpms\/web\/tree\/rawhide">rawhide<\/a> <span class="badge">default<\/span><\/td>/, 'rawhide is active');
  });

  it('marks a retired package, with the way to ask for it back', async () => {
    const pushed = await pushTo(kit.t, 'rpms/web', { user: 'packager2', files: { 'dead.package': 'Retired\n' } });
    assert.equal(pushed.code, 0, pushed.stderr);
    const html = (await (await browser()).get('/rpms/web')).html;
    assert.match(text(html, 'distgit-package'), /Retired : this package is no longer built\. Ask release engineering to unretire it/);
    assert.match(decoded(html), /href="https:\/\/pagure\.io\/releng\/new_issue\?title=Unretire%20rpms\/web&template=package_unretirement"/);
  });
});
