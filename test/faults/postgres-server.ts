// A PostgreSQL server of the test's own (initdb in a temporary directory, on a free port), so
// a fault test can stop and start it as an admin's restart does while the other tests'
// PostgreSQL runs on. Run as the `postgres` user when the tests run as root (PostgreSQL
// refuses root), with the binaries of the machine's PostgreSQL installation.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir } from '@pagurus/core/testing';

const exec = promisify(execFile);

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** Stops it as `pg_ctl stop -m fast` does: sessions are ended, new connections refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its files' directory from use. */
  close(): Promise<void>;
}

/** The directory of pg_ctl and initdb: the newest installed PostgreSQL's. */
function binaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(`no PostgreSQL binaries under ${root} (install postgresql)`);
  return path.join(root, versions[0]!, 'bin');
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binaries();
  const dir = await tempDir('pagurus-pg-');
  const asRoot = process.getuid?.() === 0;
  const run = async (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]] : [path.join(bin, command), args];
    await exec(file, argv, { cwd: dir });
  };
  if (asRoot) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  const stop = (mode: 'fast' | 'immediate') => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  await start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await stop('fast');
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async close() {
      if (running) await stop('immediate').catch(() => undefined);
      running = false;
    },
  };
}
