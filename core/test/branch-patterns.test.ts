// Branch patterns (collaborators' branches, block_non_fast_forward): fnmatch's meaning,
// matched in linear time whatever the pattern, and bounded in size where they are saved.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { BRANCH_PATTERN_LIMITS, fnmatch, matchesAny } from '../src/services/access/fnmatch.js';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';
import { Browser, fieldError } from './support/page-client.js';

// Patterns that make a backtracking regex engine take exponential time.
const NASTY = ['*a*a*a*a*a*a*b', '*a*a*a*a*a*a*a*a*a*a*a*a*c', '*?*?*?*?*?*?*?*?*x'];

describe('branch patterns, as fnmatch reads them', () => {
  it('matches as Python fnmatch does', () => {
    // [name, pattern, matches]; checked against Python's fnmatch.fnmatchcase.
    const table: Array<[string, string, boolean]> = [
      ['main', 'main', true],
      ['main', 'mai', false],
      ['feature/x', 'feature/*', true],
      ['feature/a/b', 'feature/*', true],
      ['feature', 'feature/*', false],
      ['f1', 'f?', true],
      ['f12', 'f?', false],
      ['f/', 'f?', true],
      ['é', '?', true],
      ['a', '[abc]', true],
      ['d', '[abc]', false],
      ['b', '[!a]', true],
      ['a', '[!a]', false],
      ['m', '[a-z]', true],
      ['M', '[a-z]', false],
      ['é', '[à-ë]', true],
      ['-', '[a-]', true],
      ['-', '[-a]', true],
      ['a-z', 'a[!a-z]z', true],
      ['abz', 'a[!a-z]z', false],
      ['m', '[z-a]', false],
      [']', '[]]', true],
      ['a', '[]a]', true],
      ['b', '[!]]', true],
      [']', '[!]]', false],
      ['[abc', '[abc', true],
      ['a', '[abc', false],
      ['v1.0', 'v1.0', true],
      ['v1x0', 'v1.0', false],
      ['a+b', 'a+b', true],
      ['aab', 'a+b', false],
      ['(x)|y', '(x)|y', true],
      ['x^y$', 'x^y$', true],
      ['a\\b', 'a\\b', true],
      ['a\\xyz', 'a\\*', true],
      ['a*', 'a\\*', false],
      ['', '', true],
      ['a', '', false],
      ['', '*', true],
      ['abc', '**c', true],
      ['x\ny', 'x*y', true],
      ['abcabc', '*abc', true],
      ['ab', '*a*a*', false],
      ['rel-1.0', 'rel-*', true],
      ['epel8', 'epel*', true],
      ['f39', 'f[0-9][0-9]', true],
      ['f3', 'f[0-9][0-9]', false],
    ];
    const wrong = table.filter(([name, pattern, expected]) => fnmatch(name, pattern) !== expected);
    assert.deepEqual(wrong, []);
    assert.equal(matchesAny('f39', ['epel*', 'f*']), true);
    assert.equal(matchesAny('main', ['epel*', 'f*']), false);
    assert.equal(matchesAny('main', []), false);
  });

  it('answers in linear time for patterns that make a regex engine backtrack', () => {
    for (const length of [100, 1_000, 10_000]) {
      for (const pattern of NASTY) {
        const start = performance.now();
        assert.equal(fnmatch('a'.repeat(length), pattern), false);
        assert.equal(fnmatch(`${'a'.repeat(length)}b`, '*a*a*a*a*a*a*b'), true);
        const took = performance.now() - start;
        assert.ok(took < 200, `${pattern} against ${length} characters took ${took.toFixed(1)} ms`);
      }
    }
  });
});

