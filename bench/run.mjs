// Runs every bench/*.bench.mjs against the built packages and prints its figures.
// Not part of npm test: numbers depend on the machine. Results go to bench/results/.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const only = process.argv[2];
const dir = new URL('./', import.meta.url);
mkdirSync(new URL('./results/', dir), { recursive: true });
for (const file of readdirSync(dir).filter((f) => f.endsWith('.bench.mjs') && (!only || f.includes(only)))) {
  console.log(`\n# ${file} (${os.cpus().length} CPUs, node ${process.version})`);
  const { default: run } = await import(new URL(file, dir).href);
  const rows = await run();
  console.table(rows);
  writeFileSync(
    new URL(`./results/${file.replace('.bench.mjs', '')}.json`, dir),
    JSON.stringify({ date: new Date().toISOString(), rows }, null, 2),
  );
}
process.exit(0);
