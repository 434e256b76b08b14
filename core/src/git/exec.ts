// Runs the git binary for the commands simple-git cannot feed (standard input), with an
// environment that ignores the machine's and the user's git configuration.
import { spawn } from 'node:child_process';
import { ForgeError } from '../errors/index.js';

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

/**
 * Runs `git <args>` and keeps at most `maxBytes` of its output: past that the process is
 * killed and the result says `truncated`. Throws GitCommandError when git fails on its own.
 */
export function runGitCapped(args: readonly string[], options: RunOptions): Promise<CappedOutput> {
  const max = options.maxBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: gitEnvironment(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let length = 0;
    let errLength = 0;
    let truncated = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (truncated) return;
      if (length + chunk.length > max) {
        out.push(chunk.subarray(0, max - length));
        length = max;
        truncated = true;
        child.kill();
        return;
      }
      out.push(chunk);
      length += chunk.length;
    });
    // Errors are short; a command that floods standard error is cut as well.
    child.stderr!.on('data', (chunk: Buffer) => {
      if (errLength < 65_536) err.push(chunk);
      errLength += chunk.length;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (truncated) resolve({ stdout: Buffer.concat(out), truncated });
      else if (code === 0) resolve({ stdout: Buffer.concat(out), truncated });
      else reject(new GitCommandError(args, code, Buffer.concat(err).toString('utf8')));
    });
    if (child.stdin) {
      // A command may exit before reading all of it; its exit status tells what happened.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
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
export function forEachGitLine(
  args: readonly string[],
  options: RunOptions & { maxLine?: number },
  onLine: (line: string) => void,
): Promise<void> {
  const maxLine = options.maxLine ?? 4096;
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: gitEnvironment(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    let partial = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!.slice(0, maxLine);
      for (const line of lines) onLine(line.slice(0, maxLine));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 65_536) err += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (partial) onLine(partial);
      if (code === 0) resolve();
      else reject(new GitCommandError(args, code, err));
    });
  });
}
