// Objects read from a repository's files in the forge process: every object of repositories
// packed the ways git packs them (deltas by offset and by name, deep chains, loose objects)
// is compared with what `git cat-file --batch` prints, and the reader is shown to follow the
// files as they change (gc, repack, a push, the repository made again under its name) and to
// leave to git what it cannot read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync, rmSync, truncateSync, statSync } from 'node:fs';
import path from 'node:path';
import { ObjectFiles } from '../src/git/object-files.js';
import { logCommits } from '../src/git/index.js';
import { applyDelta, BadDelta } from '../src/git/delta.js';
import { inflateEntry } from '../src/git/pack-file.js';
import { deflateSync } from 'node:zlib';
import { commitFile, gitOk, tempDir, writeFiles } from './support/git-client.js';
import { bareAndWork } from './support/bare-repo.js';

/** Every object of `repo` as git itself prints it. */
function gitObjects(repo: string): Array<{ oid: string; type: string; data: Buffer }> {
  const out = spawnSync('git', ['cat-file', '--batch-all-objects', '--batch', '--unordered'], { cwd: repo, maxBuffer: 1 << 28 }).stdout;
  const objects = [];
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    const [oid = '', type = '', size = '0'] = out.subarray(at, eol).toString().split(' ');
    const data = out.subarray(eol + 1, eol + 1 + Number(size));
    objects.push({ oid, type, data });
    at = eol + 1 + Number(size) + 1;
  }
  return objects;
}

/** A repository with history enough for deep delta chains: one file rewritten a line at a time, and others beside it. */
async function history(commits: number): Promise<{ bare: string; work: string }> {
  const { bare, work } = await bareAndWork('pagurus-objects-');
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i} of a file that changes a little each time`);
  for (let i = 0; i < commits; i += 1) {
    lines[(i * 37) % lines.length] = `changed at commit ${i}`;
    await writeFiles(work, { 'spec/package.spec': `${lines.join('\n')}\n`, [`notes/${i % 7}.txt`]: `note ${i}\n` });
    await gitOk(work, 'add', '.');
    await gitOk(work, 'commit', '-q', '-m', `Commit ${i}`);
  }
  await gitOk(work, 'push', '-q', bare, 'main');
  return { bare, work };
}

function assertReadsAsGit(reader: ObjectFiles, repo: string): number {
  const objects = gitObjects(repo);
  for (const object of objects) {
    assert.deepEqual(reader.infos(repo, [object.oid])[0], { oid: object.oid, type: object.type, size: object.data.length }, object.oid);
    const read = reader.read(repo, object.oid, 1 << 20);
    assert.ok(read, `${object.oid} read`);
    assert.equal(read.type, object.type);
    assert.ok(read.data.equals(object.data), `${object.oid}'s bytes`);
  }
  return objects.length;
}

/** Pack files this process holds open that were removed from the disk. */
function deletedPacksOpen(): string[] {
  return openFiles().filter((target) => target.includes('.pack') && target.endsWith('(deleted)'));
}

/** Pack files of `repo` this process holds open. */
function packsOpen(repo: string): string[] {
  return openFiles().filter((target) => target.startsWith(repo) && target.endsWith('.pack'));
}

function openFiles(): string[] {
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return '';
    }
  });
}

