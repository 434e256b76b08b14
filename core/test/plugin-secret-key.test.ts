// forge.secretKey(purpose): a key for a plugin's own signing (reply addresses, callbacks),
// derived from the instance secret and bound to the plugin and the purpose: the same in
// every process of an instance, another for another plugin, purpose or instance.
import assert from 'node:assert/strict';
import { createTestForge, type TestForge } from '../src/testing/index.js';

describe('forge.secretKey', () => {
  const forges: TestForge[] = [];
  const open = async (secret: string) => {
    const t = await createTestForge({ config: { secret } });
    forges.push(t);
    return t;
  };
  after(async () => {
    for (const t of forges) await t.close();
  });

  it('is the same for one plugin and purpose on one instance, and differs otherwise', async () => {
    const secret = 'a'.repeat(40);
    const [one, two, other] = [await open(secret), await open(secret), await open('b'.repeat(40))];
    const key = one.forge.apiFor('milter').secretKey('reply-address');
    assert.equal(key.length, 32);
    assert.deepEqual(two.forge.apiFor('milter').secretKey('reply-address'), key, 'every process of the instance agrees');
    for (const [what, differs] of [
      ['another purpose', one.forge.apiFor('milter').secretKey('other')],
      ['another plugin', one.forge.apiFor('webhooks').secretKey('reply-address')],
      ['another instance', other.forge.apiFor('milter').secretKey('reply-address')],
    ] as const) {
      assert.notDeepEqual(differs, key, what);
    }
    assert.ok(!key.includes(Buffer.from(secret).subarray(0, 8)), 'not the secret itself');
  });
});
