// Runs the real `pagurus` command in child processes: the built one (core/bin/pagurus.js, as
// installed) when the build is newer than every source file, as after `npm test`'s build, and
// from source otherwise, so a test run alone never tests a stale build. Built, a spawn starts in
// a fraction of the time: only plugins written in TypeScript (the fixtures) go through tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const BUILT_CLI = fileURLToPath(new URL('../../bin/pagurus.js', import.meta.url));
const BUILD_INFO = fileURLToPath(new URL('../../dist/.tsbuildinfo', import.meta.url));
const SOURCES = fileURLToPath(new URL('../../src', import.meta.url));
const TSX = import.meta.resolve('tsx/esm');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Whether core's build is at least as new as its sources (checked once per test process). */
const builtIsFresh = existsSync(BUILD_INFO) && statSync(BUILD_INFO).mtimeMs >= newestSource(SOURCES);

/** How the child runs: node's arguments before the command's own. */
export const CLI_MODE: 'built' | 'source' = builtIsFresh ? 'built' : 'source';
const NODE_ARGS = builtIsFresh ? ['--import', TSX, BUILT_CLI] : ['--conditions=source', '--import', TSX, SOURCE_CLI];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[], options: { env?: Record<string, string>; cwd?: string }): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PAGURUS_LOG_LEVEL: 'warn', ...options.env };
  // The test runner's own settings must not leak into the forge under test.
  for (const key of Object.keys(env)) if (key.startsWith('PAGURUS_TEST_')) delete env[key];
  return spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a command to its end. */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export interface RunningCli {
  child: ChildProcess;
  /** The first stdout line matching `pattern`'s first group. */
  match: RegExpMatchArray;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a long-running command and waits for a stdout line matching `ready`. */
export function startCli(
  args: string[],
  ready: RegExp,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<RunningCli> {
  const child = spawnCli(args, options);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`"pagurus ${args.join(' ')}" did not print ${ready} in time; it said:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          match,
          output: () => output,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`"pagurus ${args.join(' ')}" exited with ${code} before it was ready; it said:\n${output}`));
    });
  });
}

/** Asserts the shape of a start-up refusal: exit 1, one line on stderr, no stack trace. */
export function oneLineError(result: CliResult): string {
  const lines = result.stderr.trim().split('\n');
  if (result.code !== 1 || lines.length !== 1 || /\n\s+at /.test(result.stderr)) {
    throw new Error(`expected exit 1 with one line on stderr, got ${result.code}:\n${result.stderr}`);
  }
  return lines[0]!;
}
