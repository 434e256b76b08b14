// Runs bench/support/load.mjs in its own process, so the server under test has its event
// loop to itself; answers autocannon's req/s, p50, p99 and error count.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Cycles through `paths` (relative to `url`) for five seconds with `connections` connections. */
export async function loadFromAnotherProcess(url, connections, paths) {
  const script = new URL('./load.mjs', import.meta.url).pathname;
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'pagurus-load-')), 'load.json');
  await writeFile(file, JSON.stringify({ url, connections, duration: 5, paths }));
  const { stdout } = await run(process.execPath, [script, file], { maxBuffer: 1 << 20 });
  return { connections, ...JSON.parse(stdout) };
}
