// `pagurus oidc link`, as an admin runs it against PostgreSQL: a local account whose name a
// provider account asks for is linked to it, after which that person logs in as the account
// (and it takes the provider's address); a second link, or an unknown user, is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestForge, runCli, serverServices, type TestForge } from '@pagurus/core/testing';
import { FlowBrowser } from './support/browser.js';
import { CLIENT_ID, CLIENT_SECRET, startTestProvider, type TestProvider } from './support/provider.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('pagurus oidc, the command', () => {
  let t: TestForge;
  let op: TestProvider;
  let configFile: string;

  before(async function () {
    if (!serverServices()) throw new Error('these tests need PostgreSQL and Redis (PAGURUS_TEST_DATABASE_URL, PAGURUS_TEST_REDIS_URL)');
    this.timeout(120_000);
    op = await startTestProvider();
    const plugins = [{ name: '@pagurus/plugin-oidc', options: { issuer: op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET } }];
    t = await createTestForge({ mode: 'server', listen: true, plugins });
    op.registerClient(t.url);
    await t.createUser('alice');
    op.accounts.set('sub-alice', { preferred_username: 'alice', name: 'Alice Liddell', email: 'alice@accounts.test' });
    configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pagurus-oidc-')), 'pagurus.config.yaml');
    writeFileSync(configFile, `plugins: ${JSON.stringify(plugins)}\n`);
  });
  after(async () => {
    await t?.close();
    await op?.close();
  });

  const oidc = (...args: string[]) => runCli(['--config', configFile, 'oidc', ...args], { env: t.env, cwd: ROOT });
  const logIn = async () => {
    op.nextLogin = 'sub-alice';
    const steps = await new FlowBrowser().go(`${t.url}/oidc/login?next=%2F`);
    return steps[steps.length - 1]!;
  };

  it('links a local account to a provider account, which then logs in as it', async function () {
    this.timeout(120_000);
    assert.equal((await logIn()).status, 409, 'not before the link');
    const linked = await oidc('link', 'alice', 'sub-alice');
    assert.equal(linked.code, 0, linked.stderr);
    assert.equal(linked.stdout, `alice now logs in as sub-alice at ${op.issuer}\n`);
    const end = await logIn();
    assert.equal(end.status, 200, end.body.slice(0, 300));
    const alice = (await t.forge.services.users.byName('alice'))!;
    assert.equal(alice.fullname, 'Alice Liddell');
    assert.equal((await t.forge.services.users.emails([alice.id])).get(alice.id)?.defaultEmail, 'alice@accounts.test');

    const again = await oidc('link', 'alice', 'sub-other');
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /alice is already linked to a provider account/);
    assert.match((await oidc('link', 'nobody', 'sub-x')).stderr, /no user nobody/);
    assert.match((await oidc('link')).stderr, /pagurus oidc link <user> <subject at the provider>/);
  });
});
