// The lookaside cache with a large source: a 512 MiB upload as fedpkg sends it (curl, a
// multipart form) and its download, with the forge's resident memory sampled throughout:
// neither direction may hold the file in memory.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestForge, serverServices } from '@pagurus/core/testing';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const SIZE_MB = Number(process.env.PAGURUS_BENCH_LOOKASIDE_MB ?? 512);

const rssMiB = () => Math.round(process.memoryUsage.rss() / MIB);

/** Runs `work` sampling this process' resident memory every 20 ms; answers the peak. */
async function peakDuring(work) {
  let peak = rssMiB();
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB())), 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return peak;
}

async function sourceFile(dir) {
  const file = path.join(dir, 'big-1.0.tar.gz');
  const hash = createHash('sha512');
  const out = createWriteStream(file);
  const chunk = randomBytes(MIB);
  for (let i = 0; i < SIZE_MB; i += 1) {
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve) => out.end(resolve));
  return { file, sum: hash.digest('hex') };
}

export default async function benchmark() {
  const rows = [];
  const dir = await mkdtemp(path.join(tmpdir(), 'pagurus-bench-lookaside-'));
  try {
    const { file, sum } = await sourceFile(dir);
    for (const mode of serverServices() ? ['server', 'embedded'] : ['embedded']) {
      const t = await createTestForge({
        mode,
        config: { namespaces: ['rpms'] },
        plugins: [{ name: '@pagurus/plugin-distgit', options: { lookaside_max_mb: SIZE_MB * 2 } }],
      });
      try {
        await t.createUser('packager');
        const services = t.forge.services;
        const group = await services.groups.create(await services.users.byName('packager'), { name: 'packager' });
        await services.groups.addMember(null, group, 'packager');
        await t.createProject('packager', 'big', { namespace: 'rpms' });
        const token = await t.createToken('packager', 'all');
        global.gc?.();
        const idle = rssMiB();
        let uploadMs = 0;
        const uploadPeak = await peakDuring(async () => {
          const started = performance.now();
          const { stdout } = await run('curl', [
            '-sS',
            '-H',
            `Authorization: token ${token}`,
            '-F',
            'name=rpms/big',
            '-F',
            `sha512sum=${sum}`,
            '-F',
            `file=@${file}`,
            `${t.url}/repo/pkgs/upload.cgi`,
          ]);
          uploadMs = performance.now() - started;
          if (!stdout.includes('stored OK')) throw new Error(`upload failed: ${stdout}`);
        });
        let downloadMs = 0;
        const downloadPeak = await peakDuring(async () => {
          const started = performance.now();
          await run('curl', [
            '-sS',
            '-o',
            path.join(dir, 'download'),
            `${t.url}/repo/pkgs/rpms/big/big-1.0.tar.gz/sha512/${sum}/big-1.0.tar.gz`,
          ]);
          downloadMs = performance.now() - started;
        });
        rows.push({
          mode,
          'file MiB': SIZE_MB,
          'upload MiB/s': Math.round(SIZE_MB / (uploadMs / 1000)),
          'download MiB/s': Math.round(SIZE_MB / (downloadMs / 1000)),
          'forge RSS idle MiB': idle,
          'peak during upload MiB': uploadPeak,
          'peak during download MiB': downloadPeak,
        });
      } finally {
        await t.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
