// Resident memory of the forge's process and of the git processes under it (directly, or
// started by the spawner helper), sampled while a load runs.
import { readdirSync, readFileSync } from 'node:fs';
import { loadFromAnotherProcess } from './run-load.mjs';

/** Resident memory of a process, and of the git processes under it (through the spawner helper too), in MiB. */
export function memory(pid) {
  const rss = (p) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
  const parents = new Map();
  const names = new Map();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
    } catch {
      // The process ended while it was read.
    }
  }
  const under = (p) => {
    for (let q = parents.get(p); q; q = parents.get(q)) if (q === pid) return true;
    return false;
  };
  let git = 0;
  let count = 0;
  let helpers = 0;
  for (const [p, name] of names) {
    if (!under(p)) continue;
    try {
      if (name === 'git') {
        git += rss(p);
        count += 1;
      } else if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('git-spawner')) helpers += rss(p);
    } catch {
      // Ended.
    }
  }
  const mib = (kib) => Math.round(kib / 1024);
  return { forgeMiB: mib(rss(pid)), gitChildren: count, gitMiB: mib(git), spawnerMiB: mib(helpers) };
}

/** Runs a load while sampling memory every 250 ms: the figures, and the peak of each memory figure. */
export async function loadWithMemory(url, connections, paths) {
  const peak = { forgeMiB: 0, gitChildren: 0, gitMiB: 0, spawnerMiB: 0 };
  const sampler = setInterval(() => {
    const now = memory(process.pid);
    for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], now[key]);
  }, 250);
  try {
    return { ...(await loadFromAnotherProcess(url, connections, paths)), ...peak };
  } finally {
    clearInterval(sampler);
  }
}
