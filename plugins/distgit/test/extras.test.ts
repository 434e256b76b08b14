// The extras files as toddlers, the Bugzilla sync and the mail aliases read them: live from
// the database, with an ETag, changed at once by the plugin's own changes and as soon as the
// event log is read for core's (access, owners).
import assert from 'node:assert/strict';
import { describeModes, eventually } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';

type Poc = Record<string, Record<string, { fedora: string; epel: string; admin: string }>>;
type Lists = Record<string, Record<string, string[]>>;

describeModes('distgit: the extras files', (mode) => {
  let kit: Kit;
  const get = async <T>(file: string, etag?: string) => {
    const res = await kit.t.fetch(`/extras/${file}`, { headers: etag ? { 'If-None-Match': etag } : {} });
    return {
      status: res.status,
      etag: res.headers.get('etag') ?? '',
      type: res.headers.get('content-type') ?? '',
      body: res.status === 200 ? ((await res.json()) as T) : undefined,
    };
  };

  before(async function () {
    this.timeout(180_000);
    kit = await Kit.start(mode);
    await kit.package('bash', 'maintainer', ['packager2']);
    await kit.package('zsh', 'packager2');
    await kit.t.createProject('maintainer', 'notapackage', { namespace: 'other', readme: true });
    // A group with commit access, a watcher of issues, a forked copy (not a package).
    const group = await kit.call('maintainer', 'POST', '/api/0/rpms/bash/git/modifyacls', {
      user_type: 'group',
      name: 'provenpackager',
      acl: 'commit',
    });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    await kit.call('outsider', 'POST', '/api/0/rpms/bash/watchers/update', { watcher: 'outsider', status: '1' });
    await kit.call('outsider', 'POST', '/api/0/fork', { repo: 'bash', namespace: 'rpms' });
    await kit.t.drainEvents();
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  it('pagure_poc.json: each package of each namespace with its point of contact per product and its main admin', async () => {
    const poc = await get<Poc>('pagure_poc.json');
    assert.equal(poc.status, 200);
    assert.match(poc.type, /application\/json/);
    assert.deepEqual(Object.keys(poc.body!).sort(), ['container', 'flatpaks', 'modules', 'rpms', 'tests']);
    assert.deepEqual(poc.body!.rpms, {
      bash: { fedora: 'maintainer', epel: 'maintainer', admin: 'maintainer' },
      zsh: { fedora: 'packager2', epel: 'packager2', admin: 'packager2' },
    });
  });

  it('pagure_bz.json and pagure_owner_alias.json: who is copied on bugs, and who owns each package', async () => {
    assert.deepEqual((await get<Lists>('pagure_bz.json')).body!.rpms, {
      bash: ['@provenpackager', 'maintainer', 'outsider', 'packager2'],
      zsh: ['packager2'],
    });
    assert.deepEqual((await get<Lists>('pagure_owner_alias.json')).body!.rpms, { bash: ['maintainer', 'packager2'], zsh: ['packager2'] });
  });

  it("answers 304 to the ETag it gave, and a new file at once after the plugin's own change", async () => {
    const first = await get<Poc>('pagure_poc.json');
    assert.ok(first.etag);
    assert.equal((await get('pagure_poc.json', first.etag)).status, 304);
    const set = await kit.call('maintainer', 'POST', '/_dg/bzoverrides/rpms/bash', { epel_assignee: 'packager2' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const changed = await get<Poc>('pagure_poc.json', first.etag);
    assert.equal(changed.status, 200, 'no waiting: the change moved the version in its transaction');
    assert.notEqual(changed.etag, first.etag);
    assert.deepEqual(changed.body!.rpms!.bash, { fedora: 'maintainer', epel: 'packager2', admin: 'maintainer' });

    const orphaned = await kit.call('packager2', 'POST', '/_dg/orphan/rpms/zsh', { orphan_reason: 'Lack of time' });
    assert.equal(orphaned.status, 200, JSON.stringify(orphaned.body));
    assert.deepEqual((await get<Poc>('pagure_poc.json')).body!.rpms!.zsh, { fedora: 'orphan', epel: 'orphan', admin: 'orphan' });
    assert.deepEqual((await get<Lists>('pagure_owner_alias.json')).body!.rpms!.zsh, ['orphan']);
    await kit.call('maintainer', 'POST', '/_dg/bzoverrides/rpms/bash', { epel_assignee: '' });
  });

  it("shows core's changes of access and owners as soon as the event log is read", async () => {
    const before = await get<Lists>('pagure_owner_alias.json');
    const granted = await kit.call('maintainer', 'POST', '/api/0/rpms/bash/git/modifyacls', {
      user_type: 'user',
      name: 'proven',
      acl: 'admin',
    });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    await eventually(async () => {
      const now = await get<Lists>('pagure_owner_alias.json', before.etag);
      return now.status === 200 && now.body!.rpms!.bash!.includes('proven') ? true : undefined;
    }, 'proven among the owners of bash');
    const given = await kit.call('maintainer', 'PATCH', '/api/0/rpms/bash', { main_admin: 'packager2' });
    assert.equal(given.status, 200, JSON.stringify(given.body));
    await eventually(async () => {
      const poc = (await get<Poc>('pagure_poc.json')).body!.rpms!.bash!;
      return poc.admin === 'packager2' ? poc : undefined;
    }, 'packager2 the main admin of bash');
  });

  it('shows a change of watchers, which sends no event, once the files are older than extras_max_age_seconds', async () => {
    const quick = await Kit.start(mode, { extras_max_age_seconds: 1 });
    try {
      await quick.package('tcsh');
      const cc = async () => (await quick.t.fetch('/extras/pagure_bz.json').then((r) => r.json() as Promise<Lists>)).rpms!.tcsh;
      assert.deepEqual(await cc(), ['maintainer']);
      const watched = await quick.call('outsider', 'POST', '/api/0/rpms/tcsh/watchers/update', { watcher: 'outsider', status: '1' });
      assert.equal(watched.status, 200, JSON.stringify(watched.body));
      await eventually(async () => ((await cc())?.includes('outsider') ? true : undefined), 'the watcher copied on bugs', 5_000);
    } finally {
      await quick.close();
    }
  });

  it('answers an unknown file with Pagure error JSON', async () => {
    const res = await kit.t.fetch('/extras/secrets.json');
    assert.equal(res.status, 404);
    assert.match(String(((await res.json()) as { error: string }).error), /No such file/);
  });
});
