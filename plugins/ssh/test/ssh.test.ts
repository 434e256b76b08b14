// Git over SSH with the real ssh client and git against the built-in server, which the forge
// runs itself here (in_server) in both modes: clone and push with a user's key, the refusals
// of git over HTTP word for word (no access, the push policy's pre-receive verdict), a key
// that belongs to nobody, a command that is not git, and the connection limits.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { cloneUrl, createTestForge, describeModes, freePort, gitRun, PageClient, tempDir, type TestForge } from '@pagurus/core/testing';

const SSH_OPTIONS = [
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'BatchMode=yes',
  '-o',
  'LogLevel=ERROR',
];

describeModes('git over SSH: the built-in server', (mode) => {
  let t: TestForge;
  let port: number;
  let keys: string;

  before(async function () {
    this.timeout(120_000);
    port = await freePort();
    t = await createTestForge({
      mode,
      listen: true,
      plugins: [
        {
          name: '@pagurus/plugin-ssh',
          options: { in_server: true, port, host: '127.0.0.1', max_connections_per_address: 4, login_timeout_seconds: 2 },
        },
      ],
      config: { 'git.url_ssh': `ssh://{username}@127.0.0.1:${port}/` },
    });
    keys = await tempDir('pagurus-ssh-keys-');
    for (const name of ['alice', 'bob', 'carol', 'stranger', 'deployer', 'mirror']) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@test`, '-f', path.join(keys, name)]);
      if (['stranger', 'deployer', 'mirror'].includes(name)) continue;
      const user = await t.createUser(name);
      await t.forge.services.users.addSshKey(user, execFileSync('cat', [path.join(keys, `${name}.pub`)]).toString());
    }
    await t.createProject('alice', 'pkg', { readme: true });
    await t.createProject('alice', 'secret', { private: true, readme: true });
    await t.createProject('alice', 'mirrored', { readme: true });
  });
  after(() => t?.close());

  /** git with its ssh going to the test's server with `who`'s key. */
  const git = (who: string, cwd: string, args: string[]) =>
    gitRun(cwd, args, { GIT_SSH_COMMAND: `ssh -i ${path.join(keys, who)} ${SSH_OPTIONS.join(' ')}` });
  const sshUrl = (repo: string) => `ssh://git@127.0.0.1:${port}/${repo}.git`;

  /** A clone of `repo` by `who` over SSH, with one more commit on `branch`. */
  async function cloneAndCommit(who: string, repo: string, branch = 'main') {
    const work = await tempDir('pagurus-ssh-');
    const cloned = await git(who, work, ['clone', '-q', sshUrl(repo), 'clone']);
    assert.equal(cloned.code, 0, cloned.stderr);
    const dir = path.join(work, 'clone');
    await gitRun(dir, ['checkout', '-q', '-B', branch]);
    await writeFile(path.join(dir, `${who}-${Date.now()}.txt`), 'over ssh\n');
    await gitRun(dir, ['add', '.']);
    await gitRun(dir, ['-c', `user.name=${who}`, '-c', `user.email=${who}@example.test`, 'commit', '-qm', `From ${who}`]);
    return dir;
  }

  it("clones and pushes with a user's key; the forge takes the push as it takes one over HTTP", async function () {
    this.timeout(60_000);
    const dir = await cloneAndCommit('alice', 'pkg');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir }).toString().trim();
    const pushed = await git('alice', dir, ['push', '-q', 'origin', 'main']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const branches = await t.api<{ branches: Record<string, string> }>('GET', '/api/0/pkg/git/branches?with_commits=true');
    assert.equal(branches.body.branches.main, head);
    await t.drainEvents();
    const commits = await t.api<{ commits: Array<{ id: string }> }>('GET', `/api/0/pkg/c/${head}/info`);
    assert.equal(commits.status, 200, "the pushed commit is the forge's");
  });

  it('refuses a push with the words git over HTTP uses: no access, then the push policy', async function () {
    this.timeout(60_000);
    const dir = await cloneAndCommit('bob', 'pkg');
    const overSsh = await git('bob', dir, ['push', '-q', 'origin', 'main']);
    assert.notEqual(overSsh.code, 0);
    assert.match(overSsh.stderr, /^You are not allowed to push to pkg$/m);
    const overHttp = await gitRun(dir, ['push', '-q', cloneUrl(t.url, 'pkg', { user: 'bob', secret: 'bob-password1' }), 'main']);
    assert.match(overHttp.stderr, /You are not allowed to push to pkg/);
    // A collaborator on feature/* pushing main: the pre-receive hook refuses, over both.
    // (Pagure's modifyacls refuses "collaborator": the grants service gives it, as the settings page does.)
    const { services } = t.forge;
    const project = (await services.projectQueries.find({ name: 'pkg', namespace: null, forkOwner: null }))!;
    const owner = await services.access.viewer((await services.users.byName('alice'))!);
    await services.grants.change(owner, project, { kind: 'user', name: 'bob', level: 'collaborator', branches: ['feature/*'] });
    const policySsh = await git('bob', dir, ['push', 'origin', 'main']);
    const policyHttp = await gitRun(dir, ['push', cloneUrl(t.url, 'pkg', { user: 'bob', secret: 'bob-password1' }), 'main']);
    assert.notEqual(policySsh.code, 0);
    const remoteLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('remote:'));
    assert.ok(remoteLines(policySsh.stderr).length > 0, policySsh.stderr);
    assert.deepEqual(remoteLines(policySsh.stderr), remoteLines(policyHttp.stderr), 'the same refusal');
    const feature = await git('bob', dir, ['push', '-q', 'origin', 'main:feature/ssh']);
    assert.equal(feature.code, 0, feature.stderr);
  });

  it('hides a private project from who may not see it, and takes no key that belongs to nobody', async function () {
    this.timeout(60_000);
    const work = await tempDir('pagurus-ssh-');
    const hidden = await git('carol', work, ['clone', '-q', sshUrl('alice/secret'), 'c']);
    assert.notEqual(hidden.code, 0);
    assert.match(hidden.stderr, /^Repository not found$/m);
    assert.equal((await git('alice', work, ['clone', '-q', sshUrl('alice/secret'), 'a'])).code, 0);
    const stranger = await git('stranger', work, ['clone', '-q', sshUrl('pkg'), 's']);
    assert.notEqual(stranger.code, 0);
    assert.match(stranger.stderr, /Permission denied \(publickey\)/);
  });

  it("gives the SSH URL in /git/urls and on the project page, with the viewer's name, and it clones", async function () {
    this.timeout(60_000);
    const token = await t.createToken('alice', 'all');
    const urls = await t.api<{ urls: { ssh?: string } }>('GET', '/api/0/pkg/git/urls', undefined, { Authorization: `token ${token}` });
    assert.equal(urls.body.urls.ssh, `ssh://alice@127.0.0.1:${port}/pkg.git`);
    const anonymous = new PageClient(t);
    assert.ok((await anonymous.get('/pkg')).html.includes(`ssh://git@127.0.0.1:${port}/pkg.git`), 'anonymous: git@');
    const alice = new PageClient(t);
    await alice.logIn('alice');
    assert.ok((await alice.get('/pkg')).html.includes(`ssh://alice@127.0.0.1:${port}/pkg.git`), "the viewer's name");
    const cloned = await git('alice', await tempDir('pagurus-ssh-'), ['clone', '-q', urls.body.urls.ssh, 'clone']);
    assert.equal(cloned.code, 0, cloned.stderr);
  });

  it("lets a project's admins add deploy keys on its settings; a deploy key reads that project, private or not, and nothing else", async function () {
    this.timeout(60_000);
    const page = '/alice/secret/settings/deploy-keys';
    const bob = new PageClient(t);
    await bob.logIn('bob');
    assert.equal((await bob.get(page)).status, 404, 'not to who may not see the project');
    const alice = new PageClient(t);
    await alice.logIn('alice');
    assert.match(
      (await alice.get('/alice/secret/settings')).html,
      /href="\/alice\/secret\/settings\/deploy-keys"/,
      'linked from the settings',
    );
    assert.match((await alice.get(page)).html, /This project has no deploy key\./);
    const invalid = await alice.submit(page, { ssh_key: 'not a key' });
    assert.equal(invalid.location, `${page}?problem=invalid`);
    assert.match((await alice.get(invalid.location)).html, /That is not one SSH public key, on one line/);
    const theirs = await alice.submit(page, { ssh_key: readFileSync(path.join(keys, 'bob.pub'), 'utf8') });
    assert.equal(theirs.location, `${page}?problem=in-use`, "a user's key cannot be a deploy key too");
    const added = await alice.submit(page, { ssh_key: readFileSync(path.join(keys, 'deployer.pub'), 'utf8') });
    assert.equal(added.location, `${page}?done=added`);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', path.join(keys, 'deployer.pub')])
      .toString()
      .split(' ')[1]!;
    assert.ok((await alice.get(page)).html.includes(`<code>${fingerprint}</code>`));

    const work = await tempDir('pagurus-ssh-');
    const cloned = await git('deployer', work, ['clone', '-q', sshUrl('alice/secret'), 'secret']);
    assert.equal(cloned.code, 0, cloned.stderr);
    const dir = path.join(work, 'secret');
    await writeFile(path.join(dir, 'x.txt'), 'x\n');
    await gitRun(dir, ['add', '.']);
    await gitRun(dir, ['-c', 'user.name=ci', '-c', 'user.email=ci@example.test', 'commit', '-qm', 'x']);
    const pushed = await git('deployer', dir, ['push', '-q', 'origin', 'HEAD:main']);
    assert.notEqual(pushed.code, 0);
    assert.match(pushed.stderr, /^This deploy key may only read secret$/m);
    const other = await git('deployer', work, ['clone', '-q', sshUrl('pkg'), 'pkg']);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /^Repository not found$/m);
    // Removed, it reads nothing.
    const id = /id="deploy-key-(\d+)"/.exec((await alice.get(page)).html)![1]!;
    assert.equal((await alice.submit(`${page}/${id}/remove`, {}, page)).location, `${page}?done=removed`);
    assert.match((await alice.get(page)).html, /This project has no deploy key\./);
    const gone = await git('deployer', work, ['clone', '-q', sshUrl('alice/secret'), 'again']);
    assert.match(gone.stderr, /Permission denied \(publickey\)/);
  });

  it('lets a deploy key with push access push to its project under the push policy, in its own name', async function () {
    this.timeout(60_000);
    const page = '/mirrored/settings/deploy-keys';
    const alice = new PageClient(t);
    await alice.logIn('alice');
    const added = await alice.submit(page, { ssh_key: readFileSync(path.join(keys, 'mirror.pub'), 'utf8'), pushaccess: 'y' });
    assert.equal(added.location, `${page}?done=added`);
    const html = (await alice.get(page)).html;
    const id = /id="deploy-key-(\d+)"/.exec(html)![1]!;
    assert.match(html, /<td>Read and push<\/td>/);

    const dir = await cloneAndCommit('mirror', 'mirrored');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir }).toString().trim();
    const pushed = await git('mirror', dir, ['push', '-q', 'origin', 'main']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const branches = await t.api<{ branches: Record<string, string> }>('GET', '/api/0/mirrored/git/branches?with_commits=true');
    assert.equal(branches.body.branches.main, head);
    // The push policy holds for it as for anyone: the default branch is never deleted.
    const deleted = await git('mirror', dir, ['push', 'origin', ':main']);
    assert.notEqual(deleted.code, 0);
    assert.match(deleted.stderr, /refs\/heads\/main: main is the default branch of mirrored and cannot be deleted/);
    // It reaches no other project, even one it could read were it a user's key.
    const elsewhere = await git('mirror', dir, ['push', sshUrl('pkg'), 'main:from-mirror']);
    assert.notEqual(elsewhere.code, 0);
    assert.match(elsewhere.stderr, /^Repository not found$/m);
    // The push is the key's, in Pagure's name for it, as git.receive tells every listener.
    await t.drainEvents();
    const receive = (await t.forge.db.knex('forge_events').where({ topic: 'git.receive' }).orderBy('id', 'desc').first()) as {
      agent: string;
      body: { end_commit: string; agent: string };
    };
    assert.deepEqual(
      { agent: receive.agent, bodyAgent: receive.body.agent, end: receive.body.end_commit },
      { agent: `deploykey_mirrored_${id}`, bodyAgent: `deploykey_mirrored_${id}`, end: head },
    );
  });

  it('refuses any command but git with a line saying so', async function () {
    this.timeout(30_000);
    const ran = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('ssh', ['-i', path.join(keys, 'alice'), ...SSH_OPTIONS, '-p', String(port), 'git@127.0.0.1', 'cat /etc/passwd']);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /^Pagurus serves git only: git-upload-pack and git-receive-pack\. Refused: cat \/etc\/passwd$/m);
  });

  it('cuts a client that never logs in, and connections past the limit for one address', async function () {
    this.timeout(30_000);
    /** A client that connects and never says a word; `closed` resolves with how long it lived. */
    const open = () => {
      const socket = net.connect(port, '127.0.0.1');
      const openedAt = Date.now();
      socket.on('error', () => undefined);
      // Reads (and drops) what the server says: a paused socket would never see the server close it.
      socket.resume();
      return { socket, closed: new Promise<number>((done) => socket.on('close', () => done(Date.now() - openedAt))) };
    };
    const connected = (socket: net.Socket) =>
      new Promise<void>((resolve) => (socket.readyState === 'open' ? resolve() : socket.once('connect', () => resolve())));
    const silent = [open(), open(), open(), open()];
    await Promise.all(silent.map((s) => connected(s.socket)));
    const extra = open();
    const extraLived = await extra.closed;
    assert.ok(extraLived < 1000, `the fifth connection was cut at once (${extraLived} ms)`);
    const lived = await Promise.all(silent.map((s) => s.closed));
    for (const ms of lived) assert.ok(ms >= 1500 && ms < 10_000, `a silent client was cut after the 2 s login deadline (${ms} ms)`);
  });
});
