// Git reads as users meet them: the API's tree and branches (8 connections) and the pages
// that read git (overview, folder, file, commits; 4 and 32 connections), on a repository of
// 300 commits (merges among them), 240 files in 12 folders, 20 branches and 10 tags. Then
// the cold start (the first overview of a repository no process has read yet, against the
// median warm one) and the resident memory of the forge and of its git children.
// When gunicorn and Python's pygit2 are installed (Debian: gunicorn, python3-pygit2), the
// API paths are also loaded from bench/support/pygit2-reader.py over the same repository, a
// minimal in-process libgit2 reader, and the ratio is reported.
import { execFile, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cloneUrl, createTestForge, drainJobs, serverServices } from '@pagurus/core/testing';
import { loadFromAnotherProcess } from './support/run-load.mjs';
import { loadWithMemory } from './support/memory.mjs';

const COMMITS = 300;
const FOLDERS = 12;
const FILES_PER_FOLDER = 20;

/** A fast-import stream: COMMITS commits on main touching a few files each, every 30th a merge of a side branch. */
function history() {
  const lines = [];
  let mark = 0;
  const blob = (text) => {
    mark += 1;
    lines.push('blob', `mark :${mark}`, `data ${Buffer.byteLength(text)}`, text);
    return mark;
  };
  let time = 1_700_000_000;
  let previous;
  const commits = [];
  const commit = (ref, message, from, merge, files) => {
    mark += 1;
    lines.push(
      `commit ${ref}`,
      `mark :${mark}`,
      `author Bench <bench@example.test> ${time} +0000`,
      `committer Bench <bench@example.test> ${time} +0000`,
      `data ${Buffer.byteLength(message)}`,
      message,
    );
    if (from) lines.push(`from :${from}`);
    if (merge) lines.push(`merge :${merge}`);
    for (const [file, m] of files) lines.push(`M 100644 :${m} ${file}`);
    lines.push('');
    return mark;
  };
  for (let i = 0; i < COMMITS; i += 1) {
    const files = [];
    const count = i === 0 ? FOLDERS * FILES_PER_FOLDER : 3;
    for (let j = 0; j < count; j += 1) {
      const n = i === 0 ? j : (i * 7 + j * 13) % (FOLDERS * FILES_PER_FOLDER);
      const file = `dir${n % FOLDERS}/file${Math.floor(n / FOLDERS)}.txt`;
      files.push([file, blob(`${file} at commit ${i}\n${'lorem ipsum dolor sit amet\n'.repeat(40)}`)]);
    }
    if (i === 0) files.push(['README.md', blob('# big\n\nA repository for the git reads bench.\n')]);
    let side;
    if (i > 0 && i % 30 === 0) {
      // A side branch from five commits back, merged by this commit.
      side = commit('refs/heads/side', `Side work before ${i}\n`, commits[i - 5], undefined, [[`side/${i}.txt`, blob(`side ${i}\n`)]]);
    }
    previous = commit('refs/heads/main', `Commit ${i}\n\nTouches ${files.length} files.\n`, previous, side, files);
    commits.push(previous);
    time += 600;
  }
  for (let b = 0; b < 20; b += 1) lines.push(`reset refs/heads/branch${b}`, `from :${commits[COMMITS - 1 - b * 2]}`, '');
  for (let t = 0; t < 10; t += 1) lines.push(`reset refs/tags/v${t}`, `from :${commits[COMMITS - 1 - t * 4]}`, '');
  return `${lines.join('\n')}\n`;
}

async function seedRepository(forgeUrl, fullname) {
  const work = await mkdtemp(path.join(tmpdir(), 'pagurus-bench-git-'));
  const dir = path.join(work, 'seed');
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const stream = path.join(work, 'stream');
  await writeFile(stream, history());
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: readFileSync(stream) });
  // Not execFileSync: the forge answering the push runs in this process.
  const url = cloneUrl(forgeUrl, fullname, { user: 'owner', secret: 'owner-password1' });
  await promisify(execFile)('git', ['push', '-q', '--force', url, '--all'], { cwd: dir });
  await promisify(execFile)('git', ['push', '-q', '--force', url, '--tags'], { cwd: dir });
  return dir;
}

/** SQL statements one request sends. */
async function queriesOf(t, pathname) {
  let count = 0;
  const listener = () => (count += 1);
  t.forge.db.knex.on('query', listener);
  try {
    await (await t.fetch(pathname)).arrayBuffer();
  } finally {
    t.forge.db.knex.off('query', listener);
  }
  return count;
}

