// The /_dg endpoints as their clients call them: the-new-hotness and fedpkg (monitoring),
// toddlers (orphan, Bugzilla overrides), the theme and release engineering (take, give),
// with Pagure's tokens and error JSON, and who may and may not call each.
import assert from 'node:assert/strict';
import { describeModes, PageClient, pushTo } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';

describeModes('distgit: the /_dg endpoints', (mode) => {
  let kit: Kit;

  before(async function () {
    this.timeout(180_000);
    kit = await Kit.start(mode);
    await kit.package('monitored', 'maintainer', ['packager2']);
    await kit.package('assigned', 'maintainer', ['packager2']);
    await kit.package('abandoned', 'maintainer', ['packager2']);
    await kit.package('retired');
    await kit.t.createProject('maintainer', 'elsewhere', { namespace: 'other', readme: true });
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  it('anitya: anyone reads the monitoring; committers set one of the seven statuses, by form or JSON', async () => {
    assert.deepEqual((await kit.call(null, 'GET', '/_dg/anitya/rpms/monitored')).body, { monitoring: 'no-monitoring' });
    const byForm = await kit.call('packager2', 'POST', '/_dg/anitya/rpms/monitored', { anitya_status: 'monitoring-with-scratch' }, true);
    assert.equal(byForm.status, 200, JSON.stringify(byForm.body));
    assert.deepEqual(byForm.body, { monitoring: 'monitoring-with-scratch' });
    assert.deepEqual((await kit.call(null, 'GET', '/_dg/anitya/rpms/monitored')).body, { monitoring: 'monitoring-with-scratch' });
    const byJson = await kit.call('maintainer', 'POST', '/_dg/anitya/rpms/monitored', { anitya_status: 'monitoring-stable' });
    assert.deepEqual(byJson.body, { monitoring: 'monitoring-stable' });

    const bad = await kit.call('maintainer', 'POST', '/_dg/anitya/rpms/monitored', { anitya_status: 'sometimes' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'EINVALIDREQ');
    assert.match(String((bad.body.errors as Record<string, string[]>).anitya_status), /Not a valid choice/);
    const stranger = await kit.call('outsider', 'POST', '/_dg/anitya/rpms/monitored', { anitya_status: 'no-monitoring' });
    assert.deepEqual([stranger.status, stranger.body.error_code], [401, 'EMODIFYPROJECTNOTALLOWED']);
    const anonymous = await kit.call(null, 'POST', '/_dg/anitya/rpms/monitored', { anitya_status: 'no-monitoring' });
    assert.deepEqual([anonymous.status, anonymous.body.error_code], [401, 'EINVALIDTOK']);
    const weak = await kit.t.api(
      'POST',
      '/_dg/anitya/rpms/monitored',
      { anitya_status: 'no-monitoring' },
      {
        Authorization: `token ${await kit.token('maintainer', ['issue_create'])}`,
      },
    );
    assert.deepEqual([weak.status, weak.body.error_code], [401, 'EINVALIDTOK']);
    assert.deepEqual(
      (await kit.call(null, 'GET', '/_dg/anitya/rpms/monitored')).body,
      { monitoring: 'monitoring-stable' },
      'refusals changed nothing',
    );

    for (const path of ['/_dg/anitya/rpms/nosuch', '/_dg/anitya/other/elsewhere']) {
      const missing = await kit.call('outsider', 'GET', path);
      assert.deepEqual([missing.status, missing.body.error_code], [404, 'ENOPROJECT'], path);
    }
  });

  it("takes the theme's calls with the browser's session and its form token, and refuses them without it", async () => {
    const browser = new PageClient(kit.t);
    await browser.logIn('packager2');
    const post = (headers: Record<string, string>) =>
      browser.request('/_dg/anitya/rpms/monitored', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ anitya_status: 'monitoring-all' }),
      });
    assert.equal((await post({})).status, 400, 'no form token');
    const { token } = await browser.getForm('/settings');
    const ok = await post({ 'X-CSRF-Token': token });
    assert.deepEqual([ok.status, JSON.parse(ok.html)], [200, { monitoring: 'monitoring-all' }]);
    const stranger = new PageClient(kit.t);
    await stranger.logIn('outsider');
    const refused = await stranger.request('/_dg/anitya/rpms/monitored', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': (await stranger.getForm('/settings')).token },
      body: JSON.stringify({ anitya_status: 'no-monitoring' }),
    });
    assert.deepEqual([refused.status, (JSON.parse(refused.html) as { error_code: string }).error_code], [401, 'EMODIFYPROJECTNOTALLOWED']);
  });

  it('bzoverrides: admins set a committer or an @group per product; empty resets; a key left out stays', async () => {
    assert.deepEqual((await kit.call(null, 'GET', '/_dg/bzoverrides/rpms/assigned')).body, { fedora_assignee: null, epel_assignee: null });
    const set = await kit.call('maintainer', 'POST', '/_dg/bzoverrides/rpms/assigned', {
      fedora_assignee: 'packager2',
      epel_assignee: '@packager',
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body, { fedora_assignee: 'packager2', epel_assignee: '@packager' });
    const partial = await kit.call('maintainer', 'POST', '/_dg/bzoverrides/rpms/assigned', { epel_assignee: '' }, true);
    assert.deepEqual(partial.body, { fedora_assignee: 'packager2', epel_assignee: null });
    assert.deepEqual((await kit.call(null, 'GET', '/_dg/bzoverrides/rpms/assigned')).body, {
      fedora_assignee: 'packager2',
      epel_assignee: null,
    });

    for (const [body, field, message] of [
      [{ fedora_assignee: 'ghost' }, 'fedora_assignee', /No such user: ghost/],
      [{ fedora_assignee: 'outsider' }, 'fedora_assignee', /outsider does not have commit access to rpms\/assigned/],
      [{ epel_assignee: '@nosuchgroup' }, 'epel_assignee', /No such group: nosuchgroup/],
      [{ epel_assignee: 42 }, 'epel_assignee', /Not a user name or @group/],
    ] as const) {
      const refused = await kit.call('maintainer', 'POST', '/_dg/bzoverrides/rpms/assigned', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error_code, 'EINVALIDREQ');
      assert.match(String((refused.body.errors as Record<string, string[]>)[field]), message);
    }
    const committer = await kit.call('packager2', 'POST', '/_dg/bzoverrides/rpms/assigned', { fedora_assignee: '' });
    assert.deepEqual([committer.status, committer.body.error_code], [401, 'EMODIFYPROJECTNOTALLOWED'], 'committers are no admins');
    assert.deepEqual((await kit.call(null, 'GET', '/_dg/bzoverrides/rpms/assigned')).body, {
      fedora_assignee: 'packager2',
      epel_assignee: null,
    });
    const reset = await kit.call('maintainer', 'POST', '/_dg/bzoverrides/rpms/assigned', { fedora_assignee: null, epel_assignee: null });
    assert.deepEqual(reset.body, { fedora_assignee: null, epel_assignee: null });
  });

  it('orphan, take_orphan and give_orphan: the main admin moves to orphan and back to a packager, with the reason kept meanwhile', async () => {
    const pkg = 'rpms/abandoned';
    assert.deepEqual((await kit.call(null, 'GET', `/_dg/orphan/${pkg}`)).body, { orphan: false, reason: '', reason_info: '' });
    const refused = await kit.call('packager2', 'POST', `/_dg/orphan/${pkg}`, { orphan_reason: 'Lack of time' });
    assert.deepEqual([refused.status, refused.body.error_code], [401, 'EMODIFYPROJECTNOTALLOWED'], 'a committer may not orphan');
    const badReason = await kit.call('maintainer', 'POST', `/_dg/orphan/${pkg}`, { orphan_reason: 'Bored' });
    assert.equal(badReason.status, 400);
    assert.match(String((badReason.body.errors as Record<string, string[]>).orphan_reason), /Not a valid choice/);
    assert.equal(await kit.owner(pkg), 'maintainer', 'refusals changed nothing');

    // toddlers sends a form; the theme's modal, JSON.
    const orphaned = await kit.call(
      'maintainer',
      'POST',
      `/_dg/orphan/${pkg}`,
      { orphan_reason: 'Lack of time', orphan_reason_info: 'New job' },
      true,
    );
    assert.equal(orphaned.status, 200, JSON.stringify(orphaned.body));
    assert.deepEqual(orphaned.body, { orphan: true, reason: 'Lack of time', reason_info: 'New job' });
    assert.equal(await kit.owner(pkg), 'orphan');
    assert.deepEqual((await kit.call(null, 'GET', `/_dg/orphan/${pkg}`)).body, {
      orphan: true,
      reason: 'Lack of time',
      reason_info: 'New job',
    });
    // Release engineering's scripts list orphans by owner.
    const orphans = await kit.call<{ projects: Array<{ fullname: string }> }>(null, 'GET', '/api/0/projects?owner=orphan&namespace=rpms');
    assert.deepEqual(
      orphans.body.projects.map((p) => p.fullname),
      ['rpms/abandoned'],
    );

    const notPackager = await kit.call('outsider', 'POST', `/_dg/take_orphan/${pkg}`);
    assert.equal(notPackager.status, 403);
    assert.match(String(notPackager.body.error), /Only members of the packager group may take orphaned packages/);
    const taken = await kit.call('packager2', 'POST', `/_dg/take_orphan/${pkg}`);
    assert.deepEqual([taken.status, taken.body], [200, { point_of_contact: 'packager2' }]);
    assert.equal(await kit.owner(pkg), 'packager2');
    assert.deepEqual((await kit.call(null, 'GET', `/_dg/orphan/${pkg}`)).body, { orphan: false, reason: '', reason_info: '' });
    const again = await kit.call('maintainer', 'POST', `/_dg/take_orphan/${pkg}`);
    assert.deepEqual([again.status, again.body.error], [400, 'This package is not orphaned']);

    // Release engineering orphans any package, and gives orphans to packagers only.
    const byReleng = await kit.call('releng1', 'POST', `/_dg/orphan/${pkg}`, { orphan_reason: 'Orphaned by releng' });
    assert.equal(byReleng.status, 200, JSON.stringify(byReleng.body));
    const notReleng = await kit.call('maintainer', 'POST', `/_dg/give_orphan/${pkg}`, { user: 'maintainer' });
    assert.equal(notReleng.status, 403);
    const toOutsider = await kit.call('releng1', 'POST', `/_dg/give_orphan/${pkg}`, { user: 'outsider' });
    assert.equal(toOutsider.status, 400);
    assert.match(String((toOutsider.body.errors as Record<string, string[]>).user), /outsider is not a member of the packager group/);
    assert.deepEqual((await kit.call('releng1', 'POST', `/_dg/give_orphan/${pkg}`, { user: 'ghost' })).body.error_code, 'ENOUSER');
    const given = await kit.call('releng1', 'POST', `/_dg/give_orphan/${pkg}`, { user: 'maintainer' });
    assert.deepEqual([given.status, given.body], [200, { point_of_contact: 'maintainer' }]);
    assert.equal(await kit.owner(pkg), 'maintainer');
  });

  it('orphan: without the orphan user, says so and changes nothing', async () => {
    const other = await Kit.start(mode, { orphan_user: 'nobody-here' });
    try {
      await other.package('lonely');
      const res = await other.call('maintainer', 'POST', '/_dg/orphan/rpms/lonely', { orphan_reason: 'Other' });
      assert.equal(res.status, 400);
      assert.match(String(res.body.error), /The user "nobody-here" that orphaned packages go to does not exist/);
      assert.equal(await other.owner('rpms/lonely'), 'maintainer');
    } finally {
      await other.close();
    }
  });

  it('actived: a package is active until dead.package lands on its default branch', async () => {
    assert.deepEqual((await kit.call(null, 'GET', '/_dg/actived/rpms/retired')).body, { active: true });
    const pushed = await pushTo(kit.t, 'rpms/retired', {
      user: 'maintainer',
      files: { 'dead.package': 'Retired: no longer maintained\n' },
    });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.deepEqual((await kit.call(null, 'GET', '/_dg/actived/rpms/retired')).body, { active: false });
  });

  it('answers unknown paths and methods under /_dg with Pagure error JSON', async () => {
    const unknown = await kit.call(null, 'GET', '/_dg/nothing/rpms/retired');
    assert.equal(unknown.status, 404);
    assert.equal(typeof unknown.body.error_code, 'string');
    assert.equal((await kit.call(null, 'PUT', '/_dg/anitya/rpms/retired')).status, 405);
  });
});
