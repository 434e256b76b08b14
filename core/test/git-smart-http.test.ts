// Clone, fetch and push with the stock git client over real HTTP: who may, who may not,
// and what git prints when it may not.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';

describeModes('git over smart HTTP', (mode) => {
  let t: TestForge;
  let work: string;
  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    work = await tempDir();
    await t.createUser('alice');
    await t.createUser('bob');
    await t.createProject('alice', 'empty');
    await t.createProject('alice', 'hello', { readme: true });
    await t.createProject('alice', 'secret', { readme: true, private: true });
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
  });
  after(() => t?.close());

  const dir = (name: string) => path.join(work, name);

  it("clones an empty project anonymously, with git's own warning", async () => {
    const result = await gitRun(work, ['clone', cloneUrl(t.url, 'empty'), dir('empty')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /You appear to have cloned an empty repository/);
  });

  it('clones a project with content anonymously, with and without .git, namespaced too', async () => {
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'hello'), dir('hello'));
    assert.ok(existsSync(path.join(dir('hello'), 'README.md')));
    await gitOk(work, 'clone', '-q', `${t.url}/hello`, dir('hello-bare-url'));
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'rpms/pkg'), dir('pkg'));
    assert.equal(await gitOk(dir('pkg'), 'log', '--format=%s'), 'Added the README');
  });

  it('speaks protocol version 2 when the client asks for it', async () => {
    const result = await gitRun(work, ['-c', 'protocol.version=2', 'ls-remote', cloneUrl(t.url, 'hello')], { GIT_TRACE_PACKET: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\trefs\/heads\/main\n/);
    assert.match(result.stderr, /< version 2/);
  });

  it('hides a private project from anonymous and unrelated users, and serves its members', async () => {
    const anonymous = await gitRun(work, ['clone', cloneUrl(t.url, 'alice/secret'), dir('secret-anon')]);
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /could not read Username|Authentication failed/);
    const stranger = await gitRun(work, [
      'clone',
      cloneUrl(t.url, 'alice/secret', { user: 'bob', secret: 'bob-password1' }),
      dir('secret-bob'),
    ]);
    assert.notEqual(stranger.code, 0);
    assert.match(stranger.stderr, /not found/);
    const unknown = await gitRun(work, ['clone', cloneUrl(t.url, 'no-such-project'), dir('nothing')]);
    assert.notEqual(unknown.code, 0, 'an unknown project looks like a private one');
    assert.match(unknown.stderr, /could not read Username|Authentication failed/);
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'alice/secret', { user: 'alice', secret: 'alice-password1' }), dir('secret-alice'));
    assert.ok(existsSync(path.join(dir('secret-alice'), 'README.md')));
  });

  it('pushes with the password and with a token holding the commit ACL', async () => {
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'hello', { user: 'alice', secret: 'alice-password1' }), dir('push'));
    const first = await commitFile(dir('push'), 'one.txt', 'one\n');
    await gitOk(dir('push'), 'push', '-q', 'origin', 'main');
    const token = await t.createToken('alice', ['commit']);
    await gitOk(dir('push'), 'remote', 'set-url', 'origin', cloneUrl(t.url, 'hello', { user: 'alice', secret: token }));
    await gitOk(dir('push'), 'push', '-q', 'origin', 'main:feature');
    const remote = await gitOk(work, 'ls-remote', cloneUrl(t.url, 'hello'));
    assert.match(remote, new RegExp(`^${first}\trefs/heads/main$`, 'm'));
    assert.match(remote, new RegExp(`^${first}\trefs/heads/feature$`, 'm'));
  });

  it('refuses pushes without credentials, with wrong ones, without access or without the ACL', async () => {
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'hello'), dir('refused'));
    await commitFile(dir('refused'), 'two.txt', 'two\n');
    const push = (url: string) => gitRun(dir('refused'), ['push', url, 'HEAD:main']);
    const anonymous = await push(cloneUrl(t.url, 'hello'));
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /could not read Username/);
    const wrong = await push(cloneUrl(t.url, 'hello', { user: 'alice', secret: 'not-her-password' }));
    assert.match(wrong.stderr, /Authentication failed/);
    const stranger = await push(cloneUrl(t.url, 'hello', { user: 'bob', secret: 'bob-password1' }));
    assert.match(stranger.stderr, /403/);
    const noAcl = await push(cloneUrl(t.url, 'hello', { user: 'alice', secret: await t.createToken('alice', ['issue_create']) }));
    assert.match(noAcl.stderr, /403/);
    const elsewhere = await push(
      cloneUrl(t.url, 'hello', { user: 'alice', secret: await t.createToken('alice', ['commit'], { project: 'rpms/pkg' }) }),
    );
    assert.match(elsewhere.stderr, /403/);
    const someoneElses = await push(cloneUrl(t.url, 'hello', { user: 'bob', secret: await t.createToken('alice', ['commit']) }));
    assert.match(someoneElses.stderr, /Authentication failed/, "a token only works with its owner's name");
  });

  it('answers protocol mistakes with 4xx, never 500', async () => {
    assert.equal((await t.fetch('/hello.git/info/refs')).status, 403, 'dumb HTTP');
    assert.equal((await t.fetch('/hello.git/info/refs?service=git-upload-pack', { method: 'POST' })).status, 405);
    assert.equal((await t.fetch('/hello.git/git-upload-pack')).status, 405);
    const wrongType = await t.fetch('/hello.git/git-upload-pack', {
      method: 'POST',
      body: '0000',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(wrongType.status, 415);
    const refs = await t.fetch('/hello.git/info/refs?service=git-upload-pack');
    assert.equal(refs.status, 200);
    assert.equal(refs.headers.get('content-type'), 'application/x-git-upload-pack-advertisement');
    assert.match(await refs.text(), /^001e# service=git-upload-pack\n0000/);
  });

  it('accepts a gzip-encoded request body', async () => {
    const head = (await gitOk(work, 'ls-remote', cloneUrl(t.url, 'hello'), 'refs/heads/main')).split('\t')[0]!;
    const request = `0032want ${head}\n00000009done\n`;
    const response = await t.fetch('/hello.git/git-upload-pack', {
      method: 'POST',
      body: gzipSync(request),
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip' },
    });
    assert.equal(response.status, 200);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(body.subarray(0, 8).toString(), '0008NAK\n');
    assert.ok(body.includes(Buffer.from('PACK')), 'a pack follows');
  });
});
