// Fedora's tools, each with the calls it makes: toddlers orphans a retired maintainer's
// package and takes them off it, then reads the extras; the-new-hotness reads the monitoring
// and probes dead.package; fedpkg forks a package.
import assert from 'node:assert/strict';
import { describeModes, pushTo } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';

type Lists = Record<string, Record<string, string[]>>;
type Poc = Record<string, Record<string, { fedora: string; epel: string; admin: string }>>;

describeModes('distgit: what Fedora tools call', (mode) => {
  let kit: Kit;

  before(async function () {
    this.timeout(180_000);
    kit = await Kit.start(mode);
    await kit.t.createUser('toddlers', { admin: true });
    await kit.package('leaving', 'maintainer', ['packager2']);
    await kit.call('maintainer', 'POST', '/_dg/bzoverrides/rpms/leaving', { fedora_assignee: 'packager2' });
    await kit.call('packager2', 'POST', '/api/0/rpms/leaving/watchers/update', { watcher: 'packager2', status: '3' });
    await kit.package('monitored');
    await kit.t.drainEvents();
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  it('toddlers: orphans the package, resets its overrides, takes packager2 off it, and the extras show it', async () => {
    const orphan = await kit.call(
      'toddlers',
      'POST',
      '/_dg/orphan/rpms/leaving',
      { orphan_reason: 'Other', orphan_reason_info: 'Inactive packager' },
      true,
    );
    assert.equal(orphan.status, 200, JSON.stringify(orphan.body));
    const reset = await kit.call('toddlers', 'POST', '/_dg/bzoverrides/rpms/leaving', { fedora_assignee: null, epel_assignee: null });
    assert.deepEqual(reset.body, { fedora_assignee: null, epel_assignee: null });
    const acl = await kit.call('toddlers', 'POST', '/api/0/rpms/leaving/git/modifyacls', { user_type: 'user', name: 'packager2' }, true);
    assert.equal(acl.status, 200, JSON.stringify(acl.body));
    const unwatch = await kit.call('toddlers', 'POST', '/api/0/rpms/leaving/watchers/update', { watcher: 'packager2', status: '-1' }, true);
    assert.equal(unwatch.status, 200, JSON.stringify(unwatch.body));
    await kit.t.drainEvents();

    const poc = (await (await kit.t.fetch('/extras/pagure_poc.json')).json()) as Poc;
    assert.deepEqual(poc.rpms!.leaving, { fedora: 'orphan', epel: 'orphan', admin: 'orphan' });
    const owners = (await (await kit.t.fetch('/extras/pagure_owner_alias.json')).json()) as Lists;
    assert.deepEqual(owners.rpms!.leaving, ['orphan']);
    const watchers = await kit.t.api<{ watchers: Record<string, string[]> }>('GET', '/api/0/rpms/leaving/watchers');
    assert.equal(watchers.body.watchers.packager2, undefined, 'packager2 watches nothing of it');
    // Built after all four changes (nothing read the extras in between).
    const bz = (await (await kit.t.fetch('/extras/pagure_bz.json')).json()) as Lists;
    assert.deepEqual(bz.rpms!.leaving, ['orphan']);
  });

  it('the-new-hotness: reads the monitoring, and finds dead.package by its raw and blob URLs once retired', async () => {
    await kit.call('maintainer', 'POST', '/_dg/anitya/rpms/monitored', { anitya_status: 'monitoring' });
    assert.deepEqual((await kit.t.api('GET', '/_dg/anitya/rpms/monitored')).body, { monitoring: 'monitoring' });
    const probe = async () => ({
      raw: (await kit.t.fetch('/rpms/monitored/raw/rawhide/f/dead.package', { headers: { Accept: 'text/plain' } })).status,
      blob: (await kit.t.fetch('/rpms/monitored/blob/rawhide/f/dead.package', { method: 'HEAD' })).status,
    });
    assert.deepEqual(await probe(), { raw: 404, blob: 404 });
    const pushed = await pushTo(kit.t, 'rpms/monitored', { user: 'maintainer', files: { 'dead.package': 'Retired: unmaintained\n' } });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.deepEqual(await probe(), { raw: 200, blob: 200 });
    assert.deepEqual((await kit.t.api('GET', '/_dg/actived/rpms/monitored')).body, { active: false });
  });

  it('fedpkg fork: a packager forks a package, and the fork is no package', async () => {
    const fork = await kit.call('packager2', 'POST', '/api/0/fork', { repo: 'monitored', namespace: 'rpms', wait: true });
    assert.equal(fork.status, 200, JSON.stringify(fork.body));
    assert.match(String(fork.body.message), /Repo "rpms\/monitored" cloned to "packager2\/rpms\/monitored"/);
    const forked = await kit.t.api<{ default: string }>('GET', '/api/0/fork/packager2/rpms/monitored/git/branches');
    assert.equal(forked.body.default, 'rawhide');
    const poc = (await (await kit.t.fetch('/extras/pagure_poc.json')).json()) as Poc;
    assert.deepEqual(Object.keys(poc.rpms!).sort(), ['leaving', 'monitored'], 'forks are not listed');
  });
});
