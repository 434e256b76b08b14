// PGlite serves one process. A lock file in the data directory records which process
// holds the embedded database, so a second one stops with a clear message instead of
// opening the same files twice.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '../errors/index.js';

interface LockRecord {
  pid: number;
  holder: string;
}

const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockRecord>;
    return typeof record.pid === 'number' ? { pid: record.pid, holder: String(record.holder ?? 'a process') } : undefined;
  } catch {
    return undefined;
  }
}

export function embeddedLockFile(dataDir: string): string {
  return path.join(dataDir, 'embedded-db.lock');
}

/**
 * Takes the embedded database for this process. `holder` names what holds it
 * ("the server", "pagurus migrate"). Returns the function that lets it go.
 */
export function acquireEmbeddedLock(dataDir: string, holder: string): () => void {
  const file = embeddedLockFile(dataDir);
  const inUse = (record: LockRecord) =>
    new StartupError(`the embedded database is in use by ${record.holder} (pid ${record.pid}); stop it or use the API`);
  if (heldHere.has(file)) throw inUse({ pid: process.pid, holder: 'this process' });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, holder }), { flag: 'wx' });
      heldHere.add(file);
      const release = () => {
        if (!heldHere.delete(file)) return;
        process.off('exit', release);
        if (readLock(file)?.pid === process.pid) unlinkSync(file);
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const record = readLock(file);
      if (record && record.pid !== process.pid && alive(record.pid)) throw inUse(record);
      unlinkSync(file); // left behind by a process that died
    }
  }
  throw new StartupError(`cannot take the embedded database lock ${file}`);
}
