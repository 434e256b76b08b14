import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

interface Listing {
  args: Record<string, unknown>;
  total_projects: number;
  projects: Array<{ fullname: string; name: string; namespace: string | null; description: string }>;
  pagination: Record<string, unknown>;
}

describeModes('reading projects', (mode) => {
  let t: TestForge;
  const names = async (query: string) => (await t.api<Listing>('GET', `/api/0/projects${query}`)).body.projects.map((p) => p.fullname);

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms', 'modules'] } });
    for (const name of ['alice', 'bob', 'carol', 'dave']) await t.createUser(name);
    const users = t.forge.services.users;
    const viewer = async (name: string) => t.forge.services.access.viewer((await users.byName(name))!);
    await t.createProject('alice', 'bash', { namespace: 'rpms', description: 'The shell' });
    await t.createProject('alice', 'Zsh', { namespace: 'rpms' });
    await t.createProject('bob', 'python3', { namespace: 'modules' });
    await t.createProject('bob', 'tools');
    await t.createProject('alice', 'diary', { private: true });
    const find = (name: string, namespace: string | null, forkOwner: string | null = null) =>
      t.forge.services.projectQueries.find({ name, namespace, forkOwner }).then((p) => p!);
    await t.forge.services.projects.fork(await viewer('carol'), await find('bash', 'rpms'));
    await t.createProject('carol', 'solo');
    await t.forge.services.projects.fork(await viewer('dave'), await find('solo', null));
    // carol commits to bob's python3 directly; dave through a group; bob has only ticket on bash.
    const alice = await viewer('alice');
    const bob = await viewer('bob');
    await t.forge.services.grants.change(bob, await find('python3', 'modules'), { kind: 'user', name: 'carol', level: 'commit' });
    const group = await t.forge.services.groups.create((await users.byName('bob'))!, { name: 'tooling' });
    await t.forge.services.groups.addMember(null, group, 'dave');
    await t.forge.services.grants.change(bob, await find('tools', null), { kind: 'group', name: 'tooling', level: 'admin' });
    await t.forge.services.grants.change(alice, await find('bash', 'rpms'), { kind: 'user', name: 'bob', level: 'ticket' });
    await t.forge.db.knex('project_tags').insert([
      { project_id: (await find('bash', 'rpms')).id, tag: 'shell' },
      { project_id: (await find('Zsh', 'rpms')).id, tag: 'shell' },
      { project_id: (await find('tools', null)).id, tag: 'devel' },
    ]);
  });
  after(() => t?.close());

  describe('GET /api/0/<project>', () => {
    it("answers Pagure's project JSON", async () => {
      const res = await t.api<Record<string, unknown> & { date_created: string }>('GET', '/api/0/rpms/bash');
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), [
        'access_groups',
        'access_users',
        'close_status',
        'custom_keys',
        'date_created',
        'date_modified',
        'description',
        'full_url',
        'fullname',
        'id',
        'milestones',
        'name',
        'namespace',
        'parent',
        'priorities',
        'tags',
        'url_path',
        'user',
      ]);
      assert.equal(res.body.fullname, 'rpms/bash');
      assert.equal(res.body.full_url, `${t.url}/rpms/bash`);
      assert.equal(res.body.description, 'The shell');
      assert.equal(res.body.parent, null);
      assert.match(res.body.date_created, /^\d+$/, 'epoch seconds, as a string');
      assert.deepEqual(res.body.access_users, { owner: ['alice'], admin: [], commit: [], collaborator: [], ticket: ['bob'] });
      assert.deepEqual(res.body.access_groups, { admin: [], commit: [], collaborator: [], ticket: [] });
      assert.deepEqual(res.body.tags, ['shell']);
      assert.deepEqual(res.body.user, { name: 'alice', fullname: 'alice', url_path: 'user/alice', full_url: `${t.url}/user/alice` });
    });

    it('answers under all four paths, names compared without case', async () => {
      assert.equal((await t.api<{ name: string }>('GET', '/api/0/tools')).body.name, 'tools');
      assert.equal((await t.api<{ name: string }>('GET', '/api/0/RPMS/zsh')).body.name, 'Zsh');
      assert.equal((await t.api<{ fullname: string }>('GET', '/api/0/fork/carol/rpms/bash')).body.fullname, 'forks/carol/rpms/bash');
      assert.equal((await t.api<{ fullname: string }>('GET', '/api/0/fork/dave/solo')).body.fullname, 'forks/dave/solo');
      assert.equal((await t.api('GET', '/api/0/fork/Dave/solo')).status, 404, "a fork's owner is matched exactly");
      assert.equal((await t.api('GET', '/api/0/rpms/tools')).status, 404, 'a project outside its namespace is not found');
    });

    it('lists the members of groups with access when asked to expand them', async () => {
      const res = await t.api<{ group_details: Record<string, string[]>; access_groups: { admin: string[] } }>(
        'GET',
        '/api/0/tools?expand_group=1',
      );
      assert.deepEqual(res.body.access_groups.admin, ['tooling']);
      assert.deepEqual(res.body.group_details, { tooling: ['bob', 'dave'] });
      assert.ok(!('group_details' in (await t.api<object>('GET', '/api/0/tools')).body));
    });

    it('answers 404 ENOPROJECT for an unknown or private project', async () => {
      for (const path of ['/api/0/nope', '/api/0/rpms/nope', '/api/0/fork/bob/rpms/bash', '/api/0/alice/diary']) {
        const res = await t.api('GET', path);
        assert.equal(res.status, 404, path);
        assert.deepEqual(res.body, { error: 'Project not found', error_code: 'ENOPROJECT' });
      }
    });
  });

  describe('GET /api/0/projects', () => {
    it('lists visible projects by lower-case name, with the arguments it understood', async () => {
      const res = await t.api<Listing>('GET', '/api/0/projects');
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.projects.map((p) => p.fullname),
        ['rpms/bash', 'forks/carol/rpms/bash', 'modules/python3', 'solo', 'forks/dave/solo', 'tools', 'rpms/Zsh'],
      );
      assert.equal(res.body.total_projects, 7);
      assert.deepEqual(res.body.args, {
        tags: [],
        username: null,
        fork: null,
        pattern: null,
        namespace: null,
        owner: null,
        short: false,
        page: 1,
        per_page: 20,
      });
    });

    it('filters by tags (any of them), namespace, fork, owner and !owner', async () => {
      assert.deepEqual(await names('?tags=shell'), ['rpms/bash', 'rpms/Zsh']);
      assert.deepEqual(await names('?tags=shell&tags=devel'), ['rpms/bash', 'tools', 'rpms/Zsh']);
      assert.deepEqual(await names('?namespace=modules'), ['modules/python3']);
      assert.deepEqual(await names('?fork=1'), ['forks/carol/rpms/bash', 'forks/dave/solo']);
      assert.deepEqual(await names('?fork=0'), ['rpms/bash', 'modules/python3', 'solo', 'tools', 'rpms/Zsh']);
      assert.deepEqual(await names('?owner=bob'), ['modules/python3', 'tools']);
      assert.deepEqual(await names('?owner=!alice&fork=false'), ['modules/python3', 'solo', 'tools']);
    });

    it('matches a pattern exactly, or as a glob without case when it has a "*"', async () => {
      assert.deepEqual(await names('?pattern=bash'), ['rpms/bash', 'forks/carol/rpms/bash']);
      assert.deepEqual(await names('?pattern=Bash'), [], 'without a "*" the name must match exactly');
      assert.deepEqual(await names('?pattern=z*'), ['rpms/Zsh']);
      assert.deepEqual(await names('?pattern=*o*&fork=0'), ['modules/python3', 'solo', 'tools']);
    });

    it('finds the projects a user owns or commits to, directly or through a group, but not ticket access', async () => {
      assert.deepEqual(await names('?username=carol'), ['forks/carol/rpms/bash', 'modules/python3', 'solo']);
      assert.deepEqual(await names('?username=dave'), ['forks/dave/solo', 'tools']);
      assert.deepEqual(await names('?username=bob'), ['modules/python3', 'tools']);
      assert.deepEqual(await names('?username=nobody'), []);
      assert.deepEqual(await names('?username=alice&owner=bob'), [], 'both filters apply together');
    });

    it('answers a short listing with "fork/" names, as FMN reads it', async () => {
      const res = await t.api<Listing>('GET', '/api/0/projects?short=1&fork=1');
      assert.deepEqual(res.body.projects, [
        { name: 'bash', namespace: 'rpms', fullname: 'fork/carol/rpms/bash', description: 'The shell' },
        { name: 'solo', namespace: null, fullname: 'fork/dave/solo', description: 'The solo project' },
      ]);
      assert.equal(res.body.args.short, true);
    });

    it('pages with absolute links that keep the filters', async () => {
      const res = await t.api<Listing>('GET', '/api/0/projects?fork=0&per_page=2&page=2');
      assert.deepEqual(
        res.body.projects.map((p) => p.fullname),
        ['solo', 'tools'],
      );
      assert.deepEqual(res.body.pagination, {
        page: 2,
        pages: 3,
        per_page: 2,
        first: `${t.url}/api/0/projects?per_page=2&fork=0&page=1`,
        last: `${t.url}/api/0/projects?per_page=2&fork=0&page=3`,
        next: `${t.url}/api/0/projects?per_page=2&fork=0&page=3`,
        prev: `${t.url}/api/0/projects?per_page=2&fork=0&page=1`,
      });
      const beyond = await t.api<Listing>('GET', '/api/0/projects?page=99');
      assert.equal(beyond.status, 200);
      assert.deepEqual(beyond.body.projects, []);
    });

    it('shows private projects only to those with access', async () => {
      assert.ok(!(await names('?owner=alice')).includes('alice/diary'));
      const token = await t.createToken('alice', ['fork_project']);
      const mine = await t.api<Listing>('GET', '/api/0/projects?owner=alice', undefined, { Authorization: `token ${token}` });
      assert.ok(mine.body.projects.some((p) => p.fullname === 'alice/diary'));
    });

    it("refuses bad paging with Pagure's errors", async () => {
      assert.equal((await t.api('GET', '/api/0/projects?per_page=500')).status, 400);
      assert.deepEqual((await t.api('GET', '/api/0/projects?page=-1')).body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
      });
    });
  });
});