describe('objects read in the forge process', function () {
  this.timeout(120_000);
  let reader: ObjectFiles;
  beforeEach(() => (reader = new ObjectFiles()));
  afterEach(() => reader.close());

  it('reads every object as git does: loose, packed whole, and deltas by offset and by name at depth', async () => {
    const { bare } = await history(60);
    // Pushed: loose objects (fewer than receive.unpackLimit per push) or the push's pack.
    const pushed = assertReadsAsGit(reader, bare);
    // Deltas against an offset in the same pack, chains up to 50 deep.
    await gitOk(bare, 'repack', '-a', '-d', '-f', '-q', '--depth=50', '--window=250');
    const verify = await gitOk(
      bare,
      'verify-pack',
      '-v',
      ...readdirSync(path.join(bare, 'objects/pack'))
        .filter((n) => n.endsWith('.idx'))
        .map((n) => `objects/pack/${n}`),
    );
    assert.match(verify, /chain length = [2-9]\d/, 'the pack has deep delta chains');
    assert.equal(assertReadsAsGit(reader, bare), pushed);
    // Deltas naming their base.
    await gitOk(bare, '-c', 'repack.useDeltaBaseOffset=false', 'repack', '-a', '-d', '-f', '-q');
    assert.equal(assertReadsAsGit(reader, bare), pushed);
  });

  it('lets other work run while a page walks deep into a history', async () => {
    const { bare, work } = await bareAndWork('pagurus-objects-');
    const lines = [];
    for (let i = 1; i <= 600; i += 1) {
      lines.push(
        'commit refs/heads/main',
        `committer Walk <walk@example.test> ${1_700_000_000 + i} +0000`,
        `data ${`Commit ${i}`.length}`,
        `Commit ${i}`,
      );
      lines.push(`M 100644 inline n.txt`, `data ${String(i).length}`, String(i), '');
    }
    spawnSync('git', ['fast-import', '--quiet'], { cwd: work, input: `${lines.join('\n')}\n` });
    await gitOk(work, 'push', '-q', bare, 'main');
    await gitOk(bare, 'repack', '-a', '-d', '-q');
    // By the commit's id, as pages ask: a branch name would be resolved by a cat-file process, which waits.
    const head = await gitOk(bare, 'rev-parse', 'main');
    let turns = 0;
    let walking = true;
    const turn = () => {
      turns += 1;
      if (walking) setImmediate(turn);
    };
    setImmediate(turn);
    const page = await logCommits(bare, head, { skip: 500, limit: 50 });
    walking = false;
    assert.deepEqual(
      page.map((c) => c.subject),
      Array.from({ length: 50 }, (_, i) => `Commit ${100 - i}`),
    );
    assert.ok(turns >= 4, `the event loop turned ${turns} times during the walk`);
  });

  it('answers only full object names it finds whole, and leaves the rest to git', async () => {
    const { bare, work } = await history(3);
    const head = await gitOk(bare, 'rev-parse', 'main');
    await writeFiles(work, { 'big.bin': Buffer.alloc(300_000, 3) });
    await gitOk(work, 'add', '.');
    await gitOk(work, 'commit', '-q', '-m', 'Big');
    await gitOk(work, 'push', '-q', bare, 'main');
    const big = await gitOk(bare, 'rev-parse', 'main:big.bin');
    assert.equal(reader.read(bare, 'main', 1 << 20), undefined, 'a revision expression');
    assert.equal(reader.read(bare, head.slice(0, 12), 1 << 20), undefined, 'an abbreviated name');
    assert.equal(reader.read(bare, 'f'.repeat(40), 1 << 20), undefined, 'an object the repository lacks');
    assert.equal(reader.read(bare, big, 100_000), undefined, 'an object larger than asked for');
    assert.equal(reader.read(bare, big, 1 << 20)?.data.length, 300_000);
    assert.deepEqual(reader.infos(bare, ['main', big, 'f'.repeat(40)]), [undefined, { oid: big, type: 'blob', size: 300_000 }, undefined]);
    const off = new ObjectFiles();
    off.enabled = false;
    assert.equal(off.read(bare, head, 1 << 20), undefined, 'turned off, it reads nothing');
  });

  it('follows gc, repack and pushes, and lets go of the packs they remove', async () => {
    const { bare, work } = await history(10);
    await gitOk(bare, 'repack', '-a', '-d', '-q');
    const head = await gitOk(bare, 'rev-parse', 'main');
    assert.equal(reader.read(bare, head, 1 << 20)?.type, 'commit');
    const next = await commitFile(work, 'after.txt', 'after\n');
    await gitOk(work, 'push', '-q', bare, 'main');
    assert.equal(reader.read(bare, next, 1 << 20)?.type, 'commit', 'a pushed commit, loose');
    await gitOk(bare, 'gc', '--quiet', '--prune=now');
    assert.equal(reader.read(bare, next, 1 << 20)?.type, 'commit', 'the same commit, packed after gc');
    assert.equal(reader.read(bare, head, 1 << 20)?.type, 'commit');
    assert.deepEqual(deletedPacksOpen(), [], 'no pack gc removed is held open');
    assertReadsAsGit(reader, bare);
  });

  it('holds the indexes of the repositories read last within its bound, and reads the others again when asked', async () => {
    const [a, b] = [await history(4), await history(4)];
    for (const { bare } of [a, b]) await gitOk(bare, 'repack', '-a', '-d', '-q');
    const heads = [await gitOk(a.bare, 'rev-parse', 'main'), await gitOk(b.bare, 'rev-parse', 'main')];
    const small = new ObjectFiles(1);
    try {
      assert.equal(small.read(a.bare, heads[0]!, 1 << 20)?.type, 'commit');
      assert.equal(packsOpen(a.bare).length, 1);
      assert.equal(small.read(b.bare, heads[1]!, 1 << 20)?.type, 'commit');
      assert.deepEqual(packsOpen(a.bare), [], 'the first repository let go of its pack');
      assert.equal(packsOpen(b.bare).length, 1, 'the one read last keeps its own, over the bound');
      assert.deepEqual(small.stats(), { repositories: 1, indexBytes: small.stats().indexBytes });
      assert.equal(small.read(a.bare, heads[0]!, 1 << 20)?.type, 'commit', 'read again');
    } finally {
      small.close();
    }
  });

  it('reads nothing of a repository removed and made again under the same name', async () => {
    const { bare } = await history(2);
    const head = await gitOk(bare, 'rev-parse', 'main');
    await gitOk(bare, 'repack', '-a', '-d', '-q');
    assert.ok(reader.read(bare, head, 1 << 20));
    rmSync(bare, { recursive: true });
    await gitOk(path.dirname(bare), 'init', '-q', '--bare', bare);
    assert.equal(reader.read(bare, head, 1 << 20), undefined);
    assert.equal(reader.infos(bare, [head])[0], undefined);
  });

  it('reads nothing of a repository of SHA-256 objects', async () => {
    const work = path.join(await tempDir('pagurus-objects-'), 'work');
    await gitOk(path.dirname(work), 'init', '-q', '--object-format=sha256', work);
    await commitFile(work, 'a.txt', 'a file\n');
    const bare = path.join(work, '.git');
    await gitOk(work, 'repack', '-a', '-d', '-q');
    const blob = await gitOk(work, 'rev-parse', 'HEAD:a.txt');
    assert.equal(blob.length, 64);
    for (const name of [blob, blob.slice(0, 40)]) {
      assert.equal(reader.read(bare, name, 1 << 20), undefined, name);
      assert.deepEqual(reader.infos(bare, [name]), [undefined]);
    }
    assert.deepEqual(packsOpen(bare), [], 'none of its packs is opened');
  });

  it('leaves a pack cut short to git, without throwing', async () => {
    const { bare } = await history(5);
    await gitOk(bare, 'repack', '-a', '-d', '-q');
    const objects = gitObjects(bare);
    const pack = readdirSync(path.join(bare, 'objects/pack')).find((n) => n.endsWith('.pack'))!;
    const file = path.join(bare, 'objects/pack', pack);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    let answered = 0;
    for (const object of objects) {
      const read = reader.read(bare, object.oid, 1 << 20);
      if (read) {
        answered += 1;
        assert.ok(read.data.equals(object.data), 'what it answers is right');
      }
    }
    assert.ok(answered < objects.length, 'objects past the cut are left to git');
  });

  it('inflates an entry whole, and never cuts one longer than its header says to fit', () => {
    for (const bytes of [Buffer.from('tree 1234\n'), Buffer.alloc(300, 'ab'), Buffer.alloc(40_000, 'long entry ')]) {
      const stream = Buffer.concat([deflateSync(bytes), Buffer.from('the next entry')]);
      assert.ok(inflateEntry(stream, bytes.length).equals(bytes), `${bytes.length} bytes`);
    }
    const hundred = deflateSync(Buffer.alloc(100, 'x'));
    assert.equal(inflateEntry(hundred, 50).length, 100, 'all of it, for the caller to refuse');
  });

  it('refuses a delta that does not fit its base', () => {
    // Base size 3, result size 2, then "copy 4 bytes from offset 0".
    assert.throws(() => applyDelta(Buffer.from('abc'), Buffer.from([3, 2, 0x91, 0, 4])), BadDelta);
    assert.throws(() => applyDelta(Buffer.from('ab'), Buffer.from([3, 2, 0x91, 0, 2])), BadDelta);
    assert.equal(applyDelta(Buffer.from('abc'), Buffer.from([3, 4, 0x91, 1, 2, 2, 0x78, 0x79])).toString(), 'bcxy');
  });
});
