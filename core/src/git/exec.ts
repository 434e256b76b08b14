// Runs the git binary for the commands simple-git cannot feed (standard input), with an
// environment that ignores the machine's and the user's git configuration.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { ForgeError } from '../errors/index.js';
import { commandThroughHelper } from './spawner.js';

export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args[0] ?? ''} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  }
}

/** Settings for every git process the forge starts. */
export function gitEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** What one read may buffer unless its caller says otherwise: metadata, listings, small diffs. */
export const DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024;

/** A git command printed more than its caller may buffer; the process was stopped. */
/**
 * A git read past its cap. A ForgeError (413), so a page or an API call that meets one says
 * the thing is too large to show instead of failing with a 500; the log has which command.
 */
export class GitOutputTooLarge extends ForgeError {
  constructor(
    readonly args: readonly string[],
    readonly maxBytes: number,
  ) {
    super('too-large', 'ENOCODE', { message: `This is too large to show (git ${args[0] ?? ''} printed more than ${maxBytes} bytes)` });
  }
}

export interface RunOptions {
  cwd: string;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Most bytes of standard output buffered (default DEFAULT_MAX_OUTPUT): past it the process is killed. */
  maxBytes?: number;
}

export interface CappedOutput {
  /** At most `maxBytes` bytes of standard output. */
  stdout: Buffer;
  /** There was more: the process was killed after `maxBytes`. */
  truncated: boolean;
}

/** A git command running: its output, its input (written once, then closed), and how it ended. */
interface StartedGit {
  stdout: Readable;
  /** Writes `input` (if any) and closes git's standard input. */
  endInput(input?: string | Buffer): void;
  kill(): void;
  ended: Promise<{ code: number | null; stderr: string }>;
}

/**
 * Starts `git <args>`: through the spawner helper when it runs (forking the forge would stop
 * its event loop for as long as its page tables take to copy), else directly. Killed after
 * `timeoutMs`.
 */
async function startGit(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<StartedGit> {
  const env = gitEnvironment(options.env);
  const command = await commandThroughHelper(options.cwd, args, env);
  let started: StartedGit;
  if (command) {
    const { socket, pid } = command;
    socket.on('error', () => undefined);
    started = {
      stdout: socket,
      endInput: (input) => (input === undefined ? socket.end() : socket.end(input)),
      kill: () => {
        try {
          if (pid) process.kill(pid);
        } catch {
          // It had ended.
        }
      },
      ended: command.ended.then(({ code, stderr }) => ({ code, stderr })),
    };
  } else {
    const child = spawn('git', args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 65_536) stderr += chunk.toString('utf8');
    });
    // A command may exit before reading all of its input; its exit status tells what happened.
    child.stdin.on('error', () => undefined);
    started = {
      stdout: child.stdout,
      endInput: (input) => (input === undefined ? child.stdin.end() : child.stdin.end(input)),
      kill: () => child.kill(),
      ended: new Promise((resolve) => {
        child.once('error', (error) => resolve({ code: null, stderr: error.message }));
        child.once('close', (code) => resolve({ code, stderr }));
      }),
    };
  }
  const timer = setTimeout(() => started.kill(), options.timeoutMs);
  void started.ended.finally(() => clearTimeout(timer));
  return started;
}

/**
 * Runs `git <args>` and keeps at most `maxBytes` of its output: past that the process is
 * killed and the result says `truncated`. Throws GitCommandError when git fails on its own.
 */
export async function runGitCapped(args: readonly string[], options: RunOptions): Promise<CappedOutput> {
  const max = options.maxBytes ?? DEFAULT_MAX_OUTPUT;
  const git = await startGit(args, { cwd: options.cwd, env: options.env, timeoutMs: options.timeoutMs ?? 120_000 });
  const out: Buffer[] = [];
  let length = 0;
  let truncated = false;
  git.stdout.on('data', (chunk: Buffer) => {
    if (truncated) return;
    if (length + chunk.length > max) {
      out.push(chunk.subarray(0, max - length));
      length = max;
      truncated = true;
      git.kill();
      return;
    }
    out.push(chunk);
    length += chunk.length;
  });
  git.endInput(options.input);
  const { code, stderr } = await git.ended;
  if (truncated || code === 0) return { stdout: Buffer.concat(out), truncated };
  throw new GitCommandError(args, code, stderr);
}

/**
 * Runs `git <args>` to its end; resolves with standard output, throws GitCommandError, or
 * GitOutputTooLarge when the output passes `maxBytes` (no read buffers without a bound).
 */
export async function runGit(args: readonly string[], options: RunOptions): Promise<string> {
  const { stdout, truncated } = await runGitCapped(args, options);
  if (truncated) throw new GitOutputTooLarge(args, options.maxBytes ?? DEFAULT_MAX_OUTPUT);
  return stdout.toString('utf8');
}

/** Text of at most `max` bytes cut so that no UTF-8 character is split at the end. */
export function utf8Prefix(bytes: Buffer, max: number): string {
  let end = Math.min(bytes.length, max);
  if (end < bytes.length) {
    // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  }
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * Runs `git <args>` and hands each line of its output to `onLine` as it comes, never holding
 * more than one line (lines longer than `maxLine` are cut). Throws GitCommandError on failure.
 */
export async function forEachGitLine(
  args: readonly string[],
  options: RunOptions & { maxLine?: number },
  onLine: (line: string) => void,
): Promise<void> {
  const maxLine = options.maxLine ?? 4096;
  const git = await startGit(args, { cwd: options.cwd, env: options.env, timeoutMs: options.timeoutMs ?? 120_000 });
  let partial = '';
  git.stdout.setEncoding('utf8');
  git.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!.slice(0, maxLine);
    for (const line of lines) onLine(line.slice(0, maxLine));
  });
  git.endInput();
  const { code, stderr } = await git.ended;
  if (partial) onLine(partial);
  if (code !== 0) throw new GitCommandError(args, code, stderr);
}

/**
 * A running `git <args>` whose standard output is read as a stream; git is stopped when the
 * stream is destroyed, and after `timeoutMs` (default 10 minutes).
 */
export function gitOutput(repo: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Readable {
  const out = new PassThrough();
  startGit(args, { cwd: repo, env, timeoutMs }).then(
    (git) => {
      let done = false;
      void git.ended.then(() => (done = true));
      out.once('close', () => {
        if (!done) git.kill();
      });
      git.stdout.once('error', (error) => out.destroy(error));
      git.stdout.pipe(out);
      git.endInput();
    },
    (error: Error) => out.destroy(error),
  );
  return out;
}
