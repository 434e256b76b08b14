// dist-git's push policy, with the real git client over HTTP: packagers push to supported
// branches of the packages they maintain; nobody deletes or rewrites a branch; only
// packagers are given commit access, and a grant gives nothing to someone who left the group; provenpackagers push to every
// package but the exempt ones; release engineering pushes everywhere; bodhi's hascommit
// says the same.
import assert from 'node:assert/strict';
import { cloneUrl, describeModes, gitOk, gitRun, tempDir } from '@pagurus/core/testing';
import path from 'node:path';
import { Kit } from './support/forge.js';

describeModes('distgit: who may push what', (mode) => {
  let kit: Kit;
  let work: string;
  const push = (user: string, ...args: string[]) =>
    gitRun(work, ['push', cloneUrl(kit.t.url, 'rpms/policy', { user, secret: `${user}-password1` }), ...args]);

  before(async function () {
    this.timeout(180_000);
    kit = await Kit.start(mode);
    // former gets commit access as a packager, then leaves the group.
    await kit.package('policy', 'maintainer', ['former']);
    const services = kit.t.forge.services;
    await services.groups.removeMember(null, (await services.groups.byName('packager'))!, 'former');
    await kit.t.createProject('maintainer', 'free', { namespace: 'other', readme: true });
    work = path.join(await tempDir('pagurus-distgit-'), 'policy');
    await gitOk(path.dirname(work), 'clone', '-q', cloneUrl(kit.t.url, 'rpms/policy'), work);
    await gitOk(work, 'config', 'user.name', 'Packager');
    await gitOk(work, 'config', 'user.email', 'packager@example.test');
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  const commit = async (message: string) => {
    await gitOk(work, 'commit', '-q', '--allow-empty', '-m', message);
    return gitOk(work, 'rev-parse', 'HEAD');
  };
  const remote = async (branch: string) =>
    (await gitRun(work, ['ls-remote', cloneUrl(kit.t.url, 'rpms/policy'), `refs/heads/${branch}`])).stdout.split('\t')[0] ?? '';

  it('lets the maintainer push to the supported branches, and refuses others with the list', async () => {
    await commit('Spec update');
    for (const branch of ['rawhide', 'f41', 'epel9', 'epel10.1', 'main']) {
      const res = await push('maintainer', `HEAD:refs/heads/${branch}`);
      assert.equal(res.code, 0, `${branch}: ${res.stderr}`);
    }
    const refused = await push('maintainer', 'HEAD:refs/heads/foo');
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /refs\/heads\/foo: pushes to this branch are not allowed; supported branches are rawhide, main, f\[0-9\]\+, epel\[0-9\]\+, epel\[0-9\]\+\\\.\[0-9\]\+/,
    );
    assert.equal(await remote('foo'), '');
  });

  it('refuses forced pushes and branch deletions, and keeps the branch where it was', async () => {
    const kept = await remote('f41');
    await gitOk(work, 'commit', '-q', '--amend', '--allow-empty', '-m', 'Spec update, rewritten');
    const forced = await push('maintainer', '--force', 'HEAD:refs/heads/f41');
    assert.notEqual(forced.code, 0);
    assert.match(forced.stderr, /refs\/heads\/f41: forced pushes are not allowed on dist-git/);
    const deleted = await push('maintainer', ':refs/heads/f41');
    assert.notEqual(deleted.code, 0);
    assert.match(deleted.stderr, /refs\/heads\/f41: branches of packages are never deleted on dist-git/);
    assert.equal(await remote('f41'), kept);
    await gitOk(work, 'reset', '-q', '--hard', kept);
  });

  it('gives commit access to packagers only, and a grant nothing once its holder leaves the group', async () => {
    const refused = await kit.call('maintainer', 'POST', '/api/0/rpms/policy/git/modifyacls', {
      user_type: 'user',
      name: 'outsider',
      acl: 'commit',
    });
    assert.deepEqual(
      [refused.status, refused.body],
      [400, { error: 'outsider is not in the packager group: only packagers may commit to packages', error_code: 'ENOCODE' }],
    );
    const ticket = await kit.call('maintainer', 'POST', '/api/0/rpms/policy/git/modifyacls', {
      user_type: 'user',
      name: 'outsider',
      acl: 'ticket',
    });
    assert.equal(ticket.status, 200, "lower levels are anyone's");
    await commit('By someone');
    const former = await push('former', 'HEAD:refs/heads/rawhide');
    assert.notEqual(former.code, 0, 'former holds a commit grant but is no packager any more');
  });

  it('lets provenpackagers and releng push without a grant', async () => {
    const head = await commit('By a provenpackager');
    assert.equal((await push('proven', 'HEAD:refs/heads/rawhide')).code, 0);
    assert.equal(await remote('rawhide'), head);
    await commit('By release engineering');
    assert.equal((await push('releng1', 'HEAD:refs/heads/rawhide')).code, 0);
    assert.notEqual((await push('packager2', 'HEAD:refs/heads/rawhide')).code, 0, 'a packager who does not maintain it');
  });

  it('keeps provenpackagers out of an exempt package, but not release engineering', async () => {
    const refused = await kit.call('maintainer', 'POST', '/_dg/provenpackager_exempt/rpms/policy', { exempt: true });
    assert.equal(refused.status, 403, 'the maintainer may not decide it');
    const set = await kit.call('releng1', 'POST', '/_dg/provenpackager_exempt/rpms/policy', { exempt: true });
    assert.deepEqual([set.status, set.body], [200, { exempt: true }]);
    assert.deepEqual((await kit.call(null, 'GET', '/_dg/provenpackager_exempt/rpms/policy')).body, { exempt: true });
    await commit('By a provenpackager, after the exemption');
    assert.notEqual((await push('proven', 'HEAD:refs/heads/rawhide')).code, 0);
    assert.equal((await push('releng1', 'HEAD:refs/heads/rawhide')).code, 0);
    assert.deepEqual((await kit.call('releng1', 'POST', '/_dg/provenpackager_exempt/rpms/policy', { exempt: 'maybe' })).status, 400);
    await kit.call('releng1', 'POST', '/_dg/provenpackager_exempt/rpms/policy', { exempt: false });
    const head = await commit('By a provenpackager, exemption lifted');
    assert.equal((await push('proven', 'HEAD:refs/heads/rawhide')).code, 0, 'allowed again');
    assert.equal(await remote('rawhide'), head);
  });

  it("answers bodhi's hascommit as pushes are decided", async () => {
    const hascommit = async (user: string) =>
      (await kit.t.api<{ hascommit: boolean }>('GET', `/api/0/rpms/policy/hascommit?user=${user}&branch=rawhide`)).body.hascommit;
    assert.deepEqual(
      {
        maintainer: await hascommit('maintainer'),
        proven: await hascommit('proven'),
        releng1: await hascommit('releng1'),
        packager2: await hascommit('packager2'),
        outsider: await hascommit('outsider'),
        former: await hascommit('former'),
      },
      { maintainer: true, proven: true, releng1: true, packager2: false, outsider: false, former: false },
    );
  });

  it('leaves projects outside the dist-git namespaces to core', async () => {
    const dir = path.join(await tempDir('pagurus-distgit-'), 'free');
    await gitOk(path.dirname(dir), 'clone', '-q', cloneUrl(kit.t.url, 'other/free'), dir);
    await gitOk(dir, 'commit', '-q', '--allow-empty', '-m', 'Anything goes');
    const res = await gitRun(dir, [
      'push',
      cloneUrl(kit.t.url, 'other/free', { user: 'maintainer', secret: 'maintainer-password1' }),
      'HEAD:refs/heads/foo',
    ]);
    assert.equal(res.code, 0, res.stderr);
  });
});
