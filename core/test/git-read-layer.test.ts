// The git read layer: refs read from the repository's files, objects from the pack and
// loose files in this process or through pooled `git cat-file --batch-command` processes. Each answer is compared with what the git
// binary itself prints for the same repository, including after the objects move under
// the pool (gc, repack, prune), while pushes land, and when a pooled process dies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  blobStream,
  branchesAndHead,
  commitOf,
  entryAt,
  forEachGitLine,
  GitCommandError,
  gitReads,
  listRefs,
  objectFiles,
  listTree,
  logCommits,
  readBlob,
  readCommit,
  readRef,
  ReadPool,
  runGit,
  runGitCapped,
  type RefEntry,
} from '../src/git/index.js';
import { commitFile, gitOk, gitRun, tempDir, writeFiles } from './support/git-client.js';
import { eventually } from './support/wait.js';
import { bareAndWork, type BareAndWork } from './support/bare-repo.js';

function repository(): Promise<BareAndWork> {
  return bareAndWork('pagurus-read-');
}

/** Runs an ES module snippet in a new Node process with the sources loadable; its exit code and output. */
function gitRunNode(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import=tsx/esm', '--input-type=module', '-e', code], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (exit) => resolve({ code: exit, stdout, stderr }));
  });
}

/** What `git for-each-ref` prints, in listRefs's shape. */
async function gitRefs(repo: string, prefix: string): Promise<RefEntry[]> {
  const out = await gitOk(repo, 'for-each-ref', '--format=%(refname)%00%(objectname)%00%(*objectname)%00%(symref)', prefix);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref = '', object = '', peeled = '', symref = ''] = line.split('\0');
      return { ref, object, peeled: peeled || object, symref: symref || undefined };
    });
}

/** What `git log` prints, in logCommits's shape. */
async function gitLog(repo: string, revision: string, skip: number, limit: number) {
  const out = await gitOk(repo, 'log', `--format=%H%x00%an%x00%ae%x00%at%x00%s%x1e`, `--skip=${skip}`, `--max-count=${limit}`, revision);
  return out
    .split('\x1e')
    .map((r) => r.replace(/^\n/, ''))
    .filter(Boolean)
    .map((r) => {
      const [hash = '', authorName = '', authorEmail = '', time = '0', subject = ''] = r.split('\0');
      return { hash, authorName, authorEmail, time: Number(time), subject };
    });
}

