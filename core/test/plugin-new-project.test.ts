// The newProject hook: a plugin shapes how a new project starts (dist-git starts packages on
// rawhide, with main as its alias and no issue tracker). The fixture plugin starts projects
// named shaped-* on trunk, with the alias stable and the issue tracker off.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';

describeModes('the newProject hook', (mode) => {
  let t: TestForge;
  let auth: Record<string, string>;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN] });
    await t.createUser('alice');
    auth = { Authorization: `token ${await t.createToken('alice', 'all')}` };
  });
  after(() => t?.close());

  const create = (name: string) => t.api('POST', '/api/0/new', { name, description: name, create_readme: 'true', wait: 'true' }, auth);

  it("starts a project on the plugin's branch, with its aliases and options", async () => {
    const res = await create('shaped-one');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const branches = await t.api<{ branches: string[]; default: string }>('GET', '/api/0/shaped-one/git/branches');
    assert.equal(branches.body.default, 'trunk');
    assert.deepEqual((await t.api('GET', '/api/0/shaped-one/git/alias')).body, { 'refs/heads/stable': 'refs/heads/trunk' });
    const options = await t.api<{ settings: Record<string, unknown> }>('GET', '/api/0/shaped-one/options', undefined, auth);
    assert.equal(options.body.settings.issue_tracker, false);
    assert.equal(options.body.settings.pull_requests, true, 'the others keep their defaults');
    assert.equal((await t.api('GET', '/api/0/shaped-one/issues')).status, 404, 'no issue tracker');
  });

  it('leaves other projects as the forge makes them', async () => {
    assert.equal((await create('plain-one')).status, 200);
    assert.equal((await t.api<{ default: string }>('GET', '/api/0/plain-one/git/branches')).body.default, 'main');
    assert.deepEqual((await t.api('GET', '/api/0/plain-one/git/alias')).body, {});
    const options = await t.api<{ settings: Record<string, unknown> }>('GET', '/api/0/plain-one/options', undefined, auth);
    assert.equal(options.body.settings.issue_tracker, true);
  });

  it('refuses a plan git could not follow, and makes nothing of the project', async () => {
    const res = await create('shaped-bad-one');
    assert.equal(res.status, 500);
    assert.equal((await t.api('GET', '/api/0/shaped-bad-one')).status, 404);
  });
});
