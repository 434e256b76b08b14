import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ForgeEvent } from '../src/plugins/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { git } from './support/git.js';
import { eventually } from './support/wait.js';

describeModes('creating and forking projects', (mode) => {
  let t: TestForge;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  const events: ForgeEvent[] = [];
  const repo = (relative: string) => path.join(t.forge.config.git.reposDir, relative);

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms', 'modules'] } });
    t.forge.hooks.event.tap('test', (event) => void events.push(event));
    await t.createUser('alice', { fullname: 'Alice Liddell' });
    await t.createUser('bob');
    alice = { Authorization: `token ${await t.createToken('alice', ['create_project', 'fork_project'])}` };
    bob = { Authorization: `token ${await t.createToken('bob', ['fork_project'])}` };
    const aliceUser = (await t.forge.services.users.byName('alice'))!;
    await t.forge.services.groups.create(aliceUser, { name: 'python-sig' });
  });
  after(() => t?.close());

  describe('POST /api/0/new', () => {
    it('creates the project and its bare repository, and announces it', async () => {
      const res = await t.api('POST', '/api/0/new', { name: 'bash', namespace: 'rpms', description: 'The shell' }, alice);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { message: 'Project "rpms/bash" created' });
      assert.equal(git(repo('rpms/bash.git'), 'rev-parse', '--is-bare-repository'), 'true');
      assert.equal(git(repo('rpms/bash.git'), 'symbolic-ref', 'HEAD'), 'refs/heads/main');
      const project = await t.api<{ fullname: string; user: { name: string }; description: string }>('GET', '/api/0/rpms/bash');
      assert.equal(project.body.user.name, 'alice');
      const announced = await eventually(() => events.find((e) => e.topic === 'project.new'), 'project.new');
      assert.equal(announced.agent, 'alice');
      assert.equal((announced.body as { project: { fullname: string } }).project.fullname, 'rpms/bash');
    });

    it('commits a README on the chosen default branch when asked', async () => {
      const res = await t.api(
        'POST',
        '/api/0/new',
        { name: 'zsh', namespace: 'rpms', description: 'Another shell', create_readme: 'true', default_branch: 'rawhide' },
        alice,
      );
      assert.equal(res.status, 200);
      const dir = repo('rpms/zsh.git');
      assert.equal(git(dir, 'symbolic-ref', 'HEAD'), 'refs/heads/rawhide');
      assert.equal(git(dir, 'show', 'rawhide:README.md'), '# zsh\n\nAnother shell');
      assert.equal(git(dir, 'log', '-1', '--format=%s|%an|%ae', 'rawhide'), 'Added the README|Alice Liddell|alice@example.test');
    });

    it('queues the creation with wait=false and lets the client poll the task', async () => {
      const res = await t.api<{ message: string; taskid: string }>(
        'POST',
        '/api/0/new',
        { name: 'fish', namespace: 'rpms', description: 'd', wait: false },
        alice,
      );
      assert.equal(res.body.message, 'Project creation queued');
      const status = await eventually(async () => {
        const body = (await t.api<{ ready: boolean }>('GET', `/api/0/task/${res.body.taskid}/status`)).body;
        return body.ready ? body : undefined;
      }, 'the task');
      assert.deepEqual(status, { ready: true, status: 'SUCCESS', successful: true });
      assert.equal((await t.api('GET', '/api/0/rpms/fish')).status, 200);
    });

    it('reports every field problem at once', async () => {
      const res = await t.api('POST', '/api/0/new', { url: 'nope' }, alice);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
        errors: { name: ['This field is required.'], description: ['This field is required.'], url: ['Invalid input.'] },
      });
    });

    it("accepts the configured namespaces and the caller's groups, and refuses others", async () => {
      assert.equal((await t.api('POST', '/api/0/new', { name: 'requests', namespace: 'python-sig', description: 'd' }, alice)).status, 200);
      const refused = await t.api('POST', '/api/0/new', { name: 'x', namespace: 'containers', description: 'd' }, alice);
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
        errors: { namespace: ['Not a valid choice.'] },
      });
      assert.equal((await t.api('GET', '/api/0/containers/x')).status, 404, 'nothing written');
    });

    it('refuses names reserved for the forge and names already taken, whatever their case', async () => {
      assert.deepEqual((await t.api('POST', '/api/0/new', { name: 'api', description: 'd' }, alice)).body, {
        error: 'No project "api" are allowed to be created due to potential conflicts in URLs with pagure itself',
        error_code: 'ENOCODE',
      });
      assert.deepEqual((await t.api('POST', '/api/0/new', { name: 'Bash', namespace: 'rpms', description: 'd' }, alice)).body, {
        error: 'It is not possible to create the repo "rpms/Bash"',
        error_code: 'ENOCODE',
      });
    });

    it("puts a private project in its owner's namespace, out of strangers' sight", async () => {
      assert.deepEqual((await t.api('POST', '/api/0/new', { name: 'diary', description: 'd', private: true }, alice)).body, {
        message: 'Project "alice/diary" created',
      });
      assert.equal((await t.api('GET', '/api/0/alice/diary')).status, 404);
      assert.equal((await t.api('GET', '/api/0/alice/diary', undefined, alice)).status, 200);
    });

    it('gives the project up when its repository already exists on disk', async () => {
      mkdirSync(repo('rpms/leftover.git'), { recursive: true });
      const res = await t.api('POST', '/api/0/new', { name: 'leftover', namespace: 'rpms', description: 'd' }, alice);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error: 'The main repo rpms/leftover.git already exists', error_code: 'ENOCODE' });
      assert.equal((await t.api('GET', '/api/0/rpms/leftover')).status, 404);
    });

    it('needs the create_project ACL', async () => {
      const res = await t.api('POST', '/api/0/new', { name: 'x', description: 'd' }, bob);
      assert.equal(res.status, 401);
      assert.equal((res.body as { errors: string }).errors, 'Missing ACLs: create_project');
    });
  });

  describe('POST /api/0/fork', () => {
    it('copies the repository for the caller, with the parent in its JSON', async () => {
      const res = await t.api('POST', '/api/0/fork', { repo: 'zsh', namespace: 'rpms' }, bob);
      assert.deepEqual(res.body, { message: 'Repo "rpms/zsh" cloned to "bob/rpms/zsh"' });
      const dir = repo('forks/bob/rpms/zsh.git');
      assert.equal(git(dir, 'show', 'rawhide:README.md'), '# zsh\n\nAnother shell');
      assert.equal(git(dir, 'symbolic-ref', 'HEAD'), 'refs/heads/rawhide');
      assert.equal(git(dir, 'remote'), '', 'no link back to the parent on disk');
      const fork = await t.api<{ fullname: string; url_path: string; parent: { fullname: string }; user: { name: string } }>(
        'GET',
        '/api/0/fork/bob/rpms/zsh',
      );
      assert.equal(fork.body.fullname, 'forks/bob/rpms/zsh');
      assert.equal(fork.body.url_path, 'fork/bob/rpms/zsh');
      assert.equal(fork.body.parent.fullname, 'rpms/zsh');
      assert.equal(fork.body.user.name, 'bob');
      const forked = await eventually(() => events.find((e) => e.topic === 'project.forked'), 'project.forked');
      assert.equal((forked.body as { project: { fullname: string } }).project.fullname, 'forks/bob/rpms/zsh');
      const bobUser = (await t.forge.services.users.byName('bob'))!;
      const settings = await t.forge.services.projects.settings(
        await t.forge.services.access.viewer(bobUser),
        (await t.forge.services.projectQueries.find({ name: 'zsh', namespace: 'rpms', forkOwner: 'bob' }))!,
      );
      assert.equal(settings.issue_tracker, false, 'forks start without an issue tracker');
      assert.equal(settings.pull_requests, false);
    });

    it('refuses a second fork of the same project', async () => {
      const res = await t.api('POST', '/api/0/fork', { repo: 'zsh', namespace: 'rpms' }, bob);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error: 'Repo "forks/bob/zsh" already exists', error_code: 'ENOCODE' });
    });

    it('forks a fork when given its owner', async () => {
      const res = await t.api('POST', '/api/0/fork', { repo: 'zsh', namespace: 'rpms', username: 'bob', wait: false }, alice);
      assert.equal((res.body as { message: string }).message, 'Project forking queued');
      await t.forge.jobs.wait((res.body as { taskid: string }).taskid, 20_000);
      const fork = await t.api<{ parent: { fullname: string } }>('GET', '/api/0/fork/alice/rpms/zsh');
      assert.equal(fork.body.parent.fullname, 'forks/bob/rpms/zsh');
    });

    it('needs a repo, answers 404 for projects the caller cannot see', async () => {
      assert.deepEqual((await t.api('POST', '/api/0/fork', {}, bob)).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
        errors: { repo: ['This field is required.'] },
      });
      assert.deepEqual((await t.api('POST', '/api/0/fork', { repo: 'diary', namespace: 'alice' }, bob)).body, {
        error: 'Project not found',
        error_code: 'ENOPROJECT',
      });
    });

    it('keeps forks when their parent is deleted', async () => {
      await t.api('POST', '/api/0/fork', { repo: 'fish', namespace: 'rpms' }, bob);
      const aliceAll = { Authorization: `token ${await t.createToken('alice', ['modify_project'])}` };
      const deleted = await t.api('POST', '/api/0/rpms/fish/delete', undefined, aliceAll);
      assert.equal(deleted.status, 200);
      await eventually(() => !existsSync(repo('rpms/fish.git')), 'the repository to be removed');
      const fork = await t.api<{ parent: unknown }>('GET', '/api/0/fork/bob/rpms/fish');
      assert.equal(fork.status, 200);
      assert.equal(fork.body.parent, null);
      assert.ok(existsSync(repo('forks/bob/rpms/fish.git')));
    });
  });

  it('refuses new projects when the instance disables them', async () => {
    const closed = await createTestForge({ mode, config: { 'projects.allow_new': false } });
    try {
      await closed.createUser('alice');
      const token = await closed.createToken('alice', ['create_project']);
      const res = await closed.api('POST', '/api/0/new', { name: 'x', description: 'd' }, { Authorization: `token ${token}` });
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { error: 'Creating project have been disabled for this instance', error_code: 'ENEWPROJECTDISABLED' });
    } finally {
      await closed.close();
    }
  });
});
