import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

describeModes('groups in the API', (mode) => {
  let t: TestForge;
  let aliceToken: string;
  let bobToken: string;
  let carolToken: string;
  const auth = (token: string) => ({ Authorization: `token ${token}` });

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    const alice = await t.createUser('alice');
    await t.createUser('bob');
    await t.createUser('carol');
    await t.createUser('root', { admin: true });
    const groups = t.forge.services.groups;
    await groups.create(alice, { name: 'packagers', displayName: 'Fedora Packagers', description: 'People who package' });
    await groups.create(alice, { name: 'provenpackagers', groupType: 'admin' });
    for (let i = 0; i < 23; i++) await groups.create(alice, { name: `sig-${String(i).padStart(2, '0')}` });
    aliceToken = await t.createToken('alice', ['group_modify']);
    bobToken = await t.createToken('bob', ['group_modify']);
    carolToken = await t.createToken('carol', ['fork_project']);
  });
  after(() => t?.close());

  describe('GET /api/0/groups', () => {
    it('lists names by type then name, 20 a page, with pagination links', async () => {
      const res = await t.api<{ total_groups: number; groups: string[]; pagination: Record<string, unknown> }>('GET', '/api/0/groups');
      assert.equal(res.status, 200);
      assert.equal(res.body.total_groups, 25);
      assert.equal(res.body.groups.length, 20);
      assert.equal(res.body.groups[0], 'provenpackagers', '"admin" sorts before "user"');
      assert.equal(res.body.groups[1], 'packagers');
      assert.equal(res.body.pagination.next, `${t.url}/api/0/groups?per_page=20&page=2`);
      const second = await t.api<{ groups: string[] }>('GET', '/api/0/groups?page=2');
      assert.equal(second.body.groups.length, 5);
    });

    it('matches a pattern on the name or display name, without case, and gives descriptions when extended', async () => {
      const res = await t.api<{ groups: Array<{ name: string; description: string | null }>; pagination: { first: string } }>(
        'GET',
        '/api/0/groups?pattern=fedora*&extended=1',
      );
      assert.deepEqual(res.body.groups, [{ name: 'packagers', description: 'People who package' }]);
      assert.equal(res.body.pagination.first, `${t.url}/api/0/groups?per_page=20&pattern=fedora*&extended=1&page=1`);
    });

    it('refuses bad paging', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/groups?per_page=0')).body, {
        error: 'The per_page value must be between 1 and 100',
        error_code: 'EINVALIDPERPAGEVALUE',
      });
      assert.deepEqual((await t.api('GET', '/api/0/groups?page=0')).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
      });
      assert.equal((await t.api('GET', '/api/0/groups?page=x')).status, 400);
    });
  });

  describe('GET /api/0/group/<name>', () => {
    type GroupBody = Record<string, unknown> & { date_created: string; creator: Record<string, unknown> };

    it("shows the group with its creator and members, the creator's emails only to token holders", async () => {
      const res = await t.api<GroupBody>('GET', '/api/0/group/packagers');
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), [
        'creator',
        'date_created',
        'description',
        'display_name',
        'full_url',
        'group_type',
        'members',
        'name',
      ]);
      assert.equal(res.body.display_name, 'Fedora Packagers');
      assert.equal(res.body.group_type, 'user');
      assert.deepEqual(res.body.members, ['alice']);
      assert.equal(res.body.full_url, `${t.url}/group/packagers`);
      assert.match(res.body.date_created, /^\d+$/);
      assert.deepEqual(Object.keys(res.body.creator).sort(), ['full_url', 'fullname', 'name', 'url_path']);
      const withToken = await t.api<GroupBody>('GET', '/api/0/group/packagers', undefined, auth(carolToken));
      assert.equal(withToken.body.creator.default_email, 'alice@example.test');
      assert.deepEqual(withToken.body.creator.emails, ['alice@example.test']);
    });

    it('answers 404 ENOGROUP for an unknown group, and 401 for a bad token', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/group/nope')).body, { error: 'Group not found', error_code: 'ENOGROUP' });
      const bad = await t.api('GET', '/api/0/group/packagers', undefined, { Authorization: 'token WRONG' });
      assert.equal(bad.status, 401);
      assert.equal((bad.body as { errors: string }).errors, 'Invalid token');
    });

    it('lists the projects the group has access to, filtered by acl as FMN asks', async () => {
      await t.createProject('alice', 'bash', { namespace: 'rpms' });
      await t.createProject('alice', 'zsh', { namespace: 'rpms' });
      await t.createProject('alice', 'hidden', { private: true });
      const alice = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
      const grant = async (project: string, namespace: string, level: 'admin' | 'commit' | 'ticket') =>
        t.forge.services.grants.change(
          alice,
          (await t.forge.services.projectQueries.find({ name: project, namespace, forkOwner: null }))!,
          {
            kind: 'group',
            name: 'packagers',
            level,
          },
        );
      await grant('bash', 'rpms', 'commit');
      await grant('zsh', 'rpms', 'ticket');
      await grant('hidden', 'alice', 'admin');
      const names = async (query: string, headers = {}) =>
        (
          await t.api<{ projects: Array<{ fullname: string }>; total_projects: number }>(
            'GET',
            `/api/0/group/packagers?projects=1${query}`,
            undefined,
            headers,
          )
        ).body;
      assert.deepEqual(
        (await names('')).projects.map((p) => p.fullname),
        ['rpms/bash', 'rpms/zsh'],
        'private projects stay hidden from strangers',
      );
      assert.deepEqual(
        (await names('&acl=commit')).projects.map((p) => p.fullname),
        ['rpms/bash'],
      );
      assert.deepEqual(
        (await names('&acl=ticket')).projects.map((p) => p.fullname).sort(),
        ['rpms/bash', 'rpms/zsh'],
        'ticket includes commit',
      );
      assert.deepEqual((await names('&acl=admin')).projects, []);
      const own = await names('&acl=admin', auth(aliceToken));
      assert.deepEqual(
        own.projects.map((p) => p.fullname),
        ['alice/hidden'],
        'the owner sees the private one',
      );
      const paged = await t.api<{ pagination: { next: string }; projects: unknown[]; total_projects: number }>(
        'GET',
        '/api/0/group/packagers?projects=1&per_page=1',
      );
      assert.equal(paged.body.total_projects, 2);
      assert.equal(paged.body.projects.length, 1);
      assert.equal(paged.body.pagination.next, `${t.url}/api/0/group/packagers?per_page=1&projects=1&page=2`);
      assert.ok(
        !('projects' in (await t.api<object>('GET', '/api/0/group/packagers?projects=t')).body),
        'only "1" or "true" ask for projects',
      );
    });
  });

  describe('POST /api/0/group/<name>/add and /remove', () => {
    it('lets a member add a user, and answers with the group', async () => {
      const res = await t.api<{ members: string[]; creator: { emails: string[] } }>(
        'POST',
        '/api/0/group/packagers/add',
        { user: 'bob' },
        auth(aliceToken),
      );
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.members, ['alice', 'bob']);
      assert.deepEqual(res.body.creator.emails, ['alice@example.test']);
      const again = await t.api<{ members: string[] }>('POST', '/api/0/group/packagers/add', { user: 'bob' }, auth(aliceToken));
      assert.deepEqual(again.body.members, ['alice', 'bob'], 'adding twice changes nothing');
    });

    it("refuses outsiders, unknown users and the creator's removal with 400 EDBERROR and one reason", async () => {
      const outsider = await t.createToken('carol', ['group_modify']);
      const cases: Array<[string, string, object, string]> = [
        ['add', outsider, { user: 'carol' }, 'You are not allowed to add user to this group'],
        ['add', aliceToken, { user: 'ghost' }, 'No user `ghost` found'],
        ['remove', outsider, { user: 'bob' }, 'You are not allowed to remove user from this group'],
        ['remove', bobToken, { user: 'alice' }, 'The creator of a group cannot be removed'],
        ['remove', aliceToken, { user: 'carol' }, 'User `carol` could not be found in the group `packagers`'],
      ];
      for (const [action, token, body, reason] of cases) {
        const res = await t.api('POST', `/api/0/group/packagers/${action}`, body, auth(token));
        assert.equal(res.status, 400, reason);
        assert.deepEqual(res.body, {
          error: 'An error occurred at the database level and prevent the action from reaching completion',
          error_code: 'EDBERROR',
          errors: [reason],
        });
      }
    });

    it('lets a member remove another member', async () => {
      const res = await t.api<{ members: string[] }>('POST', '/api/0/group/packagers/remove', { user: 'bob' }, auth(aliceToken));
      assert.deepEqual(res.body.members, ['alice']);
    });

    it('lets a site admin manage any group', async () => {
      const root = await t.createToken('root', ['group_modify']);
      const res = await t.api<{ members: string[] }>('POST', '/api/0/group/sig-00/add', { user: 'carol' }, auth(root));
      assert.deepEqual(res.body.members, ['alice', 'carol']);
    });

    it('needs the user field, the group_modify ACL, and an existing group', async () => {
      assert.deepEqual((await t.api('POST', '/api/0/group/packagers/add', {}, auth(aliceToken))).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
        errors: { user: ['This field is required.'] },
      });
      const noAcl = await t.api('POST', '/api/0/group/packagers/add', { user: 'bob' }, auth(carolToken));
      assert.equal(noAcl.status, 401);
      assert.equal((noAcl.body as { errors: string }).errors, 'Missing ACLs: group_modify');
      assert.equal((await t.api('POST', '/api/0/group/packagers/add', { user: 'bob' })).status, 401);
      assert.deepEqual((await t.api('POST', '/api/0/group/nope/add', { user: 'bob' }, auth(aliceToken))).body, {
        error: 'Group not found',
        error_code: 'ENOGROUP',
      });
    });
  });
});
