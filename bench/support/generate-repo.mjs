// The benchmarks' big repository: a bare repository of about `mb` MiB of mostly incompressible
// content (1 MiB random blobs over commits of 8, plus text), made once in the temporary
// directory with git fast-import and reused by every clone benchmark.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GIT_ENV, run } from './processes.mjs';

/** A bare repository of about `mb` MiB: 1 MiB random blobs over commits of 8, plus text. */
export async function generate(mb) {
  const dir = path.join(os.tmpdir(), `pagurus-bench-clone-${mb}mb.git`);
  if (existsSync(path.join(dir, 'HEAD')) && existsSync(path.join(dir, 'refs/heads/main'))) return dir;
  await rm(dir, { recursive: true, force: true });
  await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', dir]);
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: dir, env: GIT_ENV, stdio: ['pipe', 'inherit', 'inherit'] });
  const write = (data) => (child.stdin.write(data) ? Promise.resolve() : new Promise((r) => child.stdin.once('drain', r)));
  let mark = 0;
  let commit = 0;
  const perCommit = 8;
  for (let done = 0; done < mb; done += perCommit) {
    const files = [];
    for (let i = 0; i < perCommit && done + i < mb; i++) {
      const blob = randomBytes(1 << 20);
      mark += 1;
      await write(`blob\nmark :${mark}\ndata ${blob.length}\n`);
      await write(blob);
      await write('\n');
      files.push([`data/part-${done + i}.bin`, mark]);
    }
    const text = `Changelog entry ${commit}\n`.repeat(200);
    mark += 1;
    await write(`blob\nmark :${mark}\ndata ${Buffer.byteLength(text)}\n${text}\n`);
    files.push([`notes/${commit}.txt`, mark]);
    const message = `Add parts ${done}-${done + perCommit - 1}\n`;
    await write(
      `commit refs/heads/main\ncommitter Bench <bench@example.test> ${1700000000 + commit} +0000\ndata ${message.length}\n${message}`,
    );
    for (const [name, m] of files) await write(`M 100644 :${m} ${name}\n`);
    await write('\n');
    commit += 1;
  }
  child.stdin.end();
  await new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import ${code}`)))));
  await run('git', ['repack', '-a', '-d', '-q'], { cwd: dir });
  return dir;
}