describe('the git read layer', function () {
  this.timeout(60_000);

  describe('refs, read from the files', () => {
    it('lists branches, tags and aliases as for-each-ref does, loose and packed, and after the files change', async () => {
      const { bare, work, push } = await repository();
      await commitFile(work, 'a.txt', 'one\n');
      await push();
      await gitOk(work, 'branch', 'f42');
      await gitOk(work, 'tag', '-a', '-m', 'release', 'v1');
      await gitOk(work, 'tag', 'light');
      await push('main', 'f42', 'v1', 'light');
      await gitOk(bare, 'symbolic-ref', 'refs/heads/rawhide', 'refs/heads/main');
      await gitOk(bare, 'symbolic-ref', 'refs/heads/dangling', 'refs/heads/nothing-here');
      assert.deepEqual(await listRefs(bare, 'refs/'), await gitRefs(bare, 'refs/'));
      assert.deepEqual(await listRefs(bare, 'refs/tags/'), await gitRefs(bare, 'refs/tags/'));
      const tag = (await listRefs(bare, 'refs/tags/')).find((r) => r.ref === 'refs/tags/v1')!;
      assert.notEqual(tag.object, tag.peeled, 'an annotated tag peels to its commit');

      // Packed, then changed again right away: a loose ref on top of the packed one wins.
      await gitOk(bare, 'pack-refs', '--all');
      assert.deepEqual(await listRefs(bare, 'refs/'), await gitRefs(bare, 'refs/'));
      const next = await commitFile(work, 'a.txt', 'two\n');
      await push('main');
      const listing = await branchesAndHead(bare);
      assert.equal(listing.head?.commit, next);
      assert.equal(listing.branches.find((b) => b.ref === 'refs/heads/rawhide')?.object, next);
      assert.ok(!listing.branches.some((b) => b.ref === 'refs/heads/dangling'), 'a dangling alias is not listed');
      assert.deepEqual(await readRef(bare, 'refs/heads/rawhide'), { symref: 'refs/heads/main' });
      assert.deepEqual(await readRef(bare, 'refs/heads/main'), { object: next });
      assert.equal(await readRef(bare, 'refs/heads/nope'), undefined);

      // A branch deleted by git itself, behind the forge's back.
      await gitOk(bare, 'update-ref', '-d', 'refs/heads/f42');
      assert.deepEqual(await listRefs(bare, 'refs/heads/'), await gitRefs(bare, 'refs/heads/'));
      assert.equal(await commitOf(bare, 'refs/heads/f42'), undefined);
    });

    it('sees a ref changed many times within one clock tick', async () => {
      const { bare, work, push } = await repository();
      const commits: string[] = [];
      for (let i = 0; i < 3; i += 1) commits.push(await commitFile(work, 'n.txt', `${i}\n`));
      await push();
      for (const commit of commits) {
        await gitOk(bare, 'update-ref', 'refs/heads/moving', commit);
        assert.equal(await commitOf(bare, 'refs/heads/moving'), commit);
        assert.equal((await branchesAndHead(bare)).branches.find((b) => b.ref === 'refs/heads/moving')?.object, commit);
      }
    });
  });

  // Read in this process (the default), and through the cat-file processes alone.
  for (const inProcess of [true, false]) {
    describe(inProcess ? 'read in the forge process first' : 'read through the pool alone (git.read_in_process off)', () => {
      before(() => (objectFiles.enabled = inProcess));
      after(() => (objectFiles.enabled = true));
      describe('objects', () => {
        it('reads trees, entries, blobs and commits as git shows them', async () => {
          const { bare, work, push } = await repository();
          await writeFiles(work, { 'docs/guide.md': '# Guide\n', 'bin/run': '#!/bin/sh\n', 'big.bin': Buffer.alloc(1_500_000, 7) });
          await gitOk(work, 'add', '.');
          await gitOk(work, 'update-index', '--chmod=+x', 'bin/run');
          await gitOk(work, 'commit', '-q', '-m', 'Files\n\nWith a body.');
          await push();
          const head = await gitOk(bare, 'rev-parse', 'main');
          const lsTree = (await gitOk(bare, 'ls-tree', '-l', `${head}^{tree}`))
            .split('\n')
            .filter(Boolean)
            .map((line) => {
              const [meta = '', name = ''] = line.split('\t');
              const [mode, type, oid, size] = meta.trim().split(/\s+/);
              return { mode, type, oid, size: size === '-' ? undefined : Number(size), name };
            });
          assert.deepEqual(await listTree(bare, `${head}^{tree}`), lsTree);
          const guide = await entryAt(bare, head, 'docs/guide.md');
          assert.equal(guide?.name, 'docs/guide.md');
          assert.equal((await readBlob(bare, guide.oid, 100)).data.toString(), '# Guide\n');
          assert.equal((await entryAt(bare, head, 'bin/run'))?.mode, '100755');
          assert.equal((await entryAt(bare, head, 'docs'))?.type, 'tree');
          assert.equal(await entryAt(bare, head, 'docs/missing.md'), undefined);
          assert.equal(await entryAt(bare, head, 'big.bin/inside'), undefined);
          // A large blob streams from a process of its own, whole.
          const big = await entryAt(bare, head, 'big.bin');
          const chunks: Buffer[] = [];
          for await (const chunk of blobStream(bare, big!.oid)) chunks.push(chunk as Buffer);
          assert.deepEqual(Buffer.concat(chunks), Buffer.alloc(1_500_000, 7));
          const capped = await readBlob(bare, big!.oid, 10);
          assert.deepEqual(capped, { data: Buffer.alloc(10, 7), truncated: true });
          const commit = await readCommit(bare, head);
          assert.equal(commit.message, 'Files\n\nWith a body.\n');
          assert.equal(commit.author.email, await gitOk(bare, 'log', '-1', '--format=%ae', head));
          assert.equal(commit.tree, await gitOk(bare, 'rev-parse', `${head}^{tree}`));
        });

        it('shows objects as stored, whatever refs/replace/ says', async () => {
          const { bare, work, push } = await repository();
          await commitFile(work, 'a.txt', 'stored\n');
          await commitFile(work, 'b.txt', 'replacement\n');
          await push();
          const [a, b] = [await gitOk(bare, 'rev-parse', 'main:a.txt'), await gitOk(bare, 'rev-parse', 'main:b.txt')];
          await gitOk(bare, 'replace', a, b);
          assert.equal(await gitOk(bare, 'cat-file', 'blob', a), 'replacement', 'git itself follows the replace ref');
          assert.equal((await readBlob(bare, a, 100)).data.toString(), 'stored\n');
        });

        it('walks history in the order git log shows it, merges and equal dates included', async () => {
          const { bare, work, push } = await repository();
          const at = (seconds: number) => ({ GIT_COMMITTER_DATE: `@${seconds} +0000`, GIT_AUTHOR_DATE: `@${seconds} +0000` });
          const commit = async (file: string, seconds: number, message = `Change ${file}`) => {
            await writeFiles(work, { [file]: `${file} ${seconds}\n` });
            await gitOk(work, 'add', file);
            const result = await gitRun(work, ['commit', '-q', '-m', message], at(seconds));
            assert.equal(result.code, 0, result.stderr);
          };
          await commit('base', 1000, 'Base\nsecond line of the subject\n\nbody');
          await gitOk(work, 'checkout', '-q', '-b', 'side');
          await commit('s1', 1005);
          await commit('s2', 1005);
          await gitOk(work, 'checkout', '-q', 'main');
          await commit('m1', 1005);
          await commit('m2', 1003);
          const merged = await gitRun(work, ['merge', '-q', '--no-ff', '-m', 'Merge side', 'side'], at(1010));
          assert.equal(merged.code, 0, merged.stderr);
          await commit('m3', 1010);
          await push('main', 'side');
          for (const [skip, limit] of [
            [0, 50],
            [0, 3],
            [2, 3],
            [6, 10],
          ] as const) {
            assert.deepEqual(
              await logCommits(bare, 'main', { skip, limit }),
              await gitLog(bare, 'main', skip, limit),
              `skip ${skip}, limit ${limit}`,
            );
          }
          assert.deepEqual(await logCommits(bare, 'refs/heads/side', { limit: 10 }), await gitLog(bare, 'side', 0, 10));
        });
      });

      describe('while the repository changes under them', () => {
        it('reads the same after gc, repack and prune, and reads what is pushed after', async () => {
          const { bare, work, push } = await repository();
          for (let i = 0; i < 5; i += 1) await commitFile(work, `f${i}.txt`, `${i}\n`);
          await push();
          const before = await logCommits(bare, 'main', { limit: 10 });
          const tree = await listTree(bare, 'main^{tree}');
          await gitOk(bare, 'gc', '--quiet', '--prune=now');
          await gitOk(bare, 'repack', '-a', '-d', '-q');
          assert.deepEqual(await logCommits(bare, 'main', { limit: 10 }), before);
          assert.deepEqual(await listTree(bare, 'main^{tree}'), tree);
          const next = await commitFile(work, 'after-gc.txt', 'new\n');
          await push();
          await gitOk(bare, 'repack', '-a', '-d', '-q');
          const entry = await entryAt(bare, next, 'after-gc.txt');
          assert.equal((await readBlob(bare, entry!.oid, 100)).data.toString(), 'new\n');
          assert.equal((await branchesAndHead(bare)).head?.commit, next);
        });

        it('never shows a broken object while pushes land', async () => {
          const { bare, work, push } = await repository();
          await commitFile(work, 'counter.txt', '0\n');
          await push();
          const pushed = new Set([await gitOk(bare, 'rev-parse', 'main')]);
          let pushing = true;
          const pusher = (async () => {
            for (let i = 1; i <= 15; i += 1) {
              pushed.add(await commitFile(work, 'counter.txt', `${i}\n`));
              await push();
            }
            pushing = false;
          })();
          let reads = 0;
          while (pushing) {
            const { head } = await branchesAndHead(bare);
            assert.ok(head && pushed.has(head.commit), `the head ${head?.commit} is a pushed commit`);
            const entry = await entryAt(bare, head.commit, 'counter.txt');
            const text = (await readBlob(bare, entry!.oid, 20)).data.toString();
            assert.match(text, /^\d+\n$/);
            assert.equal((await logCommits(bare, head.commit, { limit: 1 }))[0]?.hash, head.commit);
            reads += 1;
            // Reads in this process answer without waiting on anything: let the pushes run.
            await new Promise((resolve) => setImmediate(resolve));
          }
          await pusher;
          assert.ok(reads > 0);
          assert.equal((await branchesAndHead(bare)).head?.commit, await gitOk(work, 'rev-parse', 'HEAD'));
        });
      });
    });
  }

  describe("the forge's other git commands", () => {
    it('run through the spawner helper, with their input, output, errors and exit status', async () => {
      const { bare, work, push } = await repository();
      const head = await commitFile(work, 'a.txt', 'a\n');
      await push();
      // A shell alias prints its git's parent: the helper, not this process.
      const parent = await runGit(['-c', "alias.parent=!awk '{print $4}' /proc/$PPID/stat", 'parent'], { cwd: bare });
      assert.notEqual(Number(parent.trim()), process.pid);
      assert.ok(Number(parent.trim()) > 0);
      assert.equal((await runGit(['rev-list', '--stdin'], { cwd: bare, input: `${head}\n` })).trim(), head);
      await assert.rejects(runGit(['rev-parse', '--verify', 'refs/heads/nope'], { cwd: bare }), (error: GitCommandError) => {
        assert.equal(error.code, 128);
        assert.match(error.stderr, /Needed a single revision/);
        return true;
      });
      const lines: string[] = [];
      await forEachGitLine(['log', '--format=%H', 'main'], { cwd: bare }, (line) => lines.push(line));
      assert.deepEqual(lines, [head]);
      const capped = await runGitCapped(['cat-file', 'blob', `${head}:a.txt`], { cwd: bare, maxBytes: 1 });
      assert.deepEqual(capped, { stdout: Buffer.from('a'), truncated: true });
    });
  });

  describe('the pool', () => {
    it('keeps at most its bound of processes, lends each to one read at a time, and answers each read with its own object', async () => {
      const pool = new ReadPool({ maxProcesses: 2, idleMs: 60_000, timeoutMs: 10_000 });
      const repos = await Promise.all([repository(), repository(), repository()]);
      const blobs: Array<{ bare: string; oid: string; text: string }> = [];
      for (const [i, r] of repos.entries()) {
        for (let j = 0; j < 4; j += 1) {
          const text = `repo ${i} file ${j}\n`;
          await commitFile(r.work, `f${j}.txt`, text);
          blobs.push({ bare: r.bare, oid: await gitOk(r.work, 'rev-parse', `HEAD:f${j}.txt`), text });
        }
        await r.push();
      }
      let most = 0;
      const answers = await Promise.all(
        blobs.flatMap((blob) =>
          Array.from({ length: 5 }, () =>
            pool.use(blob.bare, async (process) => {
              most = Math.max(most, pool.stats().processes);
              const object = await process.contents(blob.oid);
              return object?.data.toString() === blob.text;
            }),
          ),
        ),
      );
      assert.ok(
        answers.every((ok) => ok),
        'every read got its own object',
      );
      assert.ok(most <= 2, `at most 2 processes (saw ${most})`);
      // Started by the spawner helper, not forked from this (large) process.
      for (const pid of pool.stats().pids) {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        assert.notEqual(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), process.pid);
      }
      assert.ok(pool.stats().processes <= 2);
      pool.close();
      assert.equal(pool.stats().processes, 0);
    });

    it('answers with a fresh process when a pooled one died, and ends idle ones', async () => {
      const pool = new ReadPool({ maxProcesses: 4, idleMs: 200, timeoutMs: 10_000 });
      const { bare, work, push } = await repository();
      const head = await commitFile(work, 'a.txt', 'a\n');
      await push();
      const read = () => pool.use(bare, async (p) => (await p.info([head]))[0]);
      assert.ok(!('missing' in (await read())!));
      const [pid] = pool.stats().pids;
      process.kill(pid!, 'SIGKILL');
      await eventually(async () => {
        try {
          process.kill(pid!, 0);
          return undefined;
        } catch {
          return true;
        }
      }, 'the process ended');
      const size = Number(await gitOk(bare, 'cat-file', '-s', head));
      assert.deepEqual(await read(), { oid: head, type: 'commit', size });
      assert.notEqual(pool.stats().pids[0], pid);
      await eventually(() => (pool.stats().processes === 0 ? true : undefined), 'idle processes end', 5_000);
    });

    it('lets a short script that reads git and runs a git command finish, and does not keep it alive after', async () => {
      const { bare, work, push } = await repository();
      await commitFile(work, 'a.txt', 'a\n');
      await push();
      // A CLI command: nothing but the read keeps the process alive while it waits.
      const source = new URL('../src/git/index.ts', import.meta.url).href;
      const started = Date.now();
      const child = await gitRunNode(
        `const git = await import(${JSON.stringify(source)}); const entries = await git.listTree(${JSON.stringify(bare)}, 'main^{tree}'); const head = await git.runGit(['rev-parse', 'main'], { cwd: ${JSON.stringify(bare)} }); console.log(entries.map((e) => e.name).join(','), head.trim());`,
      );
      assert.equal(child.code, 0, child.stderr);
      assert.equal(child.stdout.trim(), `a.txt ${await gitOk(bare, 'rev-parse', 'main')}`);
      // The idle reader and the spawner helper are unref'd: the script ends at once, not after the idle timeout.
      assert.ok(Date.now() - started < 30_000);
    });

    it('starts one process for reads that arrive together on a repository it has none for, or ahead of them when asked to', async () => {
      const pool = new ReadPool({ maxProcesses: 4, idleMs: 60_000, timeoutMs: 10_000 });
      const first = await repository();
      const head = await commitFile(first.work, 'a.txt', 'a\n');
      await first.push();
      const size = Number(await gitOk(first.bare, 'cat-file', '-s', head));
      const reads = await Promise.all(Array.from({ length: 6 }, () => pool.use(first.bare, async (p) => (await p.info([head]))[0])));
      assert.deepEqual(
        reads,
        Array.from({ length: 6 }, () => ({ oid: head, type: 'commit', size })),
      );
      assert.equal(pool.stats().spawned, 1, 'the five reads behind the first waited for its process');
      // A page prewarms its repository while it looks up the viewer: its reads find the process.
      const second = await repository();
      const other = await commitFile(second.work, 'b.txt', 'b\n');
      await second.push();
      pool.prewarm(second.bare);
      pool.prewarm(second.bare);
      assert.equal(pool.stats().spawned, 2, 'one start for two prewarms');
      const otherSize = Number(await gitOk(second.bare, 'cat-file', '-s', other));
      assert.deepEqual(await pool.use(second.bare, async (p) => (await p.info([other]))[0]), {
        oid: other,
        type: 'commit',
        size: otherSize,
      });
      assert.equal(pool.stats().spawned, 2, 'the read used the prewarmed process');
      assert.equal(pool.stats().processes, 2);
      pool.close();
    });

    it('fails every read of a repository its processes cannot read, without leaving one waiting', async () => {
      const pool = new ReadPool({ maxProcesses: 4, idleMs: 60_000, timeoutMs: 10_000 });
      const missing = path.join(await tempDir('pagurus-read-'), 'gone.git');
      const results = await Promise.allSettled(Array.from({ length: 3 }, () => pool.use(missing, (p) => p.info(['HEAD']))));
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected', 'rejected'],
      );
      assert.equal(pool.stats().processes, 0);
      pool.close();
    });

    it('is what the read functions use for what is not read in this process, and closing a folder ends its processes', async () => {
      const { bare, work, push } = await repository();
      await commitFile(work, 'a.txt', 'a\n');
      await push();
      const head = await gitOk(bare, 'rev-parse', 'main');
      await readCommit(bare, head);
      assert.ok(!gitReads.stats().repositories.includes(bare), 'a commit named by its id is read in this process');
      await listTree(bare, 'main^{tree}');
      assert.ok(gitReads.stats().repositories.includes(bare), 'the shared pool resolved a revision expression');
      gitReads.close(path.dirname(bare));
      assert.ok(!gitReads.stats().repositories.includes(bare), 'its processes ended');
    });
  });
});
