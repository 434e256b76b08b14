// Pushes end to end with the real git client: the pre-receive hook's refusals as git
// prints them, and what the post-receive job does (events, the pushed hook, activity).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import type { ForgeEvent, PushSummary } from '@pagurus/core';
import { PushIdentities } from '../src/services/git/push-identity.js';
import { FIXTURE_PLUGIN } from './support/fixtures.js';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';
import { git } from './support/git.js';

const ZERO = '0'.repeat(40);

describeModes('git pushes and their hooks', (mode) => {
  let t: TestForge;
  let work: string;
  const as = (user: string) => ({ user, secret: `${user}-password1` });
  const dir = (name: string) => path.join(work, name);

  async function events(): Promise<ForgeEvent[]> {
    return (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;
  }

  /** Waits for the post-receive job's event matching `match`. */
  async function eventually<T extends ForgeEvent>(match: (event: ForgeEvent) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const found = (await events()).find(match);
      if (found) return found as T;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no ${what} event arrived; got: ${(await events()).map((e) => e.topic).join(', ')}`);
  }

  async function pushes(): Promise<PushSummary[]> {
    return (await t.api<{ pushes: PushSummary[] }>('GET', '/api/0/_fixture/pushes')).body.pushes;
  }

  async function remoteRefs(repo: string): Promise<Map<string, string>> {
    const out = await gitOk(work, 'ls-remote', cloneUrl(t.url, repo, as('alice')));
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t').reverse() as [string, string]),
    );
  }

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    work = await tempDir();
    for (const name of ['alice', 'bob', 'carol', 'dave']) await t.createUser(name);
    const project = await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    const owner = await t.forge.services.access.viewer((await t.forge.services.users.byName('alice'))!);
    await t.forge.services.grants.change(owner, project, { kind: 'user', name: 'bob', level: 'collaborator', branches: ['epel*'] });
    await t.forge.services.grants.change(owner, project, { kind: 'user', name: 'dave', level: 'ticket' });
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'rpms/pkg', as('alice')), dir('alice'));
  });
  const alice = { author: { name: 'Alice Liddell', email: 'Alice@Example.test' } };
  after(() => t?.close());

  it("sends git.receive with Pagure's keys, resolving authors to users, and calls the pushed hook", async () => {
    const old = await gitOk(dir('alice'), 'rev-parse', 'HEAD');
    const first = await commitFile(dir('alice'), 'one.txt', '1\n', alice);
    const second = await commitFile(dir('alice'), 'README.md', 'changed\n', alice);
    await gitOk(dir('alice'), 'push', '-q', 'origin', 'main');
    const event = await eventually<ForgeEvent<'git.receive'>>(
      (e) => e.topic === 'git.receive' && (e.body as { end_commit?: string }).end_commit === second,
      'git.receive',
    );
    const body: Record<string, unknown> = { ...event.body };
    assert.equal(event.agent, 'alice');
    assert.deepEqual(
      { ...body, repo: (body.repo as { fullname: string }).fullname },
      {
        total_commits: 2,
        start_commit: first,
        end_commit: second,
        old_commit: old,
        branch: 'main',
        forced: false,
        authors: [{ name: 'alice', fullname: 'alice', url_path: 'user/alice', full_url: `${t.url}/user/alice` }],
        changed_files: { 'README.md': 'M', 'one.txt': 'A' },
        agent: 'alice',
        repo: 'rpms/pkg',
        pull_request_id: null,
      },
    );
    // The default branch's commits count on alice's heatmap (her address, any case); the
    // README commit made at creation was not pushed, so it does not.
    const today = new Date().toISOString().slice(0, 10);
    const stats = await t.api<Record<string, number>>('GET', '/api/0/user/alice/activity/stats');
    assert.equal(stats.body[today], 2);
    const day = await t.api<{ activities: Array<{ ref_id: string; type: string }> }>('GET', `/api/0/user/alice/activity/${today}`);
    assert.deepEqual(day.body.activities.map((a) => `${a.type} ${a.ref_id}`).sort(), [`committed ${first}`, `committed ${second}`].sort());
    const push = (await pushes()).find((p) => p.refs.some((r) => r.newRev === second))!;
    assert.deepEqual(push.user, { name: 'alice' });
    assert.equal(push.project.fullname, 'rpms/pkg');
    assert.equal(push.defaultBranch, 'main');
    assert.deepEqual(push.refs, [
      { ref: 'refs/heads/main', oldRev: old, newRev: second, created: false, deleted: false, forced: false, commits: [second, first] },
    ]);
  });

  it('announces new and deleted branches and tags; a new branch counts only what main lacks', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const logged = async () => (await t.api<Record<string, number>>('GET', '/api/0/user/alice/activity/stats')).body[today] ?? 0;
    const before = await logged();
    await gitOk(dir('alice'), 'checkout', '-q', '-b', 'feature', 'origin/main');
    const extra = await commitFile(dir('alice'), 'feature.txt', 'f\n', alice);
    const foreign = await commitFile(dir('alice'), 'feature2.txt', 'g\n');
    await gitOk(dir('alice'), 'tag', '-a', 'v1.0', '-m', 'Version 1.0');
    await gitOk(dir('alice'), 'push', '-q', 'origin', 'feature', 'v1.0');
    const created = await eventually(
      (e) => e.topic === 'git.branch.creation' && (e.body as { branch?: string }).branch === 'feature',
      'git.branch.creation',
    );
    assert.equal((created.body as { rev: string }).rev, foreign);
    assert.deepEqual((created.body as { authors: unknown[] }).authors, [{ fullname: 'Test Author', name: null, url_path: null }]);
    const receive = await eventually(
      (e) => e.topic === 'git.receive' && (e.body as { branch?: string }).branch === 'feature',
      'git.receive',
    );
    assert.equal(await logged(), before, "another branch's commits are not logged");
    const body = receive.body as Record<string, unknown>;
    assert.equal(body.total_commits, 2);
    assert.equal(body.start_commit, extra);
    assert.equal(body.old_commit, `^${ZERO}`);
    assert.equal((body.authors as unknown[]).length, 2);
    const tag = await eventually((e) => e.topic === 'git.tag.creation' && (e.body as { tag?: string }).tag === 'v1.0', 'git.tag.creation');
    assert.equal((tag.body as { tag: string }).tag, 'v1.0');

    await gitOk(dir('alice'), 'push', '-q', 'origin', ':feature', ':v1.0');
    await eventually(
      (e) => e.topic === 'git.branch.deletion' && (e.body as { branch?: string; rev?: string }).rev === foreign,
      'git.branch.deletion',
    );
    await eventually((e) => e.topic === 'git.tag.deletion' && (e.body as { tag?: string }).tag === 'v1.0', 'git.tag.deletion');
    assert.equal((await remoteRefs('rpms/pkg')).has('refs/heads/feature'), false);
    await gitOk(dir('alice'), 'checkout', '-q', 'main');
    await gitOk(dir('alice'), 'branch', '-q', '-D', 'feature');
  });

  it('announces branches and tags created through the API as a push would', async () => {
    const token = await t.createToken('alice', ['create_branch', 'tag_project']);
    const auth = { Authorization: `token ${token}` };
    const main = (await remoteRefs('rpms/pkg')).get('refs/heads/main')!;
    assert.equal((await t.api('POST', '/api/0/rpms/pkg/git/branch', { branch: 'from-api', from_branch: 'main' }, auth)).status, 200);
    const branch = await eventually(
      (e) => e.topic === 'git.branch.creation' && (e.body as { branch?: string }).branch === 'from-api',
      'git.branch.creation',
    );
    assert.equal(branch.agent, 'alice');
    assert.equal((branch.body as { rev: string }).rev, main);
    assert.equal(
      (await t.api('POST', '/api/0/rpms/pkg/git/tags', { tagname: 'api-tag', commit_hash: main, message: 'Tagged' }, auth)).status,
      200,
    );
    await eventually((e) => e.topic === 'git.tag.creation' && (e.body as { tag?: string }).tag === 'api-tag', 'git.tag.creation');
    assert.ok(
      (await pushes()).some((p) => p.refs.some((r) => r.ref === 'refs/heads/from-api' && r.created)),
      'the pushed hook saw it',
    );
  });

  it('lets a collaborator push only to their branch patterns, and shows why not', async () => {
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'rpms/pkg', as('bob')), dir('bob'));
    await commitFile(dir('bob'), 'bob.txt', 'bob\n');
    await gitOk(dir('bob'), 'push', '-q', 'origin', 'HEAD:epel9');
    const main = await gitRun(dir('bob'), ['push', 'origin', 'HEAD:main']);
    assert.notEqual(main.code, 0);
    assert.match(main.stderr, /remote: Pagurus refused this push:/);
    assert.match(main.stderr, /remote:\s+refs\/heads\/main: bob may not push to the branch main of rpms\/pkg/);
    assert.match(main.stderr, /pre-receive hook declined/);
    await gitOk(dir('bob'), 'tag', 'bobs-tag');
    const tag = await gitRun(dir('bob'), ['push', 'origin', 'bobs-tag']);
    assert.match(tag.stderr, /refs\/tags\/bobs-tag: bob may not push to this ref of rpms\/pkg/);
    const refs = await remoteRefs('rpms/pkg');
    assert.ok(refs.has('refs/heads/epel9'));
    assert.ok(!refs.has('refs/tags/bobs-tag'));
  });

  it('refuses ticket-level users and strangers before any upload', async () => {
    for (const user of ['dave', 'carol']) {
      const result = await gitRun(dir('alice'), ['push', cloneUrl(t.url, 'rpms/pkg', as(user)), 'HEAD:epel9']);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /403/);
    }
  });

  it("shows a plugin's canPush veto in git's output and keeps the ref unchanged", async () => {
    const result = await gitRun(dir('alice'), ['push', 'origin', 'main:forbidden']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /remote:\s+refs\/heads\/forbidden: fixture refuses pushes to refs\/heads\/forbidden/);
    assert.equal((await remoteRefs('rpms/pkg')).has('refs/heads/forbidden'), false);
  });

  it('tells canPush whether an update rewrites history, quarantined commits included', async () => {
    const base = await gitOk(dir('alice'), 'rev-parse', 'HEAD');
    await gitOk(dir('alice'), 'push', '-q', 'origin', 'HEAD:linear-1');
    // A fast-forward: its new commit is still in the push's quarantine when canPush asks.
    await gitOk(dir('alice'), 'commit', '-q', '--allow-empty', '-m', 'Forward');
    await gitOk(dir('alice'), 'push', '-q', 'origin', 'HEAD:linear-1');
    const forward = await gitOk(dir('alice'), 'rev-parse', 'HEAD');
    assert.equal((await remoteRefs('rpms/pkg')).get('refs/heads/linear-1'), forward);
    await gitOk(dir('alice'), 'commit', '-q', '--amend', '--allow-empty', '-m', 'Rewritten forward');
    const rewritten = await gitRun(dir('alice'), ['push', '--force', 'origin', 'HEAD:linear-1']);
    assert.notEqual(rewritten.code, 0);
    assert.match(rewritten.stderr, /remote:\s+refs\/heads\/linear-1: fixture refuses rewriting refs\/heads\/linear-1/);
    assert.equal((await remoteRefs('rpms/pkg')).get('refs/heads/linear-1'), forward, 'unmoved');
    // Going back is a rewrite too; deleting is not (the forge's rules decide that).
    assert.notEqual((await gitRun(dir('alice'), ['push', '--force', 'origin', `${base}:linear-1`])).code, 0);
    await gitOk(dir('alice'), 'push', '-q', 'origin', ':linear-1');
    await gitOk(dir('alice'), 'reset', '-q', '--hard', base);
  });

  it('protects branch patterns from non fast-forward pushes and deletion, and never deletes the default branch', async () => {
    const token = await t.createToken('alice', ['modify_project']);
    const set = await t.api(
      'POST',
      '/api/0/rpms/pkg/options/update',
      { block_non_fast_forward: 'main, stable*' },
      { Authorization: `token ${token}` },
    );
    assert.equal(set.status, 200);
    await gitOk(dir('alice'), 'push', '-q', 'origin', 'main:stable-1', 'main:scratch');
    const kept = await remoteRefs('rpms/pkg');
    await gitOk(dir('alice'), 'commit', '-q', '--amend', '-m', 'Rewritten');
    for (const branch of ['main', 'stable-1']) {
      const forced = await gitRun(dir('alice'), ['push', '--force', 'origin', `HEAD:${branch}`]);
      assert.notEqual(forced.code, 0, branch);
      assert.match(
        forced.stderr,
        new RegExp(`refs/heads/${branch}: ${branch} is protected in rpms/pkg: non fast-forward pushes are refused`),
      );
    }
    // Tags are not branches: a tag named like a protected branch is moved by force.
    await gitOk(dir('alice'), 'tag', '-f', 'stable-tag', 'origin/main');
    await gitOk(dir('alice'), 'push', '-q', 'origin', 'refs/tags/stable-tag');
    await gitOk(dir('alice'), 'tag', '-f', 'stable-tag', 'HEAD');
    const moved = await gitRun(dir('alice'), ['push', '--force', 'origin', 'refs/tags/stable-tag']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal((await remoteRefs('rpms/pkg')).get('refs/tags/stable-tag'), await gitOk(dir('alice'), 'rev-parse', 'HEAD'));

    const deleted = await gitRun(dir('alice'), ['push', 'origin', ':stable-1']);
    assert.notEqual(deleted.code, 0, 'git reports the refused deletion');
    assert.match(deleted.stderr, /remote:\s+refs\/heads\/stable-1: stable-1 is protected in rpms\/pkg: it cannot be deleted/);
    assert.match(deleted.stderr, /pre-receive hook declined/);
    const head = await gitRun(dir('alice'), ['push', 'origin', ':main']);
    assert.notEqual(head.code, 0, 'git reports the refused deletion');
    assert.match(head.stderr, /remote:\s+refs\/heads\/main: main is the default branch of rpms\/pkg and cannot be deleted/);
    assert.match(head.stderr, /pre-receive hook declined/);
    const after = await remoteRefs('rpms/pkg');
    for (const ref of ['refs/heads/stable-1', 'refs/heads/main']) {
      assert.ok(kept.has(ref), ref);
      assert.equal(after.get(ref), kept.get(ref), `${ref} is still there, unmoved`);
    }
    assert.ok(
      !(await events()).some(
        (e) => e.topic === 'git.branch.deletion' && ['main', 'stable-1'].includes((e.body as { branch?: string }).branch ?? ''),
      ),
      'no deletion was announced',
    );

    const rewritten = await gitOk(dir('alice'), 'rev-parse', 'HEAD');
    await gitOk(dir('alice'), 'push', '-q', '--force', 'origin', 'HEAD:scratch');
    const event = await eventually(
      (e) => e.topic === 'git.receive' && (e.body as { end_commit?: string }).end_commit === rewritten,
      'forced git.receive',
    );
    assert.equal((event.body as { forced: boolean }).forced, true);
    await gitOk(dir('alice'), 'reset', '-q', '--hard', 'origin/main');
  });

  it('lets a user push to their own fork, and nobody else', async () => {
    const bobToken = await t.createToken('bob', ['fork_project']);
    const forked = await t.api(
      'POST',
      '/api/0/fork',
      { repo: 'pkg', namespace: 'rpms', wait: true },
      { Authorization: `token ${bobToken}` },
    );
    assert.equal(forked.status, 200, JSON.stringify(forked.body));
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'forks/bob/rpms/pkg', as('bob')), dir('bob-fork'));
    await commitFile(dir('bob-fork'), 'fork.txt', 'fork\n');
    await gitOk(dir('bob-fork'), 'push', '-q', 'origin', 'HEAD:bobs-work');
    const carol = await gitRun(dir('bob-fork'), ['push', cloneUrl(t.url, 'forks/bob/rpms/pkg', as('carol')), 'HEAD:other']);
    assert.match(carol.stderr, /403/);
    const upstream = await gitRun(dir('bob-fork'), ['push', cloneUrl(t.url, 'rpms/pkg', as('bob')), 'HEAD:main']);
    assert.match(upstream.stderr, /bob may not push to the branch main/, 'the fork gives no rights upstream');
  });

  it('sets up repositories for partial and bitmap clones', async () => {
    const repo = path.join(t.forge.config.git.reposDir, 'rpms/pkg.git');
    assert.equal(git(repo, 'config', 'uploadpack.allowFilter'), 'true');
    assert.equal(git(repo, 'config', 'repack.writeBitmaps'), 'true');
    await gitOk(work, 'clone', '-q', '--filter=blob:none', cloneUrl(t.url, 'rpms/pkg'), dir('partial'));
    assert.equal(await gitOk(dir('partial'), 'config', 'remote.origin.promisor'), 'true');
  });

  it('runs git gc --auto after pushes, which packs the repository with a bitmap', async () => {
    const repo = path.join(t.forge.config.git.reposDir, 'rpms/pkg.git');
    // Keep every push as its own pack, and consolidate as soon as there are two.
    git(repo, 'config', 'receive.unpackLimit', '1');
    git(repo, 'config', 'gc.autoPackLimit', '1');
    await gitOk(dir('alice'), 'pull', '-q', '--rebase', 'origin', 'main');
    for (const n of [1, 2]) {
      await commitFile(dir('alice'), `gc-${n}.txt`, `${n}\n`);
      await gitOk(dir('alice'), 'push', '-q', 'origin', 'main');
    }
    const packDir = path.join(repo, 'objects/pack');
    const deadline = Date.now() + 15_000;
    let files: string[] = [];
    while (Date.now() < deadline) {
      files = readdirSync(packDir);
      if (files.filter((f) => f.endsWith('.pack')).length === 1 && files.some((f) => f.endsWith('.bitmap'))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(files.filter((f) => f.endsWith('.pack')).length, 1, files.join(' '));
    assert.ok(
      files.some((f) => f.endsWith('.bitmap')),
      files.join(' '),
    );
  });

  it('accepts hook callbacks only with a push identity this forge signed', async () => {
    const bare = await t.fetch('/_pagurus/git-hook', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(bare.status, 401);
    const forged = Buffer.from(
      JSON.stringify({ userId: 1, projectId: 1, repository: '/tmp/x.git', expires: Date.now() + 60_000 }),
    ).toString('base64url');
    const faked = await t.fetch('/_pagurus/git-hook', {
      method: 'POST',
      body: JSON.stringify({ hook: 'pre-receive', updates: [] }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${forged}.c2lnbmF0dXJl` },
    });
    assert.equal(faked.status, 401);
    assert.deepEqual(await faked.json(), { ok: false, messages: ['This push was not authorised by Pagurus.'] });
  });

  // git never sends these; a hook callback carrying them (a bug, or a hand-made request with
  // a leaked identity) must not reach the rules: each is refused by name, and no ref moves.
  it('refuses hook updates git would not send, and an alias whose chain loops', async () => {
    const repo = path.join(t.forge.config.git.reposDir, 'rpms/pkg.git');
    const project = (await t.forge.services.projectQueries.find({ namespace: 'rpms', name: 'pkg', forkOwner: null }))!;
    const user = (await t.forge.services.users.byName('alice'))!;
    const identity = new PushIdentities(t.forge.secret).issue({ userId: user.id, projectId: project.id, repository: repo });
    const main = git(repo, 'rev-parse', 'refs/heads/main');
    git(repo, 'symbolic-ref', 'refs/heads/loop-a', 'refs/heads/loop-b');
    git(repo, 'symbolic-ref', 'refs/heads/loop-b', 'refs/heads/loop-a');
    const before = await remoteRefs('rpms/pkg');
    const updates = [
      { ref: 'main', oldRev: main, newRev: main },
      { ref: 'refs/heads/short', oldRev: ZERO, newRev: main.slice(0, 39) },
      { ref: 'refs/heads/upper', oldRev: main.toUpperCase(), newRev: main },
      { ref: 'refs/heads/long', oldRev: ZERO, newRev: `${main}0` },
      { ref: 'refs/heads/longer', oldRev: ZERO, newRev: `${main}${'a'.repeat(25)}` },
      { ref: 'refs/heads/prefixed', oldRev: ZERO, newRev: `x${main}` },
      { ref: 'refs/heads/tail', oldRev: ZERO, newRev: `${main}${'z'.repeat(24)}` },
      // A SHA-256 name has the form of a rev: nothing refuses it here.
      { ref: 'refs/heads/sha256', oldRev: ZERO, newRev: `${main}${'b'.repeat(24)}` },
      { ref: 'refs/heads/loop-a', oldRev: main, newRev: main },
      { ref: 'refs/heads/fine', oldRev: ZERO, newRev: main },
    ];
    const answer = await t.fetch('/_pagurus/git-hook', {
      method: 'POST',
      body: JSON.stringify({ hook: 'pre-receive', updates, objects: {} }),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${identity}` },
    });
    const body = (await answer.json()) as { ok: boolean; messages: string[] };
    assert.equal(body.ok, false, JSON.stringify(body));
    assert.deepEqual(body.messages, [
      'Pagurus refused this push:',
      '  main: not a ref update git would send',
      '  refs/heads/short: not a ref update git would send',
      '  refs/heads/upper: not a ref update git would send',
      '  refs/heads/long: not a ref update git would send',
      '  refs/heads/longer: not a ref update git would send',
      '  refs/heads/prefixed: not a ref update git would send',
      '  refs/heads/tail: not a ref update git would send',
      '  refs/heads/loop-a: this alias leads to no branch (its chain of aliases loops)',
    ]);
    git(repo, 'symbolic-ref', '--delete', 'refs/heads/loop-a');
    git(repo, 'symbolic-ref', '--delete', 'refs/heads/loop-b');
    assert.deepEqual(await remoteRefs('rpms/pkg'), before, 'no ref moved');
  });
});