describeModes('branch patterns over HTTP and git', (mode) => {
  let t: TestForge;
  let work: string;
  let admin: Record<string, string>;
  const as = (user: string) => ({ user, secret: `${user}-password1` });
  const long = 'a'.repeat(100);
  const matching = `${'a'.repeat(99)}b`;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode });
    work = await tempDir();
    for (const name of ['alice', 'bob']) await t.createUser(name);
    await t.createProject('alice', 'gamma', { readme: true });
    admin = { Authorization: `token ${await t.createToken('alice', ['modify_project'])}` };
  });
  after(() => t?.close());

  const settings = async () =>
    (await t.api<{ settings: Record<string, unknown> }>('GET', '/api/0/gamma/options', undefined, admin)).body.settings;

  it('refuses too long a pattern and too many patterns, and keeps the setting as it was', async () => {
    const { length, count } = BRANCH_PATTERN_LIMITS;
    assert.equal((await t.api('POST', '/api/0/gamma/options/update', { block_non_fast_forward: 'main' }, admin)).status, 200);
    const tooLong = await t.api<{ error_code: string; errors: Record<string, string[]> }>(
      'POST',
      '/api/0/gamma/options/update',
      { block_non_fast_forward: `main, ${'x'.repeat(length + 1)}` },
      admin,
    );
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error_code, 'EINVALIDREQ');
    assert.deepEqual(tooLong.body.errors, { block_non_fast_forward: [`Field cannot be longer than ${length} characters.`] });
    const tooMany = Array.from({ length: count + 1 }, (_, i) => `b${i}`).join(',');
    const many = await t.api<{ error_code: string; errors: Record<string, string[]> }>(
      'POST',
      '/api/0/gamma/options/update',
      { block_non_fast_forward: tooMany },
      admin,
    );
    assert.equal(many.status, 400);
    assert.deepEqual(many.body.errors, { block_non_fast_forward: [`At most ${count} branch patterns are allowed.`] });
    assert.equal((await settings()).block_non_fast_forward, 'main');
    const justRight = Array.from({ length: count }, (_, i) => (i ? `b${i}` : 'x'.repeat(length))).join(',');
    assert.equal((await t.api('POST', '/api/0/gamma/options/update', { block_non_fast_forward: justRight }, admin)).status, 200);

    // Collaborators' branches, given in the settings page.
    const alice = new Browser(t);
    await alice.logIn('alice', 'alice-password1');
    const refused = await alice.submit(
      '/gamma/settings/access/add',
      { kind: 'user', name: 'bob', level: 'collaborator', branches: `f*, ${'x'.repeat(length + 1)}` },
      '/gamma/settings',
    );
    assert.equal(refused.status, 400, refused.html);
    assert.equal(fieldError(refused.html, 'access-branches'), `Field cannot be longer than ${length} characters.`);
    const contributors = (await t.api<{ access_users: Record<string, string[]> }>('GET', '/api/0/gamma')).body.access_users;
    assert.ok(!Object.values(contributors).flat().includes('bob'));
  });

  it('judges pushes promptly and correctly with patterns made to backtrack', async function () {
    this.timeout(120_000);
    assert.equal((await t.api('POST', '/api/0/gamma/options/update', { block_non_fast_forward: NASTY.join(', ') }, admin)).status, 200);
    const alice = new Browser(t);
    await alice.logIn('alice', 'alice-password1');
    const given = await alice.submit(
      '/gamma/settings/access/add',
      { kind: 'user', name: 'bob', level: 'collaborator', branches: NASTY.join(', ') },
      '/gamma/settings',
    );
    assert.equal(given.status, 302, given.html);

    const dir = path.join(work, 'alice');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'gamma', as('alice')), dir);
    for (const branch of [long, matching]) {
      await gitOk(dir, 'checkout', '-q', '-b', branch, 'origin/main');
      await commitFile(dir, 'one.txt', `${branch.at(-1)}1\n`);
      await gitOk(dir, 'push', '-q', 'origin', branch);
      await commitFile(dir, 'one.txt', `${branch.at(-1)}2\n`);
    }
    const timed = async (dirOf: string, ...args: string[]) => {
      const start = performance.now();
      const result = await gitRun(dirOf, args);
      return { ...result, ms: performance.now() - start };
    };
    // A fast-forward of a branch none of the patterns protects: every pattern is tried.
    await gitOk(dir, 'checkout', '-q', long);
    const forward = await timed(dir, 'push', '-q', 'origin', long);
    assert.equal(forward.code, 0, forward.stderr);
    assert.ok(forward.ms < 10_000, `the push took ${forward.ms.toFixed(0)} ms`);
    // Rewriting it is allowed too; rewriting the protected one is refused.
    await gitOk(dir, 'commit', '-q', '--amend', '-m', 'Rewritten');
    const rewrite = await timed(dir, 'push', '-q', '--force', 'origin', long);
    assert.equal(rewrite.code, 0, rewrite.stderr);
    await gitOk(dir, 'checkout', '-q', matching);
    await gitOk(dir, 'push', '-q', 'origin', matching);
    await gitOk(dir, 'commit', '-q', '--amend', '-m', 'Rewritten');
    const refused = await timed(dir, 'push', '-q', '--force', 'origin', matching);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /non fast-forward pushes are refused/);
    assert.ok(refused.ms < 10_000, `the refusal took ${refused.ms.toFixed(0)} ms`);

    // bob, a collaborator on the matching branches only.
    const bobDir = path.join(work, 'bob');
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'gamma', as('bob')), bobDir);
    await gitOk(bobDir, 'checkout', '-q', '-b', 'mine', `origin/${matching}`);
    await commitFile(bobDir, 'two.txt', 'bob\n');
    const allowed = await timed(bobDir, 'push', '-q', 'origin', `mine:${matching}`);
    assert.equal(allowed.code, 0, allowed.stderr);
    // A new branch that none of the patterns matches, after the same run of "a"s.
    const other = `${long}d`;
    const denied = await timed(bobDir, 'push', '-q', 'origin', `mine:${other}`);
    assert.notEqual(denied.code, 0);
    assert.ok(denied.stderr.includes(`bob may not push to the branch ${other}`), denied.stderr);
    assert.ok(allowed.ms < 10_000 && denied.ms < 10_000, `bob's pushes took ${allowed.ms.toFixed(0)} and ${denied.ms.toFixed(0)} ms`);
  });
});
