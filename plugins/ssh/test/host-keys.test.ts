// The host keys: each made key reads back (ssh2's generator sometimes makes a malformed
// ed25519 key, which kept would stop every start), and a key that cannot be read stops the
// start with a line saying which file, not a stack.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@pagurus/core/testing';
import ssh2 from 'ssh2';
import { hostKeys, madeWell } from '../src/host-keys.js';

describe('ssh plugin: host keys', () => {
  it('makes a key pair again until it reads back', () => {
    const good = ssh2.utils.generateKeyPairSync('ed25519');
    const made = [{ private: 'not a key', public: good.public }, { private: good.private, public: 'ssh-ed25519 AAAA' }, good];
    let calls = 0;
    assert.equal(
      madeWell(() => made[calls++]!),
      good,
    );
    assert.equal(calls, 3);
    assert.throws(() => madeWell(() => ({ private: 'never', public: 'never' })), /could not make a host key that reads back/);
  });

  it('makes both keys once, and refuses to start on one it cannot read', async function () {
    this.timeout(30_000);
    const dir = await tempDir('pagurus-hostkeys-');
    const [ed25519, rsa] = hostKeys(dir);
    for (const key of [ed25519!, rsa!]) assert.ok(!(ssh2.utils.parseKey(key) instanceof Error));
    assert.deepEqual(hostKeys(dir), [ed25519, rsa], 'kept');
    writeFileSync(path.join(dir, 'ssh_host_rsa_key'), 'garbage');
    assert.throws(
      () => hostKeys(dir),
      (error: Error) =>
        error.name === 'StartupError' &&
        error.message ===
          `the SSH host key ${path.join(dir, 'ssh_host_rsa_key')} cannot be read; replace it with a good one, or remove it to have one made`,
    );
    assert.equal(readFileSync(path.join(dir, 'ssh_host_rsa_key'), 'utf8'), 'garbage', 'left for the admin');
  });
});
