import assert from 'node:assert/strict';
import { describeModes } from '@pagurus/core/testing';
import { NetworkGuard, RefusedTarget } from '../src/network-guard.js';
import { Kit } from './support/forge.js';
import { eventually } from './support/receiver.js';

async function refusal(guard: NetworkGuard, url: string): Promise<string | undefined> {
  try {
    await guard.check(url);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof RefusedTarget, String(error));
    return error.message;
  }
}

describe('webhooks: the network guard (SSRF)', () => {
  const strict = new NetworkGuard([]);

  it('refuses loopback, private, link-local and reserved addresses, v4 and v6', async () => {
    for (const url of [
      'http://10.0.0.1/',
      'http://127.0.0.1:8080/hook',
      'http://172.16.5.4/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[::]/',
      'http://[fe80::1]/',
      'http://[fd12:3456::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a00:1]/',
      'http://224.0.0.1/',
    ]) {
      assert.match((await refusal(strict, url)) ?? 'allowed', /loopback, link-local, private or reserved/, url);
    }
  });

  it('refuses a host name that resolves to loopback', async () => {
    assert.match((await refusal(strict, 'http://localhost:9/')) ?? 'allowed', /^localhost resolves to .* loopback/);
  });

  it('takes only http and https, without credentials', async () => {
    assert.match((await refusal(strict, 'ftp://example.com/x')) ?? '', /only http and https/);
    assert.match((await refusal(strict, 'file:///etc/passwd')) ?? '', /only http and https/);
    assert.match((await refusal(strict, 'not a url')) ?? '', /not a URL/);
    assert.match((await refusal(strict, 'http://user:pw@93.184.216.34/')) ?? '', /credentials/);
  });

  it('lets public addresses through, pinned to the address it checked', async () => {
    const target = await strict.check('https://93.184.216.34:8443/hook?x=1');
    assert.equal(target.address, '93.184.216.34');
    assert.equal(target.family, 4);
    const v6 = await strict.check('http://[2606:2800:220:1::1]/');
    assert.equal(v6.address, '2606:2800:220:1::1');
    assert.equal(v6.family, 6);
  });

  it('lets through what allowed_networks lists, and only that', async () => {
    const guard = new NetworkGuard(['127.0.0.0/8', 'fd00::/8']);
    assert.equal((await guard.check('http://127.0.0.1:8080/')).address, '127.0.0.1');
    assert.equal((await guard.check('http://[fd12::1]/')).address, 'fd12::1');
    assert.match((await refusal(guard, 'http://10.0.0.1/')) ?? '', /private/);
    assert.match((await refusal(guard, 'http://[::1]/')) ?? '', /loopback/);
  });
});

describeModes('webhooks: refused URLs in the delivery log', (mode) => {
  let kit: Kit;
  before(async function () {
    this.timeout(180_000);
    // No allowed_networks: nothing inward may be reached.
    kit = await Kit.start(mode, { allowed_networks: [] });
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  it('fails deliveries to refused URLs at once, without retrying, and says why', async () => {
    const project = await kit.project('alice', 'inward', [
      'http://10.0.0.1/hook',
      'http://[::1]/hook',
      'http://localhost/hook',
      'ftp://example.com/',
    ]);
    await kit.newIssue('alice', project, 'Nope');
    const rows = await eventually('four failed deliveries', async () => {
      const all = (await kit.deliveries('alice', project)).filter((d) => d.topic === 'issue.new');
      return all.length === 4 && all.every((d) => d.status === 'failed') && all;
    });
    const why = Object.fromEntries(rows.map((d) => [d.url, [d.attempt, d.response_status, d.response_excerpt]]));
    assert.deepEqual(why['http://10.0.0.1/hook'], [1, null, 'Refused: 10.0.0.1 is a loopback, link-local, private or reserved address']);
    assert.deepEqual(why['http://[::1]/hook'], [1, null, 'Refused: ::1 is a loopback, link-local, private or reserved address']);
    assert.match(String(why['http://localhost/hook']?.[2]), /^Refused: localhost resolves to/);
    assert.deepEqual(why['ftp://example.com/'], [1, null, 'Refused: only http and https URLs are allowed, not ftp:']);
  });
});
