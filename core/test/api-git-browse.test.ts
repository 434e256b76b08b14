// Browsing and changing a project's refs and files through the API: branches, the default
// branch, tags, aliases, clone URLs, trees and commits, with Pagure's shapes and errors.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { cloneUrl, gitOk, tempDir } from './support/git-client.js';
import { pushContent, type PushedContent } from './support/repo-content.js';

type Json = Record<string, unknown>;

describeModes('browsing repositories through the API', (mode) => {
  let t: TestForge;
  let work: string;
  let hello: PushedContent;
  const auth: Record<string, Record<string, string>> = {};
  const alice = () => auth.alice!;

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    work = await tempDir();
    for (const name of ['alice', 'bob', 'carol']) await t.createUser(name);
    await t.createProject('alice', 'hello', { readme: true });
    await t.createProject('alice', 'empty');
    await t.createProject('alice', 'secret', { readme: true, private: true });
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    for (const name of ['alice', 'bob', 'carol']) auth[name] = { Authorization: `token ${await t.createToken(name, 'all')}` };
    auth.aliceIssues = { Authorization: `token ${await t.createToken('alice', ['issue_create'])}` };
    auth.aliceOtherProject = { Authorization: `token ${await t.createToken('alice', 'all', { project: 'rpms/pkg' })}` };
    auth.bobTagger = { Authorization: `token ${await t.createToken('bob', ['tag_project'])}` };
    auth.aliceAliases = { Authorization: `token ${await t.createToken('alice', ['create_git_alias', 'delete_git_alias'])}` };
    const granted = await t.api('POST', '/api/0/hello/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'commit' }, alice());
    assert.equal(granted.status, 200);
    hello = await pushContent(t.url, work, 'hello', { user: 'alice', secret: 'alice-password1' });
    const fork = await t.api('POST', '/api/0/fork', { repo: 'hello', wait: true }, auth.bob);
    assert.equal(fork.status, 200, JSON.stringify(fork.body));
  });
  after(() => t?.close());

  const remoteRefs = async (repo = 'hello') => gitOk(work, 'ls-remote', cloneUrl(t.url, repo));

  describe('GET .../git/branches', () => {
    it('lists the branches and the default one, with their commits when asked', async () => {
      const plain = await t.api('GET', '/api/0/hello/git/branches');
      assert.equal(plain.status, 200);
      assert.deepEqual(plain.body, { total_branches: 2, branches: ['feature/x', 'main'], default: 'main' });
      const full = await t.api('GET', '/api/0/hello/git/branches?with_commits=1');
      assert.deepEqual(full.body, {
        total_branches: 2,
        branches: { 'feature/x': hello.feature, main: hello.content },
        default: { main: hello.content },
      });
    });

    it('answers under the namespaced and fork paths', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/rpms/pkg/git/branches')).body, {
        total_branches: 1,
        branches: ['main'],
        default: 'main',
      });
      const fork = await t.api<Json>('GET', '/api/0/fork/bob/hello/git/branches');
      assert.equal(fork.status, 200);
      assert.deepEqual(fork.body.branches, ['feature/x', 'main']);
    });

    it('shows an empty repository as having no branches', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/empty/git/branches')).body, { total_branches: 0, branches: [], default: null });
      assert.deepEqual((await t.api('GET', '/api/0/empty/git/branches?with_commits=true')).body, {
        total_branches: 0,
        branches: {},
        default: {},
      });
    });

    it('hides private projects from those without access, and unknown ones', async () => {
      for (const path of ['/api/0/alice/secret/git/branches', '/api/0/nothing/git/branches']) {
        const res = await t.api('GET', path, undefined, path.includes('secret') ? auth.carol : {});
        assert.equal(res.status, 404);
        assert.deepEqual(res.body, { error: 'Project not found', error_code: 'ENOPROJECT' });
      }
      assert.equal((await t.api('GET', '/api/0/alice/secret/git/branches')).status, 404);
      assert.equal((await t.api('GET', '/api/0/alice/secret/git/branches', undefined, alice())).status, 200);
    });
  });

  describe('POST .../git/branches (the default branch)', () => {
    it('sets HEAD for an admin and answers the branch listing', async () => {
      const res = await t.api('POST', '/api/0/hello/git/branches', { branch_name: 'feature/x' }, alice());
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { total_branches: 2, branches: ['feature/x', 'main'], default: 'feature/x' });
      assert.match(await gitOk(work, 'ls-remote', '--symref', cloneUrl(t.url, 'hello'), 'HEAD'), /ref: refs\/heads\/feature\/x\tHEAD/);
      const back = await t.api('POST', '/api/0/hello/git/branches?with_commits=1', { branch_name: 'main' }, alice());
      assert.deepEqual((back.body as Json).default, { main: hello.content });
    });

    it('refuses committers, tokens without modify_project, and no token', async () => {
      const bob = await t.api('POST', '/api/0/hello/git/branches', { branch_name: 'feature/x' }, auth.bob);
      assert.equal(bob.status, 401);
      assert.deepEqual(bob.body, { error: 'You are not allowed to modify this project', error_code: 'EMODIFYPROJECTNOTALLOWED' });
      const acl = await t.api<Json>('POST', '/api/0/hello/git/branches', { branch_name: 'main' }, auth.aliceIssues);
      assert.equal(acl.status, 401);
      assert.equal(acl.body.error_code, 'EINVALIDTOK');
      assert.equal(acl.body.errors, 'Missing ACLs: modify_project');
      const none = await t.api<Json>('POST', '/api/0/hello/git/branches', { branch_name: 'main' });
      assert.equal(none.status, 401);
      assert.equal(none.body.errors, 'Invalid token');
      const other = await t.api<Json>('POST', '/api/0/hello/git/branches', { branch_name: 'main' }, auth.aliceOtherProject);
      assert.equal(other.status, 401);
      assert.equal(other.body.error_code, 'EINVALIDTOK');
    });

    it('answers EGITERROR for a missing, unknown or malformed branch', async () => {
      for (const data of [{}, { branch_name: 'nope' }, { branch_name: '../main' }, { branch_name: 'HEAD' }]) {
        const res = await t.api('POST', '/api/0/hello/git/branches', data, alice());
        assert.equal(res.status, 400, JSON.stringify(data));
        assert.deepEqual(res.body, { error: 'An error occurred during a git operation', error_code: 'EGITERROR' });
      }
    });
  });

  describe('POST .../git/branch', () => {
    const create = (data: unknown, who = alice(), repo = 'hello') => t.api<Json>('POST', `/api/0/${repo}/git/branch`, data, who);

    it('creates a branch from the default branch, a branch or a commit', async () => {
      assert.deepEqual((await create({ branch: 'from-head' })).body, { message: 'Project branch was created' });
      assert.equal((await create({ branch: 'from-feature', from_branch: 'feature/x' })).status, 200);
      assert.equal((await create({ branch: 'from-commit', from_commit: hello.first.slice(0, 10) }, auth.bob)).status, 200);
      const refs = await remoteRefs();
      assert.match(refs, new RegExp(`^${hello.content}\trefs/heads/from-head$`, 'm'));
      assert.match(refs, new RegExp(`^${hello.feature}\trefs/heads/from-feature$`, 'm'));
      assert.match(refs, new RegExp(`^${hello.first}\trefs/heads/from-commit$`, 'm'));
    });

    it("answers Pagure's messages for what does not exist or already does", async () => {
      const cases: Array<[unknown, string]> = [
        [{ branch: 'main' }, 'The branch "main" already exists'],
        [{ branch: 'x1', from_branch: 'nope' }, 'The "nope" branch does not exist'],
        [{ branch: 'x2', from_commit: 'deadbeef' }, 'The commit "deadbeef" does not exist'],
      ];
      for (const [data, error] of cases) {
        const res = await create(data);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, { error, error_code: 'ENOCODE' });
      }
      const empty = await create({ branch: 'first' }, alice(), 'empty');
      assert.deepEqual(empty.body, { error: 'The "main" branch does not exist', error_code: 'ENOCODE' });
    });

    it('refuses incomplete, ambiguous or malformed input with EINVALIDREQ', async () => {
      const bad = [
        {},
        { branch: '' },
        { branch: 3 },
        { branch: 'b', from_branch: 'main', from_commit: hello.first },
        { branch: 'b', from_branch: ['main'] },
        { branch: 'a..b' },
        { branch: '-x' },
        { branch: 'x\0y' },
        { branch: 'x'.repeat(300) },
      ];
      for (const data of bad) {
        const res = await create(data);
        assert.equal(res.status, 400, JSON.stringify(data));
        assert.equal(res.body.error_code, 'EINVALIDREQ');
      }
    });

    it('lets only those who may push to the branch create it', async () => {
      const carol = await create({ branch: 'carols' }, auth.carol);
      assert.equal(carol.status, 401);
      assert.deepEqual(carol.body, {
        error: 'You do not have sufficient permissions to perform this action',
        error_code: 'ENOTHIGHENOUGH',
      });
      const acl = await create({ branch: 'nope2' }, auth.aliceIssues);
      assert.equal(acl.status, 401);
      assert.equal(acl.body.errors, 'Missing ACLs: create_branch');
      assert.equal((await create({ branch: 'nope3' }, auth.aliceOtherProject)).status, 401);
      assert.doesNotMatch(await remoteRefs(), /carols|nope/);
    });

    it('asks the canPush hook, whose refusal is the error', async () => {
      t.forge.hooks.canPush.tap('test', (check) => (check.ref === 'refs/heads/vetoed' ? { message: 'vetoed by policy' } : undefined));
      const res = await create({ branch: 'vetoed' });
      assert.deepEqual(res.body, { error: 'vetoed by policy', error_code: 'ENOCODE' });
      assert.doesNotMatch(await remoteRefs(), /vetoed/);
    });
  });

  describe('.../git/tags', () => {
    it('lists lightweight and annotated tags, with the commits they name when asked', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/hello/git/tags')).body, { total_tags: 2, tags: ['v0.1', 'v0.2'] });
      assert.deepEqual((await t.api('GET', '/api/0/hello/git/tags?with_commits=t')).body, {
        total_tags: 2,
        tags: { 'v0.1': hello.content, 'v0.2': hello.first },
      });
      assert.deepEqual((await t.api('GET', '/api/0/empty/git/tags')).body, { total_tags: 0, tags: [] });
    });

    it('creates an annotated tag once; force moves it unless the forge forbids it', async () => {
      const tag = (data: Json, who = alice()) => t.api<Json>('POST', '/api/0/hello/git/tags', data, who);
      const made = await tag({ tagname: 'v1.0', commit_hash: hello.first, message: 'One\nzero' });
      assert.equal(made.status, 200);
      assert.deepEqual(made.body, { total_tags: 3, tags: ['v0.1', 'v0.2', 'v1.0'], tag_created: true });
      assert.match(await remoteRefs(), new RegExp(`^${hello.first}\trefs/tags/v1.0\\^\\{\\}$`, 'm'), 'annotated');
      assert.equal((await tag({ tagname: 'v1.0', commit_hash: hello.content })).body.tag_created, false);
      t.forge.config.git.apiUpdateTags = false;
      try {
        assert.equal((await tag({ tagname: 'v1.0', commit_hash: hello.content, force: true })).body.tag_created, false);
      } finally {
        t.forge.config.git.apiUpdateTags = true;
      }
      const forced = await tag({ tagname: 'v1.0', commit_hash: hello.content.slice(0, 12), force: 'true', with_commits: true });
      assert.equal(forced.body.tag_created, true);
      assert.deepEqual((forced.body.tags as Json)['v1.0'], hello.content);
      const byTagger = await tag({ tagname: 'bobs', commit_hash: hello.content }, auth.bobTagger);
      assert.equal(byTagger.body.tag_created, true, 'a committer with only tag_project');
    });

    it('answers EINVALIDREQ with the fields, and EGITERROR for an unknown commit', async () => {
      const missing = await t.api('POST', '/api/0/hello/git/tags', {}, alice());
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.body, {
        error: 'Invalid or incomplete input submitted',
        error_code: 'EINVALIDREQ',
        errors: { tagname: ['This field is required.'], commit_hash: ['This field is required.'] },
      });
      const badName = await t.api<Json>('POST', '/api/0/hello/git/tags', { tagname: 'a b', commit_hash: hello.first }, alice());
      assert.deepEqual(badName.body.errors, { tagname: ['Not a valid tag name.'] });
      for (const commit of ['0123456789abcdef', 'main', '../x']) {
        const res = await t.api('POST', '/api/0/hello/git/tags', { tagname: 'x', commit_hash: commit }, alice());
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, { error: 'An error occurred during a git operation', error_code: 'EGITERROR' });
      }
    });

    it('refuses non-committers and tokens without modify_project or tag_project', async () => {
      const carol = await t.api('POST', '/api/0/hello/git/tags', { tagname: 'c', commit_hash: hello.first }, auth.carol);
      assert.equal(carol.status, 401);
      assert.equal((carol.body as Json).error_code, 'ENOTHIGHENOUGH');
      const acl = await t.api<Json>('POST', '/api/0/hello/git/tags', { tagname: 'c', commit_hash: hello.first }, auth.aliceIssues);
      assert.equal(acl.status, 401);
      assert.equal(acl.body.errors, 'Missing ACLs: modify_project, tag_project');
    });
  });

  describe('.../git/alias', () => {
    it('creates, lists and drops an alias that is a symbolic ref', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/hello/git/alias')).body, {});
      const made = await t.api('POST', '/api/0/hello/git/alias/new', { alias_from: 'rawhide', alias_to: 'main' }, auth.aliceAliases);
      assert.equal(made.status, 200);
      assert.deepEqual(made.body, { 'refs/heads/rawhide': 'refs/heads/main' });
      assert.deepEqual((await t.api('GET', '/api/0/hello/git/alias')).body, { 'refs/heads/rawhide': 'refs/heads/main' });
      assert.match(await remoteRefs(), new RegExp(`^${hello.content}\trefs/heads/rawhide$`, 'm'));
      const tree = await t.api<Json>('GET', '/api/0/hello/tree/rawhide/f/docs/guide.md');
      assert.equal(tree.status, 200, 'the alias works as a branch');
      const again = await t.api('POST', '/api/0/hello/git/alias/new', { alias_from: 'rawhide', alias_to: 'main' }, alice());
      assert.deepEqual(again.body, {
        error: 'Could not create alias from rawhide to main. Reference already existing?',
        error_code: 'ENOCODE',
      });
      const dropped = await t.api('POST', '/api/0/hello/git/alias/drop', { alias_from: 'rawhide', alias_to: 'main' }, alice());
      assert.deepEqual(dropped.body, {});
      await t.api('POST', '/api/0/hello/git/alias/new', { alias_from: 'rawhide', alias_to: 'main' }, alice());
      const pagureOrder = await t.api('POST', '/api/0/hello/git/alias/drop', { alias_from: 'main', alias_to: 'rawhide' }, alice());
      assert.deepEqual(pagureOrder.body, {}, "Pagure's drop names the target first");
      assert.match(await remoteRefs(), /refs\/heads\/main$/m, 'the target stays');
    });

    it('answers EBRANCHNOTFOUND and EINVALIDREQ as Pagure does', async () => {
      for (const action of ['new', 'drop']) {
        const missing = await t.api('POST', `/api/0/hello/git/alias/${action}`, { alias_from: 'master', alias_to: 'nope' }, alice());
        assert.equal(missing.status, 400);
        assert.deepEqual(missing.body, { error: 'Branch not found in this git repository', error_code: 'EBRANCHNOTFOUND' });
        for (const data of [{}, { alias_from: 'x' }, { dev: 'foobar' }, { alias_from: 'a..b', alias_to: 'main' }]) {
          const res = await t.api('POST', `/api/0/hello/git/alias/${action}`, data, alice());
          // Pagure's alias/new says which fields; its drop does not.
          const error = action === 'new' ? 'Invalid input for alias_from or alias_to' : 'Invalid or incomplete input submitted';
          assert.deepEqual(res.body, { error, error_code: 'EINVALIDREQ' });
        }
      }
    });

    it('lets only admins change aliases, with one of the alias ACLs', async () => {
      const bob = await t.api('POST', '/api/0/hello/git/alias/new', { alias_from: 'r', alias_to: 'main' }, auth.bob);
      assert.equal(bob.status, 401);
      assert.equal((bob.body as Json).error_code, 'EMODIFYPROJECTNOTALLOWED');
      const acl = await t.api<Json>('POST', '/api/0/hello/git/alias/drop', { alias_from: 'r', alias_to: 'main' }, auth.aliceIssues);
      assert.equal(acl.body.errors, 'Missing ACLs: delete_git_alias, modify_git_alias, modify_project');
      // A token bound to another project is anonymous here: it reads what anyone reads.
      const elsewhere = await t.api('GET', '/api/0/hello/git/alias', undefined, auth.aliceOtherProject);
      assert.deepEqual([elsewhere.status, elsewhere.body], [200, (await t.api('GET', '/api/0/hello/git/alias')).body]);
    });
  });

  describe('GET .../git/urls', () => {
    it('lists the configured clone URLs, the SSH one for the caller', async () => {
      assert.deepEqual((await t.api('GET', '/api/0/hello/git/urls')).body, { total_urls: 0, urls: {} });
      t.forge.config.git.urlSsh = 'ssh://{username}@pkgs.example.test/';
      t.forge.config.git.urlGit = 'https://src.example.test/git/';
      try {
        assert.deepEqual((await t.api('GET', '/api/0/rpms/pkg/git/urls', undefined, alice())).body, {
          total_urls: 2,
          urls: { ssh: 'ssh://alice@pkgs.example.test/rpms/pkg.git', git: 'https://src.example.test/git/rpms/pkg.git' },
        });
        const anonymous = await t.api<Json>('GET', '/api/0/fork/bob/hello/git/urls');
        assert.deepEqual(anonymous.body.urls, {
          ssh: 'ssh://{username}@pkgs.example.test/forks/bob/hello.git',
          git: 'https://src.example.test/git/forks/bob/hello.git',
        });
        const bad = await t.api<Json>('GET', '/api/0/hello/git/urls', undefined, { Authorization: 'token nope' });
        assert.equal(bad.status, 401);
        assert.equal(bad.body.error_code, 'EINVALIDTOK');
      } finally {
        t.forge.config.git.urlSsh = undefined;
        t.forge.config.git.urlGit = undefined;
      }
    });
  });

  describe('GET .../tree', () => {
    const raw = (ref: string, path: string) => `${t.url}/hello/raw/${ref}/f/${path}`;
    const api = (ref: string, path: string) => `${t.url}/api/0/hello/tree/${ref}/f/${path}`;

    it("lists the default branch's root: folders first, then files, links and submodules", async () => {
      const res = await t.api<{ type: string; name: null; content: Json[] }>('GET', '/api/0/hello/tree');
      assert.equal(res.status, 200);
      assert.equal(res.body.type, 'folder');
      assert.equal(res.body.name, null);
      assert.deepEqual(
        res.body.content.map((e) => [e.type, e.name]),
        [
          ['folder', 'bin'],
          ['folder', 'dir with space'],
          ['folder', 'docs'],
          ['file', 'README.md'],
          ['file', 'data.bin'],
          ['file', 'empty.txt'],
          ['file', 'logo.png'],
          ['file', 'page.html'],
          ['link', 'escape'],
          ['link', 'link.md'],
          ['submodule', 'sub'],
        ],
      );
      assert.deepEqual(res.body.content[2], { type: 'folder', name: 'docs', path: 'docs', content_url: api('main', 'docs') });
      assert.deepEqual(res.body.content[3], { type: 'file', name: 'README.md', path: 'README.md', content_url: raw('main', 'README.md') });
      assert.equal(res.body.content[1]!.content_url, api('main', 'dir%20with%20space'));
    });

    it('lists a folder and describes a file at a branch, a commit or a tag', async () => {
      const folder = await t.api<{ name: string; content: Json[] }>('GET', '/api/0/hello/tree/feature/x/f/docs/');
      assert.equal(folder.body.name, 'docs');
      assert.deepEqual(folder.body.content, [
        { type: 'folder', name: 'deep', path: 'docs/deep', content_url: `${t.url}/api/0/hello/tree/feature/x/f/docs/deep` },
        { type: 'file', name: 'guide.md', path: 'docs/guide.md', content_url: `${t.url}/hello/raw/feature/x/f/docs/guide.md` },
      ]);
      const file = await t.api('GET', `/api/0/hello/tree/${hello.content}/f/bin/run.sh`);
      assert.deepEqual(file.body, { type: 'file', name: 'bin/run.sh', content_url: raw(hello.content, 'bin/run.sh') });
      assert.equal((await t.api('GET', '/api/0/hello/tree/v0.1/f/docs/guide.md')).status, 200);
      assert.equal((await t.api('GET', `/api/0/hello/tree/${hello.content.slice(0, 7)}`)).status, 200);
      assert.equal((await t.api('GET', '/api/0/hello/tree/feature%2Fx/f/feature.txt')).status, 200);
      assert.equal((await t.api('GET', '/api/0/fork/bob/hello/tree/main/f/docs')).status, 200);
    });

    it('answers EFILENOTFOUND for unknown refs and paths, never leaving the repository', async () => {
      const paths = [
        'nope',
        'nope/f/README.md',
        'main/f/nothing',
        'main/f/README.md/x',
        'main/f/sub',
        'v0.2/f/docs',
        'main/f/%2e%2e%2fREADME.md',
        'main/f/..%2F..%2F..%2Fetc%2Fpasswd',
        'main/f/docs%2F..%2FREADME.md',
        'main/f/%2Fetc%2Fpasswd',
        `main/f/${'a/'.repeat(3000)}x`,
        'HEAD~1',
        'main^{tree}',
        '..%2F..',
        '-x',
        '@{-1}',
      ];
      for (const path of paths) {
        const res = await t.api('GET', `/api/0/hello/tree/${path}`);
        assert.equal(res.status, 404, path);
        assert.deepEqual(res.body, { error: 'File not found in this git repository', error_code: 'EFILENOTFOUND' }, path);
      }
      // A NUL byte is refused at the edge, before any route: 400 with Pagure's error JSON.
      for (const path of ['main/f/a%00b', 'main%00/f/README.md']) {
        const res = await t.api<{ error_code: string; errors: unknown }>('GET', `/api/0/hello/tree/${path}`);
        assert.equal(res.status, 400, path);
        assert.equal(res.body.error_code, 'EINVALIDREQ', path);
        assert.deepEqual(res.body.errors, { path: ['The path contains a NUL byte'] }, path);
      }
    });

    it('answers EEMPTYGIT for an empty repository, and hides private projects', async () => {
      const res = await t.api('GET', '/api/0/empty/tree');
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { error: 'This git repository is empty', error_code: 'EEMPTYGIT' });
      assert.equal((await t.api('GET', '/api/0/alice/secret/tree')).status, 404);
      assert.equal((await t.api('GET', '/api/0/alice/secret/tree/main/f/README.md', undefined, alice())).status, 200);
    });
  });

  describe('GET .../c/<hash>/info', () => {
    it('describes a commit, by a full or short hash', async () => {
      for (const hash of [hello.content, hello.content.slice(0, 8)]) {
        const res = await t.api<Json>('GET', `/api/0/hello/c/${hash}/info`);
        assert.equal(res.status, 200);
        assert.deepEqual(Object.keys(res.body).sort(), [
          'author',
          'commit_time',
          'commit_time_offset',
          'committer',
          'hash',
          'message',
          'parent_ids',
          'tree_id',
        ]);
        assert.equal(res.body.hash, hello.content);
        assert.equal(res.body.author, 'Test Author');
        assert.equal(res.body.message, 'Add content\n\nWith a body.\n');
        assert.deepEqual(res.body.parent_ids, [hello.first]);
        assert.equal(res.body.tree_id, await gitOk(hello.dir, 'rev-parse', `${hello.content}^{tree}`));
        assert.equal(typeof res.body.commit_time, 'number');
        assert.equal(typeof res.body.commit_time_offset, 'number');
      }
    });

    it('answers ENOCOMMIT for anything that is not a commit', async () => {
      const tree = await gitOk(hello.dir, 'rev-parse', `${hello.content}^{tree}`);
      for (const hash of ['0'.repeat(40), tree, 'main', 'zz', 'abc', '%2E%2E%2Fx']) {
        const res = await t.api('GET', `/api/0/hello/c/${hash}/info`);
        assert.equal(res.status, 404, hash);
        assert.deepEqual(res.body, { error: 'No such commit found in this repository', error_code: 'ENOCOMMIT' });
      }
      assert.equal((await t.api('GET', `/api/0/alice/secret/c/${hello.first}/info`)).status, 404);
    });
  });
});
