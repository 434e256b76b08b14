// Logins cannot be used as a weapon: a stranger's failed guesses lock out the stranger, not the
// account's owner; a client behind the proxy cannot choose its address; stored passwords use
// the instance's scrypt cost, and older hashes are redone at the next good login.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { hashPassword } from '../src/services/users/passwords.js';
import { Browser } from './support/page-client.js';

/** A login form posted as if from `address`, behind one proxy that appended it to X-Forwarded-For. */
async function logInFrom(t: TestForge, address: string, username: string, password: string, forged?: string): Promise<number> {
  const browser = new Browser(t);
  const { token } = await browser.getForm('/login');
  const forwarded = forged ? `${forged}, ${address}` : address;
  const page = await browser.post('/login', { username, password, next: '/', csrf_token: token }, { 'X-Forwarded-For': forwarded });
  return page.status;
}

describeModes('login throttling and password hashes', (mode) => {
  let t: TestForge;
  const logged: string[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    t = await createTestForge({
      mode,
      logger: pino({ level: 'info' }, sink),
      config: { 'login.max_failures': 3, 'http.trust_proxy': true, 'http.proxy_hops': 1 },
    });
  });
  after(() => t?.close());

  it("locks out the address that guessed wrong, not the account's owner elsewhere", async () => {
    await t.createUser('target');
    for (let i = 1; i <= 3; i++) assert.equal(await logInFrom(t, '192.0.2.66', 'target', `guess-${i}`), 401);
    assert.equal(
      await logInFrom(t, '192.0.2.66', 'target', 'target-password1'),
      429,
      'the guesser is paused, even with the right password',
    );
    assert.equal(await logInFrom(t, '192.0.2.7', 'target', 'target-password1'), 302, 'the owner, from elsewhere, logs in');
  });

  it("reads the client from the proxy's end of X-Forwarded-For, so a forged prefix changes nothing", async () => {
    await t.createUser('forged');
    for (let i = 1; i <= 3; i++) assert.equal(await logInFrom(t, '192.0.2.70', 'forged', `guess-${i}`, `198.51.100.${i}`), 401);
    assert.equal(await logInFrom(t, '192.0.2.70', 'forged', 'forged-password1', '198.51.100.99'), 429);
  });

  it('pauses an account guessed at from many addresses, except from where its owner logged in lately', async () => {
    await t.createUser('popular');
    assert.equal(await logInFrom(t, '192.0.2.10', 'popular', 'popular-password1'), 302, "the owner's usual address");
    // 10x max_failures, one failure from each of 30 addresses: no pair and no address is full.
    for (let i = 1; i <= 30; i++) assert.equal(await logInFrom(t, `203.0.113.${i}`, 'popular', 'wrong'), 401, `guess ${i}`);
    assert.equal(await logInFrom(t, '203.0.113.200', 'popular', 'popular-password1'), 429, 'a new address waits');
    assert.equal(await logInFrom(t, '192.0.2.10', 'popular', 'popular-password1'), 302, "the owner's address passes");
  });

  it('stores new passwords at the configured cost and redoes an older hash at the next login', async () => {
    const user = await t.createUser('upgraded');
    const stored = async () =>
      ((await t.forge.db.knex('users').where('id', user.id).first('password_hash')) as { password_hash: string }).password_hash;
    assert.match(await stored(), /^scrypt\$4096\$8\$1\$/, "the test kit's cost, 2^12");
    await t.forge.db
      .knex('users')
      .where('id', user.id)
      .update({ password_hash: await hashPassword('upgraded-password1', 10) });
    assert.equal(await logInFrom(t, '192.0.2.20', 'upgraded', 'upgraded-password1'), 302, 'the old hash still verifies');
    assert.match(await stored(), /^scrypt\$4096\$8\$1\$/, 'made again at the configured cost');
    assert.equal(await logInFrom(t, '192.0.2.20', 'upgraded', 'upgraded-password1'), 302, 'and the new hash verifies');
  });

  it('keeps secrets in paths out of the access log', async () => {
    const secret = 'Zm9vYmFyc2VjcmV0dG9rZW4';
    assert.equal((await t.fetch(`/password/reset/${secret}`)).status, 404);
    const lines = logged.filter((line) => line.includes('/password/reset/'));
    assert.ok(
      lines.some((line) => line.includes('"path":"/password/reset/[redacted]"')),
      lines.join('\n'),
    );
    assert.ok(!logged.some((line) => line.includes(secret)), 'the token is nowhere in the log');
  });
});
