// Runs the real `pagurus` command (from source, as the tests do) in child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx/esm');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[], options: { env?: Record<string, string>; cwd?: string }): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PAGURUS_LOG_LEVEL: 'warn', ...options.env };
  // The test runner's own settings must not leak into the forge under test.
  for (const key of Object.keys(env)) if (key.startsWith('PAGURUS_TEST_')) delete env[key];
  return spawn(process.execPath, ['--conditions=source', '--import', TSX, CLI, ...args], {
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
