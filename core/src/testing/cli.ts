// Runs the real `pagurus` command in child processes, for tests of the CLI and of plugins'
// commands: the built one (core/bin/pagurus.js, as installed) when the build is newer than
// every source file, as after `npm test`'s build, and from source otherwise, so a test run
// alone never tests a stale build. Plugins written in TypeScript load through tsx when it is
// installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// From core/src/testing (sources) or core/dist/testing (built): the same relative places.
const SOURCE_CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const BUILT_CLI = fileURLToPath(new URL('../../bin/pagurus.js', import.meta.url));
const BUILD_INFO = fileURLToPath(new URL('../../dist/.tsbuildinfo', import.meta.url));
const SOURCES = fileURLToPath(new URL('..', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function tsxLoader(): string | undefined {
  try {
    return import.meta.resolve('tsx/esm');
  } catch {
    return undefined;
  }
}

let nodeArgs: string[] | undefined;

/** How children run (decided once per process): node's arguments before the command's own. */
function cliNodeArgs(): string[] {
  if (nodeArgs) return nodeArgs;
  const tsx = tsxLoader();
  const fromSource = existsSync(SOURCE_CLI) && !(existsSync(BUILD_INFO) && statSync(BUILD_INFO).mtimeMs >= newestSource(SOURCES));
  if (fromSource && !tsx) throw new Error('running the CLI from its TypeScript sources needs tsx');
  nodeArgs = fromSource ? ['--conditions=source', '--import', tsx!, SOURCE_CLI] : [...(tsx ? ['--import', tsx] : []), BUILT_CLI];
  return nodeArgs;
}

/**
 * The command line that runs the CLI as runCli does (node, its flags, the script), for a test
 * that must hand it to another program: a wrapper script sshd runs, say.
 */
export function cliCommandLine(): string[] {
  return [process.execPath, ...cliNodeArgs()];
}

/** Whether children run the built CLI or its sources. */
export function cliMode(): 'built' | 'source' {
  return cliNodeArgs().includes(BUILT_CLI) ? 'built' : 'source';
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: Buffer | string }): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PAGURUS_LOG_LEVEL: 'warn', ...options.env };
  // The test runner's own settings must not leak into the forge under test.
  for (const key of Object.keys(env)) if (key.startsWith('PAGURUS_TEST_')) delete env[key];
  return spawn(process.execPath, [...cliNodeArgs(), ...args], {
    cwd: options.cwd,
    env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

/** Runs a command to its end; `input` is written to its standard input (else it has none). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: Buffer | string } = {},
): Promise<CliResult> {
  const child = spawnCli(args, options);
  if (options.input !== undefined) child.stdin!.end(options.input);
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
