// Starting long-lived git readers without forking the forge: core/helpers/git-spawner.cjs is
// started once per forge process and starts each reader, its standard input and output the
// far end of a Unix socket this process connected (see the helper for why). When the helper
// cannot start, readers are spawned directly.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('../../helpers/git-spawner.cjs', import.meta.url));

/** A git process started by the helper: a socket that is its standard input and output. */
export interface SpawnedReader {
  socket: net.Socket;
  pid: number;
}

let helper: Promise<string | undefined> | undefined;
let helperProcess: ChildProcess | undefined;

/** What the helper reports of a command: its process id, then how it ended. */
type CommandReport = { id: number; pid: number } | { id: number; code: number | null; signal: string | null; stderr: string };
const commands = new Map<number, (report: CommandReport) => void>();
let nextCommand = 1;

/**
 * The helper's reports hold this process alive only while a command waits for one (a CLI
 * command must not end before its git does, nor wait for the helper afterwards).
 */
function awaitReports(id: number, deliver: (report: CommandReport) => void): void {
  commands.set(id, deliver);
  (helperProcess?.stdout as unknown as { ref?: () => void } | undefined)?.ref?.();
}

function reportsDone(id: number): void {
  commands.delete(id);
  if (!commands.size) (helperProcess?.stdout as unknown as { unref?: () => void } | undefined)?.unref?.();
}

/** The helper's reports, one JSON line each, after its first line ("ready"). */
function readReports(child: ChildProcess, onReady: () => void): void {
  let partial = '';
  let ready = false;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (!ready) {
        ready = true;
        onReady();
        continue;
      }
      try {
        const report = JSON.parse(line) as CommandReport;
        commands.get(report.id)?.(report);
      } catch {
        // Not a report: ignore it.
      }
    }
  });
}

/** Every command still running through a helper that ended: it will report nothing more. */
function abandonCommands(): void {
  for (const [id, deliver] of [...commands]) deliver({ id, code: null, signal: null, stderr: 'the git spawner helper ended' });
}

/** Starts the helper (once); resolves with its socket path, or undefined when it cannot run. */
function helperSocket(): Promise<string | undefined> {
  helper ??= new Promise((resolve) => {
    const socketPath = path.join(tmpdir(), `pagurus-git-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
    // A small heap: the helper forks for every reader, and a small process forks fast.
    const child = spawn(process.execPath, ['--max-old-space-size=32', HELPER, socketPath], { stdio: ['pipe', 'pipe', 'ignore'] });
    helperProcess = child;
    let settled = false;
    const done = (value: string | undefined) => {
      if (settled) return;
      settled = true;
      // Once it is ready it must never keep the forge's process alive, nor outlive it (it
      // ends when its standard input closes); until then, the read waiting for it does.
      child.unref();
      for (const stream of [child.stdin, child.stdout] as unknown as Array<{ unref?: () => void }>) stream.unref?.();
      resolve(value);
    };
    readReports(child, () => done(socketPath));
    child.once('error', () => done(undefined));
    child.once('exit', () => {
      done(undefined);
      abandonCommands();
      // Started again on the next read, should it ever end.
      helper = undefined;
      helperProcess = undefined;
    });
  });
  return helper;
}

/** The helper's process id, for counting the forge's git-related children. */
export function spawnerPid(): number | undefined {
  return helperProcess?.pid;
}

/**
 * Starts `git <args>` in `cwd` through the helper, its standard input and output a socket of
 * this process; undefined when the helper is not available (the caller spawns it directly).
 */
export async function spawnThroughHelper(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<SpawnedReader | undefined> {
  const socketPath = await helperSocket();
  if (!socketPath) return undefined;
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    let answer = '';
    const fail = () => {
      socket.destroy();
      resolve(undefined);
    };
    socket.once('error', fail);
    socket.once('connect', () => socket.write(`${JSON.stringify({ cwd, args, env })}\n`));
    const onData = (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      const eol = answer.indexOf('\n');
      if (eol === -1) return;
      socket.off('data', onData);
      socket.off('error', fail);
      const pid = Number(answer.slice(0, eol));
      // Nothing else comes before the first request: git answers only what it is asked.
      if (!Number.isInteger(pid) || pid <= 0) fail();
      else resolve({ socket, pid });
    };
    socket.on('data', onData);
  });
}

/** A git command started by the helper: its standard input and output are `socket`. */
export interface HelperCommand {
  socket: net.Socket;
  pid: number;
  /** How it ended, with the end of its standard error; after the socket ended. */
  ended: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

/**
 * Starts `git <args>` through the helper, so the forge does not fork; undefined when the
 * helper is not available (the caller spawns it directly). Write standard input only once
 * this resolves, and end it (the socket's end()) when done.
 */
export async function commandThroughHelper(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<HelperCommand | undefined> {
  const socketPath = await helperSocket();
  if (!socketPath) return undefined;
  const id = nextCommand++;
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    let outputEnded = false;
    let exit: { code: number | null; signal: string | null; stderr: string } | undefined;
    let finish: ((value: { code: number | null; signal: string | null; stderr: string }) => void) | undefined;
    const ended = new Promise<{ code: number | null; signal: string | null; stderr: string }>((done) => (finish = done));
    const settle = () => {
      if (exit && outputEnded) {
        reportsDone(id);
        finish!(exit);
      }
    };
    socket.once('close', () => {
      outputEnded = true;
      settle();
    });
    let started = false;
    awaitReports(id, (report) => {
      if ('pid' in report) {
        started = true;
        resolve({ socket, pid: report.pid, ended });
        return;
      }
      exit = { code: report.code, signal: report.signal, stderr: report.stderr };
      if (!started) {
        // It never ran (git missing, a bad folder): nothing will come on the socket.
        reportsDone(id);
        socket.destroy();
        started = true;
        finish!(exit);
        resolve({ socket, pid: 0, ended });
        return;
      }
      settle();
    });
    socket.once('error', () => {
      if (!started) {
        reportsDone(id);
        resolve(undefined);
      }
    });
    socket.once('connect', () => socket.write(`${JSON.stringify({ id, cwd, args, env })}\n`));
  });
}
