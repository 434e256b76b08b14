import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ForgeEvent } from '../src/plugins/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { eventually } from './support/wait.js';

describeModes('administering a project', (mode) => {
  let t: TestForge;
  let owner: Record<string, string>;
  let bob: Record<string, string>;
  const events: ForgeEvent[] = [];
  const topics = () => events.map((e) => e.topic);
  const last = (topic: string) => [...events].reverse().find((e) => e.topic === topic)!;

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    t.forge.hooks.event.tap('test', (event) => void events.push(event));
    for (const name of ['alice', 'bob', 'carol']) await t.createUser(name);
    await t.forge.services.groups.create((await t.forge.services.users.byName('carol'))!, { name: 'sig' });
    owner = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    bob = { Authorization: `token ${await t.createToken('bob', 'all')}` };
    await t.createProject('alice', 'bash', { namespace: 'rpms' });
  });
  after(() => t?.close());

  describe('POST .../git/modifyacls', () => {
    it('adds, changes and removes a user, announcing each change', async () => {
      events.length = 0;
      const added = await t.api<{ access_users: Record<string, string[]> }>(
        'POST',
        '/api/0/rpms/bash/git/modifyacls',
        { user_type: 'user', name: 'bob', acl: 'commit' },
        owner,
      );
      assert.equal(added.status, 200);
      assert.deepEqual(added.body.access_users.commit, ['bob']);
      const changed = await t.api<{ access_users: Record<string, string[]> }>(
        'POST',
        '/api/0/rpms/bash/git/modifyacls',
        { user_type: 'user', name: 'bob', acl: 'admin' },
        owner,
      );
      assert.deepEqual(changed.body.access_users.admin, ['bob']);
      assert.deepEqual(changed.body.access_users.commit, []);
      const same = await t.api('POST', '/api/0/rpms/bash/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'admin' }, owner);
      assert.equal(same.status, 200, 'the same level again changes nothing');
      await t.forge.events.idle();
      assert.deepEqual(topics(), ['project.user.added', 'project.user.access.updated']);
      assert.deepEqual(
        { ...last('project.user.added').body, project: undefined },
        { project: undefined, new_user: 'bob', access: 'commit', branches: null },
      );
      assert.deepEqual(
        { ...last('project.user.access.updated').body, project: undefined },
        { project: undefined, new_user: 'bob', new_access: 'admin', new_branches: null },
      );
      assert.equal((last('project.user.added').body as { project: { fullname: string } }).project.fullname, 'rpms/bash');
      assert.equal(last('project.user.added').agent, 'alice');
    });

    it('adds and detaches a group', async () => {
      events.length = 0;
      const added = await t.api<{ access_groups: Record<string, string[]> }>(
        'POST',
        '/api/0/rpms/bash/git/modifyacls',
        { user_type: 'group', name: 'sig', acl: 'ticket' },
        owner,
      );
      assert.deepEqual(added.body.access_groups.ticket, ['sig']);
      const removed = await t.api<{ access_groups: Record<string, string[]> }>(
        'POST',
        '/api/0/rpms/bash/git/modifyacls',
        { user_type: 'group', name: 'sig' },
        owner,
      );
      assert.deepEqual(removed.body.access_groups.ticket, []);
      assert.equal(
        (await t.api('POST', '/api/0/rpms/bash/git/modifyacls', { user_type: 'group', name: 'sig' }, owner)).status,
        200,
        'detaching twice is fine',
      );
      await t.forge.events.idle();
      assert.deepEqual(topics(), ['project.group.added', 'project.group.removed']);
      assert.deepEqual(last('project.group.removed').body.removed_groups, ['sig']);
    });

    it('lets a user drop their own access', async () => {
      events.length = 0;
      const res = await t.api<{ access_users: Record<string, string[]> }>(
        'POST',
        '/api/0/rpms/bash/git/modifyacls',
        { user_type: 'user', name: 'bob' },
        bob,
      );
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.access_users.admin, []);
      await t.forge.events.idle();
      assert.deepEqual(last('project.user.removed').body.removed_user, 'bob');
    });

    it('refuses a removal without access, bad fields, unknown targets', async () => {
      assert.deepEqual((await t.api('POST', '/api/0/rpms/bash/git/modifyacls', { user_type: 'user', name: 'carol' }, owner)).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
        errors: 'User does not have any access on the repo',
      });
      assert.deepEqual((await t.api('POST', '/api/0/rpms/bash/git/modifyacls', {}, owner)).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
        errors: { user_type: ['This field is required.'], name: ['This field is required.'] },
      });
      assert.deepEqual(
        (await t.api('POST', '/api/0/rpms/bash/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'collaborator' }, owner)).body,
        {
          error: 'Invalid or incomplete input submitted',
          error_code: 'EINVALIDREQ',
          errors: { acl: ['Not a valid choice.'] },
        },
      );
      assert.deepEqual((await t.api('POST', '/api/0/rpms/bash/git/modifyacls', { user_type: 'team', name: 'x' }, owner)).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
        errors: { user_type: ['Not a valid choice.'] },
      });
      assert.deepEqual(
        (await t.api('POST', '/api/0/rpms/bash/git/modifyacls', { user_type: 'user', name: 'ghost', acl: 'commit' }, owner)).body,
        {
          error: 'No such user found',
          error_code: 'ENOUSER',
        },
      );
      assert.deepEqual(
        (await t.api('POST', '/api/0/rpms/bash/git/modifyacls', { user_type: 'group', name: 'ghosts', acl: 'commit' }, owner)).body,
        {
          error: 'Group not found',
          error_code: 'ENOGROUP',
        },
      );
    });
  });

  describe('GET .../hascommit and .../contributors', () => {
    before(async () => {
      const alice = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
      const bash = (await t.forge.services.projectQueries.find({ name: 'bash', namespace: 'rpms', forkOwner: null }))!;
      await t.forge.services.grants.change(alice, bash, { kind: 'user', name: 'bob', level: 'collaborator', branches: ['epel*', 'f4?'] });
      await t.forge.services.grants.change(alice, bash, { kind: 'group', name: 'sig', level: 'commit' });
    });

    it("answers bodhi's question, resolving groups and collaborator branch patterns", async () => {
      const ask = async (user: string, branch: string) =>
        (
          await t.api<{ hascommit: boolean; args: { user: string; branch: string; project: { fullname: string } } }>(
            'GET',
            `/api/0/rpms/bash/hascommit?user=${user}&branch=${branch}`,
          )
        ).body;
      const answer = await ask('carol', 'main');
      assert.equal(answer.hascommit, true, 'carol commits through the sig group');
      assert.equal(answer.args.user, 'carol');
      assert.equal(answer.args.branch, 'main');
      assert.equal(answer.args.project.fullname, 'rpms/bash');
      assert.equal((await ask('bob', 'epel9')).hascommit, true);
      assert.equal((await ask('bob', 'f41')).hascommit, true);
      assert.equal((await ask('bob', 'main')).hascommit, false);
      assert.equal((await ask('alice', 'anything')).hascommit, true);
      assert.equal((await ask('ghost', 'main')).hascommit, false);
      for (const query of ['?user=bob', '?branch=main', '']) {
        assert.deepEqual((await t.api('GET', `/api/0/rpms/bash/hascommit${query}`)).body, {
          error: 'Invalid or incomplete input submitted',
          error_code: 'EINVALIDREQ',
        });
      }
    });

    it('lists contributors with the owner among admins and collaborators with their patterns', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/rpms/bash/contributors')).body, {
        users: { admin: ['alice'], commit: [], collaborators: [{ user: 'bob', branches: 'epel*,f4?' }], ticket: [] },
        groups: { admin: [], commit: ['sig'], collaborators: [], ticket: [] },
      });
    });
  });

  describe('watchers', () => {
    it('counts the owner, members and groups as watching issues by default', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/rpms/bash/watchers')).body, {
        total_watchers: 3,
        watchers: { alice: ['issues'], bob: ['issues'], '@sig': ['issues'] },
      });
    });

    it('lets people choose what they watch, with a message for each choice', async () => {
      const carol = { Authorization: `token ${await t.createToken('carol', ['update_watch_status'])}` };
      const update = async (status: unknown, who: Record<string, string> = carol, watcher = 'carol') =>
        t.api<{ message: string; status: string }>('POST', '/api/0/rpms/bash/watchers/update', { watcher, status }, who);
      assert.deepEqual((await update('3')).body, {
        message: 'You are now watching issues, PRs, and commits on this project',
        status: 'ok',
      });
      assert.deepEqual((await t.api<{ watchers: Record<string, string[]> }>('GET', '/api/0/rpms/bash/watchers')).body.watchers.carol, [
        'issues',
        'commits',
      ]);
      assert.equal((await update('2')).body.message, 'You are now watching commits on this project');
      assert.equal((await update(1)).body.message, 'You are now watching issues and PRs on this project');
      assert.equal((await update('0', owner, 'alice')).body.message, 'You are no longer watching this project');
      assert.ok(!('alice' in (await t.api<{ watchers: Record<string, string[]> }>('GET', '/api/0/rpms/bash/watchers')).body.watchers));
      assert.equal((await update('-1', owner, 'alice')).body.message, 'Watch status reset');
      assert.equal((await update('-1', owner, 'alice')).body.message, 'Watch status is already reset');
      assert.deepEqual((await update('7')).body, { error: 'The watch value of "7" is invalid', error_code: 'ENOCODE' });
      assert.deepEqual((await update(undefined)).body, { error: 'The watch value of "None" is invalid', error_code: 'ENOCODE' });
      assert.equal((await update('1', carol, 'alice')).status, 401, 'only for oneself');
      assert.equal((await update('1', carol, '')).status, 400);
    });
  });

  describe('options', () => {
    it("reads Pagure's settings and changes only those given", async () => {
      const read = await t.api<{ settings: Record<string, unknown>; status: string }>('GET', '/api/0/rpms/bash/options', undefined, owner);
      assert.equal(read.body.status, 'ok');
      assert.equal(Object.keys(read.body.settings).length, 19, "Pagure's 18 and Pagurus' block_non_fast_forward");
      assert.equal(read.body.settings.issue_tracker, true);
      events.length = 0;
      const changed = await t.api(
        'POST',
        '/api/0/rpms/bash/options/update',
        { issue_tracker: 'false', 'Minimum_score_to_merge_pull-request': '2' },
        owner,
      );
      assert.deepEqual(changed.body, { message: 'Edited successfully settings of repo: rpms/bash', status: 'ok' });
      const after = (await t.api<{ settings: Record<string, unknown> }>('GET', '/api/0/rpms/bash/options', undefined, owner)).body.settings;
      assert.equal(after.issue_tracker, false);
      assert.equal(after['Minimum_score_to_merge_pull-request'], 2);
      assert.equal(after.pull_requests, true, 'keys not sent keep their value');
      assert.deepEqual((await t.api('POST', '/api/0/rpms/bash/options/update', { issue_tracker: false }, owner)).body, {
        message: 'No settings to change',
        status: 'ok',
      });
      await t.forge.events.idle();
      assert.deepEqual(topics(), ['project.edit']);
      assert.deepEqual(last('project.edit').body.fields, ['Minimum_score_to_merge_pull-request', 'issue_tracker']);
    });
  });

  describe('PATCH /api/0/<project>', () => {
    it('gives the project to someone else, keeping the old owner as admin when asked', async () => {
      await t.createProject('alice', 'vim', { namespace: 'rpms' });
      events.length = 0;
      const res = await t.api<{ user: { name: string; emails: string[] }; access_users: Record<string, string[]> }>(
        'PATCH',
        '/api/0/rpms/vim',
        { main_admin: 'carol', retain_access: 'true' },
        owner,
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.user.name, 'carol');
      assert.deepEqual(res.body.user.emails, ['carol@example.test'], 'PATCH answers with emails');
      assert.deepEqual(res.body.access_users.owner, ['carol']);
      assert.deepEqual(res.body.access_users.admin, ['alice']);
      await t.forge.events.idle();
      assert.deepEqual(topics(), ['project.edit', 'project.user.added']);
      assert.deepEqual(last('project.edit').body.fields, ['user']);
      assert.equal((last('project.edit').body.project as { user: { name: string } }).user.name, 'carol');
      assert.deepEqual(
        { ...last('project.user.added').body, project: undefined },
        { project: undefined, new_user: 'alice', access: 'admin', branches: null },
      );
    });

    it('takes the old owner out entirely without retain_access', async () => {
      await t.createProject('alice', 'emacs', { namespace: 'rpms' });
      const res = await t.api<{ access_users: Record<string, string[]> }>(
        'PATCH',
        '/api/0/rpms/emacs',
        { main_admin: 'bob@example.test' },
        owner,
      );
      assert.deepEqual(res.body.access_users, { owner: ['bob'], admin: [], commit: [], collaborator: [], ticket: [] });
    });

    it('refuses an empty body, unknown keys and unknown users', async () => {
      await t.createProject('alice', 'nano', { namespace: 'rpms' });
      assert.deepEqual((await t.api('PATCH', '/api/0/rpms/nano', {}, owner)).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
      });
      assert.deepEqual((await t.api('PATCH', '/api/0/rpms/nano', { main_admin: 'bob', description: 'x' }, owner)).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
      });
      const unknown = await t.api('PATCH', '/api/0/rpms/nano', { main_admin: 'ghost' }, owner);
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.body, { error: 'No such user found', error_code: 'ENOUSER' });
      assert.equal((await t.api('PATCH', '/api/0/rpms/nano', { retain_access: 'true' }, owner)).status, 200, 'nothing to change is fine');
    });

    it('is not offered for forks', async () => {
      assert.equal((await t.api('PATCH', '/api/0/fork/alice/rpms/bash', { main_admin: 'bob' }, owner)).status, 405);
    });
  });

  describe('POST .../delete', () => {
    it('deletes the project and its repository, and says so', async () => {
      await t.createProject('alice', 'ed', { namespace: 'rpms' });
      events.length = 0;
      const res = await t.api<{ message: string; project: { fullname: string } }>('POST', '/api/0/rpms/ed/delete', undefined, owner);
      assert.equal(res.status, 200);
      assert.equal(res.body.message, 'Project deleted');
      assert.equal(res.body.project.fullname, 'rpms/ed');
      assert.equal((await t.api('GET', '/api/0/rpms/ed')).status, 404);
      await eventually(() => !existsSync(path.join(t.forge.config.git.reposDir, 'rpms/ed.git')), 'the repository to go');
      await t.forge.events.idle();
      assert.deepEqual(topics(), ['project.deleted']);
    });

    it('deletes once when asked twice at the same time: one answer says so, the other is 404, one event', async () => {
      await t.createProject('alice', 'twice', { namespace: 'rpms' });
      events.length = 0;
      const answers = await Promise.all(
        [1, 2, 3].map(() => t.api<{ error_code?: string }>('POST', '/api/0/rpms/twice/delete', undefined, owner)),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 404, 404], JSON.stringify(answers.map((a) => a.body)));
      assert.ok(answers.filter((a) => a.status === 404).every((a) => a.body.error_code === 'ENOPROJECT'));
      await t.forge.events.idle();
      assert.deepEqual(topics(), ['project.deleted'], 'one deletion, announced once');
    });

    it('refuses when the instance disables deletion', async () => {
      const strict = await createTestForge({ mode, config: { 'projects.allow_delete': false } });
      try {
        await strict.createUser('alice');
        await strict.createProject('alice', 'keep');
        const token = await strict.createToken('alice', 'all');
        const res = await strict.api('POST', '/api/0/keep/delete', undefined, { Authorization: `token ${token}` });
        assert.equal(res.status, 404);
        assert.deepEqual(res.body, { error: 'Project not found', error_code: 'ENOPROJECT' });
      } finally {
        await strict.close();
      }
    });
  });

  it('marks every event about a private project private, so that listeners keep it inside the forge', async () => {
    // A private project without a namespace lives in its owner's, as in Pagure.
    const secret = await t.createProject('alice', 'secret', { private: true });
    assert.equal(secret.namespace, 'alice');
    events.length = 0;
    const acl = await t.api<{ access_users: Record<string, string[]> }>(
      'POST',
      '/api/0/alice/secret/git/modifyacls',
      { user_type: 'user', name: 'bob', acl: 'commit' },
      owner,
    );
    assert.equal(acl.status, 200, JSON.stringify(acl.body));
    assert.deepEqual(acl.body.access_users.commit, ['bob']);
    const group = await t.api<{ access_groups: Record<string, string[]> }>(
      'POST',
      '/api/0/alice/secret/git/modifyacls',
      { user_type: 'group', name: 'sig', acl: 'ticket' },
      owner,
    );
    assert.deepEqual(group.body.access_groups.ticket, ['sig']);
    const options = await t.api('POST', '/api/0/alice/secret/options/update', { issue_tracker: 'false' }, owner);
    assert.deepEqual(options.body, { message: 'Edited successfully settings of repo: alice/secret', status: 'ok' });
    const settings = await t.api<{ settings: Record<string, unknown> }>('GET', '/api/0/alice/secret/options', undefined, owner);
    assert.equal(settings.body.settings.issue_tracker, false, 'the change was made');
    const deleted = await t.api<{ message: string }>('POST', '/api/0/alice/secret/delete', undefined, owner);
    assert.equal(deleted.body.message, 'Project deleted');
    assert.equal((await t.api('GET', '/api/0/alice/secret', undefined, owner)).status, 404, 'and it is gone');
    await t.forge.events.idle();
    assert.deepEqual(topics(), ['project.user.added', 'project.group.added', 'project.edit', 'project.deleted']);
    for (const event of events) assert.deepEqual(event.visibility, { projectId: secret.id, projectPrivate: true, issuePrivate: false });
    // The same first write on a public project is announced: the listener was listening.
    await t.createProject('alice', 'open');
    await t.forge.events.idle();
    events.length = 0;
    assert.equal((await t.api('POST', '/api/0/open/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'commit' }, owner)).status, 200);
    await t.forge.events.idle();
    assert.deepEqual(topics(), ['project.user.added']);
    assert.equal(events[0]!.visibility.projectPrivate, false);
  });
});
