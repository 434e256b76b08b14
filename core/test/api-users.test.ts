import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

const INVALID_TOKEN_TEXT = (url: string) =>
  `Invalid or expired token. Please visit ${url}/settings#nav-api-tab to get or renew your API token.`;

describeModes('users and tokens in the API', (mode) => {
  let t: TestForge;
  let token: string;
  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    await t.createUser('alice', { fullname: 'Alice Liddell' });
    await t.createUser('alpha');
    await t.createUser('bob');
    token = await t.createToken('alice', ['fork_project']);
  });
  after(() => t?.close());

  describe('POST /api/0/-/whoami', () => {
    it('names the owner of a valid token, whatever its ACLs', async () => {
      const res = await t.api('POST', '/api/0/-/whoami', undefined, { Authorization: `token ${token}` });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { username: 'alice' });
    });

    it('reads the token after the word "token" anywhere in the header', async () => {
      const res = await t.api('POST', '/api/0/-/whoami', undefined, { Authorization: `Bearer token   ${token}  ` });
      assert.deepEqual(res.body, { username: 'alice' });
    });

    it('answers 401 EINVALIDTOK without a token, with no reason', async () => {
      for (const headers of [{}, { Authorization: `Token ${token}` }, { Authorization: 'token ' }] as Array<Record<string, string>>) {
        const res = await t.api('POST', '/api/0/-/whoami', undefined, headers);
        assert.equal(res.status, 401);
        assert.deepEqual(res.body, { error: INVALID_TOKEN_TEXT(t.url), error_code: 'EINVALIDTOK' });
      }
    });

    it('answers 401 with the reason for an unknown, expired or revoked token', async () => {
      const unknown = await t.api('POST', '/api/0/-/whoami', undefined, { Authorization: 'token NOTATOKEN' });
      assert.equal(unknown.status, 401);
      assert.deepEqual(unknown.body, { error: INVALID_TOKEN_TEXT(t.url), error_code: 'EINVALIDTOK', errors: 'Invalid token' });

      const alice = (await t.forge.services.users.byName('alice'))!;
      const { value, token: record } = await t.forge.services.tokens.create(alice, { acls: ['commit'] });
      await t.forge.db
        .knex('api_tokens')
        .where({ id: record.id })
        .update({ expires_at: new Date(Date.now() - 1000) });
      const expired = await t.api('POST', '/api/0/-/whoami', undefined, { Authorization: `token ${value}` });
      assert.deepEqual(expired.body, { error: INVALID_TOKEN_TEXT(t.url), error_code: 'EINVALIDTOK', errors: 'Expired token' });

      const second = await t.forge.services.tokens.create(alice, { acls: ['commit'] });
      await t.forge.services.tokens.revoke(alice, second.token.id);
      const revoked = await t.api('POST', '/api/0/-/whoami', undefined, { Authorization: `token ${second.value}` });
      assert.equal((revoked.body as { errors: string }).errors, 'Expired token');
    });

    it('stores only a hash of each token', async () => {
      const stored = (await t.forge.db.knex('api_tokens').pluck('token_hash')) as string[];
      assert.ok(stored.length > 0);
      assert.ok(!stored.includes(token));
      assert.ok(stored.every((hash) => /^[0-9a-f]{64}$/.test(hash)));
    });
  });

  describe('GET /api/0/users', () => {
    it('lists every user by name, with mention data', async () => {
      const res = await t.api<{ total_users: number; users: string[]; mention: Array<{ username: string; name: string; image: string }> }>(
        'GET',
        '/api/0/users',
      );
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.users, ['alice', 'alpha', 'bob']);
      assert.equal(res.body.total_users, 3);
      assert.equal(res.body.mention[0]!.name, 'Alice Liddell');
      assert.match(res.body.mention[0]!.image, /^https:\/\/seccdn\.libravatar\.org\/avatar\/[0-9a-f]{64}\?s=16&d=retro$/);
    });

    it('filters by a name prefix, "*" matching anything, and takes other characters literally', async () => {
      const names = async (pattern: string) =>
        (await t.api<{ users: string[] }>('GET', `/api/0/users?pattern=${encodeURIComponent(pattern)}`)).body.users;
      assert.deepEqual(await names('al'), ['alice', 'alpha']);
      assert.deepEqual(await names('*ph*'), ['alpha']);
      assert.deepEqual(await names('a_'), [], '"_" is not a wildcard');
      assert.deepEqual(await names('zzz'), []);
    });
  });

  describe('GET /api/0/user/<name>', () => {
    before(async () => {
      await t.createProject('alice', 'bash', { namespace: 'rpms' });
      await t.createProject('alice', 'zsh', { namespace: 'rpms' });
      await t.createProject('alice', 'secret', { private: true });
      await t.createProject('bob', 'fish', { namespace: 'rpms' });
      const bob = await t.forge.services.access.viewer((await t.forge.services.users.byName('bob'))!);
      await t.forge.services.projects.fork(
        bob,
        (await t.forge.services.projectQueries.find({ name: 'bash', namespace: 'rpms', forkOwner: null }))!,
      );
    });

    interface UserPage {
      user: Record<string, unknown> & { avatar_url: string };
      repos: Array<{ name: string; fullname: string }>;
      forks: Array<{ fullname: string }>;
      repos_pagination: Record<string, unknown>;
      forks_pagination: Record<string, unknown>;
    }

    it("lists the user's projects and forks with Pagure's two paginations", async () => {
      const res = await t.api<UserPage>('GET', '/api/0/user/alice');
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ['forks', 'forks_pagination', 'repos', 'repos_pagination', 'user']);
      assert.equal(res.body.user.name, 'alice');
      assert.equal(res.body.user.full_url, `${t.url}/user/alice`);
      assert.match(res.body.user.avatar_url, /libravatar/);
      assert.ok(!('emails' in res.body.user), 'no emails in a public view');
      assert.deepEqual(
        res.body.repos.map((p: { fullname: string }) => p.fullname),
        ['rpms/bash', 'rpms/zsh'],
        'private projects stay hidden',
      );
      assert.deepEqual(res.body.forks, []);
      assert.deepEqual(res.body.repos_pagination, {
        repopage: 1,
        pages: 1,
        per_page: 20,
        first: `${t.url}/api/0/user/alice?per_page=20&repopage=1`,
        last: `${t.url}/api/0/user/alice?per_page=20&repopage=1`,
        next: null,
        prev: null,
      });
      assert.equal(res.body.forks_pagination.forkpage, 1);
      assert.equal(res.body.forks_pagination.pages, 0);
    });

    it("shows the owner's private projects to the owner's token", async () => {
      const mine = await t.createToken('alice', ['fork_project']);
      const res = await t.api<{ repos: Array<{ fullname: string }> }>('GET', '/api/0/user/alice', undefined, {
        Authorization: `token ${mine}`,
      });
      assert.ok(res.body.repos.some((p) => p.fullname === 'alice/secret'));
    });

    it('pages through repos, keeping the other page in the links', async () => {
      const res = await t.api<UserPage>('GET', '/api/0/user/alice?per_page=1&repopage=2&forkpage=1');
      assert.deepEqual(
        res.body.repos.map((p: { name: string }) => p.name),
        ['zsh'],
      );
      assert.equal(res.body.repos_pagination.prev, `${t.url}/api/0/user/alice?per_page=1&forkpage=1&repopage=1`);
      assert.equal(res.body.repos_pagination.next, null);
    });

    it('lists forks separately', async () => {
      const res = await t.api<UserPage>('GET', '/api/0/user/bob');
      assert.deepEqual(
        res.body.repos.map((p: { fullname: string }) => p.fullname),
        ['rpms/fish'],
      );
      assert.deepEqual(
        res.body.forks.map((p: { fullname: string }) => p.fullname),
        ['forks/bob/rpms/bash'],
      );
    });

    it('finds a user by email address too', async () => {
      const res = await t.api<{ user: { name: string } }>('GET', '/api/0/user/bob@example.test');
      assert.equal(res.body.user.name, 'bob');
    });

    it('answers 404 ENOUSER for an unknown user, and 400 for a bad per_page', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/user/nobody')).body, { error: 'No such user found', error_code: 'ENOUSER' });
      const tooMany = await t.api('GET', '/api/0/user/alice?per_page=101');
      assert.equal(tooMany.status, 400);
      assert.deepEqual(tooMany.body, { error: 'The per_page value must be between 1 and 100', error_code: 'EINVALIDPERPAGEVALUE' });
      assert.equal((await t.api('GET', '/api/0/user/alice?per_page=abc')).status, 400);
      assert.equal((await t.api('GET', '/api/0/user/alice?repopage=0')).status, 200, 'a page below 1 is read as 1');
    });
  });
});
