// What a new package is: it starts on rawhide with main as its alias and no issue tracker,
// and it clones by every URL Fedora's tools use (with and without .git, and cgit's old one).
import assert from 'node:assert/strict';
import path from 'node:path';
import { cloneUrl, describeModes, gitOk, gitRun, tempDir } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';

describeModes('distgit: new packages and their URLs', (mode) => {
  let kit: Kit;

  before(async function () {
    this.timeout(180_000);
    kit = await Kit.start(mode);
    for (const [namespace, name] of [
      ['rpms', 'fresh'],
      ['other', 'plain'],
    ] as const) {
      const res = await kit.call('maintainer', 'POST', '/api/0/new', {
        name,
        namespace,
        description: name,
        create_readme: 'true',
        wait: 'true',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  it('starts a package on rawhide, with main as its alias and the issue tracker off; other projects as core makes them', async () => {
    assert.equal((await kit.t.api<{ default: string }>('GET', '/api/0/rpms/fresh/git/branches')).body.default, 'rawhide');
    assert.deepEqual((await kit.t.api('GET', '/api/0/rpms/fresh/git/alias')).body, { 'refs/heads/main': 'refs/heads/rawhide' });
    const options = await kit.call<{ settings: Record<string, unknown> }>('maintainer', 'GET', '/api/0/rpms/fresh/options');
    assert.equal(options.body.settings.issue_tracker, false);
    assert.equal((await kit.t.api<{ default: string }>('GET', '/api/0/other/plain/git/branches')).body.default, 'main');
    const plain = await kit.call<{ settings: Record<string, unknown> }>('maintainer', 'GET', '/api/0/other/plain/options');
    assert.equal(plain.body.settings.issue_tracker, true);
  });

  it("clones by /<ns>/<pkg>.git, /<ns>/<pkg> and cgit's /cgit/<ns>/<pkg>.git, and a push to main lands on rawhide", async () => {
    const root = await tempDir('pagurus-distgit-');
    for (const [dir, url] of [
      ['a', `${kit.t.url}/rpms/fresh.git`],
      ['b', `${kit.t.url}/rpms/fresh`],
      ['c', `${kit.t.url}/cgit/rpms/fresh.git`],
    ] as const) {
      const res = await gitRun(root, ['clone', '-q', url, dir]);
      assert.equal(res.code, 0, `${url}: ${res.stderr}`);
      assert.equal(await gitOk(path.join(root, dir), 'rev-parse', '--abbrev-ref', 'HEAD'), 'rawhide', url);
    }
    const work = path.join(root, 'a');
    await gitOk(work, 'config', 'user.name', 'Maintainer');
    await gitOk(work, 'config', 'user.email', 'maintainer@example.test');
    await gitOk(work, 'commit', '-q', '--allow-empty', '-m', 'Through the alias');
    const head = await gitOk(work, 'rev-parse', 'HEAD');
    await gitOk(work, 'push', '-q', cloneUrl(kit.t.url, 'rpms/fresh', { user: 'maintainer', secret: 'maintainer-password1' }), 'HEAD:main');
    const branches = await kit.t.api<{ branches: Record<string, string> }>('GET', '/api/0/rpms/fresh/git/branches?with_commits=1');
    assert.equal(branches.body.branches.rawhide, head);
  });

  it('never redirects /cgit off this host', async () => {
    const res = await kit.t.fetch('/cgit//evil.example/x', { redirect: 'manual' });
    assert.equal(res.status, 404);
    const ok = await kit.t.fetch('/cgit/rpms/fresh.git', { redirect: 'manual' });
    assert.deepEqual([ok.status, ok.headers.get('location')], [301, '/rpms/fresh.git']);
  });
});
