// `pagurus ssh` as a process of its own beside the server, against PostgreSQL: it makes its
// host keys on first start and keeps them (a client's known_hosts stays valid across
// restarts), serves a clone, and stops on SIGTERM with 0.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestForge, gitRun, runCli, serverServices, startCli, tempDir, type TestForge } from '@pagurus/core/testing';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('pagurus ssh, the command', () => {
  let t: TestForge;
  let keys: string;

  before(async function () {
    if (!serverServices()) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
    this.timeout(120_000);
    t = await createTestForge({ mode: 'server', listen: true, plugins: ['@pagurus/plugin-ssh'] });
    keys = await tempDir('pagurus-ssh-cli-');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'alice')]);
    const alice = await t.createUser('alice');
    await t.forge.services.users.addSshKey(alice, readFileSync(path.join(keys, 'alice.pub'), 'utf8'));
    await t.createProject('alice', 'pkg', { readme: true });
  });
  after(() => t?.close());

  it('makes its host keys once, keeps them across restarts, and serves git', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pagurus-ssh-'));
    const configFile = path.join(dir, 'pagurus.config.yaml');
    const hostKeys = path.join(dir, 'hostkeys');
    const plugins = [{ name: '@pagurus/plugin-ssh', options: { host: '127.0.0.1', host_key_dir: hostKeys, hook_url: t.url } }];
    writeFileSync(configFile, `plugins: ${JSON.stringify(plugins)}\nsecret: ${JSON.stringify(t.forge.secret)}\n`);
    const known = path.join(dir, 'known_hosts');
    const start = () =>
      startCli(['--config', configFile, 'ssh', '--port', '0'], /git over SSH on 127\.0\.0\.1:(\d+)/, {
        env: t.env,
        cwd: ROOT,
        timeoutMs: 60_000,
      });
    const clone = async (port: string, into: string) =>
      gitRun(await tempDir(), ['clone', '-q', `ssh://git@127.0.0.1:${port}/pkg.git`, into], {
        GIT_SSH_COMMAND: `ssh -i ${path.join(keys, 'alice')} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${known}`,
      });

    const first = await start();
    let made: number;
    try {
      const cloned = await clone(first.match[1]!, path.join(dir, 'one'));
      assert.equal(cloned.code, 0, cloned.stderr);
      assert.equal(statSync(path.join(hostKeys, 'ssh_host_ed25519_key')).mode & 0o777, 0o600, "the private key is the forge user's alone");
      made = statSync(path.join(hostKeys, 'ssh_host_ed25519_key')).mtimeMs;
    } finally {
      assert.equal(await first.stop(), 0);
    }
    const second = await start();
    try {
      // known_hosts holds the first run's key under [127.0.0.1]:<port>: the same key on a new port is added, a changed one would fail.
      const recorded = readFileSync(known, 'utf8').trim().split('\n')[0]!.split(' ').slice(1).join(' ');
      writeFileSync(known, `[127.0.0.1]:${second.match[1]} ${recorded}\n`);
      const again = await clone(second.match[1]!, path.join(dir, 'two'));
      assert.equal(again.code, 0, again.stderr);
      assert.equal(statSync(path.join(hostKeys, 'ssh_host_ed25519_key')).mtimeMs, made, 'not made again');
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });

  it("adds, lists and removes deploy keys, read-only or with --push, refusing a user's key and an unknown project", async function () {
    this.timeout(120_000);
    for (const name of ['ci', 'mirror']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, name)]);
    const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pagurus-ssh-')), 'pagurus.config.yaml');
    writeFileSync(configFile, `plugins: ["@pagurus/plugin-ssh"]\n`);
    const ssh = (...args: string[]) => runCli(['--config', configFile, 'ssh', 'deploy-key', ...args], { env: t.env, cwd: ROOT });
    const added = await ssh('add', 'pkg', path.join(keys, 'ci.pub'));
    assert.equal(added.code, 0, added.stderr);
    const id = /^added deploy key (\d+) \((SHA256:\S+)\) to pkg: it may read pkg\n$/.exec(added.stdout);
    assert.ok(id, added.stdout);
    const pusher = await ssh('add', 'pkg', path.join(keys, 'mirror.pub'), '--push');
    assert.match(pusher.stdout, /^added deploy key (\d+) \(SHA256:\S+\) to pkg: it may read and push to pkg\n$/);
    const listed = (await ssh('list', 'pkg')).stdout.split('\n');
    assert.match(listed[0]!, new RegExp(`^${id[1]}  ${id[2]!.replace(/[+/]/g, '\\$&')}  read  ssh-ed25519 AAAA`));
    assert.match(listed[1]!, /^\d+ {2}SHA256:\S+ {2}push {2}ssh-ed25519 AAAA/);
    const theirs = await ssh('add', 'pkg', path.join(keys, 'alice.pub'));
    assert.notEqual(theirs.code, 0);
    assert.match(theirs.stderr, /This SSH key is already in use/);
    assert.match((await ssh('add', 'nothing', path.join(keys, 'ci.pub'))).stderr, /no project nothing/);
    assert.equal((await ssh('remove', 'pkg', id[1]!)).stdout, `removed deploy key ${id[1]} from pkg\n`);
    assert.match((await ssh('list', 'pkg')).stdout, /^\d+ {2}SHA256:\S+ {2}push {2}ssh-ed25519 AAAA[^\n]*\n$/);
  });
});
