// The OpenSSH mode against a real sshd (Debian's openssh-server) the test starts on a loopback
// port with a config of its own: AuthorizedKeysCommand is `pagurus ssh keys %u %t %k` (through
// a wrapper that carries the test forge's database and Redis), whose answer forces
// `pagurus ssh serve <key id>`. Clone and push with a user's key, a refused push, a key that
// belongs to nobody, a command that is not git; and `ssh keys` answering sshd itself.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cliCommandLine,
  createTestForge,
  eventually,
  freePort,
  gitRun,
  runCli,
  serverServices,
  tempDir,
  type TestForge,
} from '@pagurus/core/testing';
import { DeployKeys } from '../src/deploy-keys.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SSHD = '/usr/sbin/sshd';
const SSH_OPTIONS = '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR';
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

describe('git over SSH through OpenSSH (AuthorizedKeysCommand and a forced command)', () => {
  let t: TestForge;
  let dir: string;
  let keys: string;
  let sshd: ChildProcess | undefined;
  let port: number;
  let configFile: string;

  before(async function () {
    if (!serverServices()) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
    if (!existsSync(SSHD)) throw new Error(`these tests need OpenSSH's server at ${SSHD} (Debian: apt-get install openssh-server)`);
    this.timeout(120_000);
    t = await createTestForge({ mode: 'server', listen: true, plugins: ['@pagurus/plugin-ssh'] });
    keys = await tempDir('pagurus-openssh-keys-');
    for (const name of ['alice', 'bob', 'stranger']) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, name)]);
      if (name === 'stranger') continue;
      const user = await t.createUser(name);
      await t.forge.services.users.addSshKey(user, readFileSync(path.join(keys, `${name}.pub`), 'utf8'));
    }
    await t.createProject('alice', 'pkg', { readme: true });

    // sshd runs its AuthorizedKeysCommand only from a path no one but root may write to, all
    // the way up: not under /tmp.
    dir = mkdtempSync('/var/lib/pagurus-openssh-test-');
    const wrapper = path.join(dir, 'pagurus');
    configFile = path.join(dir, 'pagurus.config.yaml');
    const plugins = [{ name: '@pagurus/plugin-ssh', options: { forced_command: wrapper, hook_url: t.url } }];
    writeFileSync(configFile, `plugins: ${JSON.stringify(plugins)}\nsecret: ${JSON.stringify(t.forge.secret)}\n`);
    const env = Object.entries({ ...t.env, PAGURUS_LOG_LEVEL: 'warn' })
      .map(([key, value]) => `export ${key}=${sh(value)}`)
      .join('\n');
    writeFileSync(
      wrapper,
      `#!/bin/sh\n${env}\ncd ${sh(ROOT)}\nexec ${cliCommandLine().map(sh).join(' ')} --config ${sh(configFile)} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_ed25519')]);
    port = await freePort();
    const sshdConfig = path.join(dir, 'sshd_config');
    writeFileSync(
      sshdConfig,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(dir, 'host_ed25519')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        'AuthorizedKeysFile none',
        `AuthorizedKeysCommand ${wrapper} ssh keys %u %t %k`,
        'AuthorizedKeysCommandUser root',
        'PermitRootLogin forced-commands-only',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    sshd = spawn(SSHD, ['-D', '-e', '-f', sshdConfig], { stdio: ['ignore', 'ignore', 'pipe'] });
    let sshdErrors = '';
    sshd.stderr!.on('data', (chunk: Buffer) => (sshdErrors += chunk.toString()));
    await eventually(
      () =>
        new Promise<true | undefined>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(sshd!.exitCode === null ? undefined : assert.fail(`sshd stopped: ${sshdErrors}`)));
        }),
      'sshd to listen',
      20_000,
    );
  });
  after(async () => {
    sshd?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  const git = (who: string, cwd: string, args: string[]) =>
    gitRun(cwd, args, { GIT_SSH_COMMAND: `ssh -i ${path.join(keys, who)} ${SSH_OPTIONS}` });
  const url = (repo: string) => `ssh://root@127.0.0.1:${port}/${repo}.git`;

  it("answers sshd's AuthorizedKeysCommand with a forced command for the forge's keys, and nothing for others", async function () {
    this.timeout(60_000);
    const [type, key] = readFileSync(path.join(keys, 'alice.pub'), 'utf8').split(' ');
    const id = (await t.forge.services.users.sshKeyOwner(Buffer.from(key!, 'base64')))!.id;
    const known = await runCli(['--config', configFile, 'ssh', 'keys', 'git', type!, key!], { env: t.env, cwd: ROOT });
    assert.equal(known.code, 0, known.stderr);
    assert.equal(known.stdout, `restrict,command="${path.join(dir, 'pagurus')} ssh serve ${id}" ${type} ${key}\n`);
    const [, strangerKey] = readFileSync(path.join(keys, 'stranger.pub'), 'utf8').split(' ');
    const unknown = await runCli(['--config', configFile, 'ssh', 'keys', 'git', 'ssh-ed25519', strangerKey!], { env: t.env, cwd: ROOT });
    assert.equal(unknown.code, 0, unknown.stderr);
    assert.equal(unknown.stdout, '', 'no line: sshd refuses the key');
    // A deploy key's forced command names it as such.
    const pkg = (await t.forge.services.projectQueries.find({ name: 'pkg', namespace: null, forkOwner: null }))!;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'ci')]);
    const deployKey = await new DeployKeys(t.forge.apiFor('ssh')).add(pkg, readFileSync(path.join(keys, 'ci.pub'), 'utf8'));
    const [ciType, ciKey] = readFileSync(path.join(keys, 'ci.pub'), 'utf8').split(' ');
    const deploy = await runCli(['--config', configFile, 'ssh', 'keys', 'git', ciType!, ciKey!], { env: t.env, cwd: ROOT });
    assert.equal(
      deploy.stdout,
      `restrict,command="${path.join(dir, 'pagurus')} ssh serve deploy-${deployKey.id}" ${ciType} ${ciKey!.trim()}\n`,
    );
  });

  it('clones and pushes through sshd; refuses a push, a key of nobody and a command that is not git', async function () {
    this.timeout(120_000);
    const work = await tempDir('pagurus-openssh-');
    const cloned = await git('alice', work, ['clone', '-q', url('pkg'), 'clone']);
    assert.equal(cloned.code, 0, cloned.stderr);
    const checkout = path.join(work, 'clone');
    await writeFile(path.join(checkout, 'notes.txt'), 'through sshd\n');
    await gitRun(checkout, ['add', '.']);
    await gitRun(checkout, ['-c', 'user.name=alice', '-c', 'user.email=alice@example.test', 'commit', '-qm', 'Through sshd']);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: checkout }).toString().trim();
    const pushed = await git('alice', checkout, ['push', '-q', 'origin', 'main']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const branches = await t.api<{ branches: Record<string, string> }>('GET', '/api/0/pkg/git/branches?with_commits=true');
    assert.equal(branches.body.branches.main, head, 'the push reached the forge, through its hooks');
    const refused = await git('bob', checkout, ['push', '-q', url('pkg'), 'main:other']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /^You are not allowed to push to pkg$/m);
    const stranger = await git('stranger', work, ['clone', '-q', url('pkg'), 'nope']);
    assert.notEqual(stranger.code, 0);
    assert.match(stranger.stderr, /Permission denied \(publickey\)/);
    const shell = execFileSyncResult('ssh', [
      '-i',
      path.join(keys, 'alice'),
      ...SSH_OPTIONS.split(' '),
      '-p',
      String(port),
      'root@127.0.0.1',
      'id',
    ]);
    assert.equal(shell.code, 1);
    assert.match(shell.stderr, /^Pagurus serves git only: git-upload-pack and git-receive-pack\. Refused: id$/m);
  });
});

function execFileSyncResult(file: string, args: string[]): { code: number; stderr: string } {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stderr: Buffer };
    return { code: e.status, stderr: e.stderr.toString() };
  }
}