/** Starts the pygit2 reference over `repo`; its URL, or undefined when gunicorn or pygit2 is missing. */
async function startReference(repo) {
  // gunicorn runs under its own Python (Debian's, where python3-pygit2 installs): a missing
  // pygit2 shows as a server that never answers.
  try {
    execFileSync('gunicorn', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const port = await new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const child = spawn(
    'gunicorn',
    // Threads, more than connections: a keep-alive connection holds its thread, and one worker may take most of them.
    [
      '-w',
      '2',
      '-k',
      'gthread',
      '--threads',
      '16',
      '-b',
      `127.0.0.1:${port}`,
      '--chdir',
      new URL('./support/', import.meta.url).pathname,
      'pygit2-reader:app',
    ],
    {
      env: { ...process.env, PAGURUS_REFERENCE_REPO: repo },
      stdio: ['ignore', 'ignore', process.env.PAGURUS_BENCH_REFERENCE_LOG ? 'inherit' : 'ignore'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    try {
      const res = await fetch(`${url}/api/0/rpms/big/git/branches`);
      if (res.ok) {
        return { url, stop: () => child.kill() };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  return undefined;
}

async function timed(t, pathname) {
  const started = process.hrtime.bigint();
  const res = await t.fetch(pathname);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${pathname} answered ${res.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export default async function benchmark() {
  const rows = [];
  const modes = serverServices() ? ['server', 'embedded'] : ['embedded'];
  for (const mode of modes.filter((m) => !process.env.PAGURUS_BENCH_MODE || m === process.env.PAGURUS_BENCH_MODE)) {
    // Idle reading processes end after a second, so the cold start below finds none.
    let reference;
    const t = await createTestForge({
      mode,
      config: { namespaces: ['rpms'], 'git.read_idle_seconds': 1, 'git.read_in_process': process.env.PAGURUS_BENCH_IN_PROCESS !== '0' },
    });
    try {
      await t.createUser('owner', { password: 'owner-password1' });
      await t.createProject('owner', 'big', { namespace: 'rpms' });
      for (const n of [1, 2, 3]) await t.createProject('owner', `cold${n}`, { namespace: 'rpms' });
      await seedRepository(t.url, 'rpms/big');
      for (const n of [1, 2, 3]) await seedRepository(t.url, `rpms/cold${n}`);
      // The pushes' jobs (activity log, events) finish before anything is measured.
      await drainJobs(t, 120_000);
      await t.drainEvents();
      const loads = [
        ['API tree', ['/api/0/rpms/big/tree'], [8]],
        ['API git/branches', ['/api/0/rpms/big/git/branches'], [8]],
        ['project overview', ['/rpms/big'], [4, 32]],
        ['folder page', ['/rpms/big/tree/main'], [4, 32]],
        ['file page', ['/rpms/big/blob/main/f/dir3/file5.txt'], [4, 32]],
        ['commits page', ['/rpms/big/commits'], [4, 32]],
      ];
      reference = await startReference(path.join(t.forge.config.git.reposDir, 'rpms', 'big.git'));
      const only = process.env.PAGURUS_BENCH_ONLY;
      for (const [what, paths, connections] of loads.filter(([what]) => !only || what === only)) {
        const queries = await queriesOf(t, paths[0]);
        for (const c of connections) {
          const figures = await loadWithMemory(t.url, c, paths);
          rows.push({ mode, what, queries, ...figures });
          if (reference && what.startsWith('API')) {
            const theirs = await loadFromAnotherProcess(reference.url, c, paths);
            rows.push({ mode: 'pygit2 reference', what, connections: c, ...theirs, ratio: +(figures.rps / theirs.rps).toFixed(2) });
          }
        }
      }
      // Cold: the first overview of a repository with no reading process (they ended idle) and
      // nothing of it cached, against the median of the next 21; the median of three repositories.
      const colds = [];
      for (const n of [1, 2, 3]) {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        // The pause leaves the connection and the forge idle too: a page that reads no git
        // wakes them, so that what is measured is the repository's first read.
        for (let i = 0; i < 5; i += 1) await timed(t, '/rpms/big/issues');
        const cold = await timed(t, `/rpms/cold${n}`);
        const warm = [];
        for (let i = 0; i < 21; i += 1) warm.push(await timed(t, `/rpms/cold${n}`));
        warm.sort((a, b) => a - b);
        colds.push({ cold, warm: warm[10] });
      }
      colds.sort((a, b) => a.cold / a.warm - b.cold / b.warm);
      const { cold, warm } = colds[1];
      rows.push({
        mode,
        what: 'overview, cold vs warm (ms)',
        cold: +cold.toFixed(1),
        warm: +warm.toFixed(1),
        ratio: +(cold / warm).toFixed(2),
      });
    } finally {
      reference?.stop();
      await t.close();
    }
  }
  return rows;
}
