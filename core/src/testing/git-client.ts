// The stock git client talking to a forge over HTTP. Always asynchronous: the forge under
// test runs in this process, and a synchronous child would block the server it talks to.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

// No system or user configuration: the test sees git as shipped, whatever the machine has.
const CLIENT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
  LANG: 'C',
};

/** Runs git; resolves with its exit code and output whatever the code. */
export function gitRun(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: { ...process.env, ...CLIENT_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

/** Runs git and throws with its output when it fails; answers its trimmed output. */
export async function gitOk(cwd: string, ...args: string[]): Promise<string> {
  const result = await gitRun(cwd, args);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout.trim();
}

/** A fresh directory under the system's temporary directory (the caller removes it). */
export async function tempDir(prefix = 'pagurus-git-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** The forge URL of a repository ("ns/name" or "name"), with credentials (a password or an API token) when given. */
export function cloneUrl(base: string, repo: string, credentials?: { user: string; secret: string }): string {
  const url = new URL(`${repo}.git`, base.endsWith('/') ? base : `${base}/`);
  if (credentials) {
    url.username = encodeURIComponent(credentials.user);
    url.password = encodeURIComponent(credentials.secret);
  }
  return url.toString();
}

/** Writes files (creating folders) in a work tree without committing them. */
export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
}

/** Writes a file and commits it in a work tree; returns the new commit's hash. */
export async function commitFile(
  dir: string,
  file: string,
  content: string,
  options: { message?: string; author?: { name: string; email: string } } = {},
): Promise<string> {
  await writeFiles(dir, { [file]: content });
  await gitOk(dir, 'add', file);
  const author = options.author ? { GIT_AUTHOR_NAME: options.author.name, GIT_AUTHOR_EMAIL: options.author.email } : {};
  const result = await gitRun(dir, ['commit', '-q', '-m', options.message ?? `Change ${file}`], author);
  if (result.code !== 0) throw new Error(`git commit failed:\n${result.stderr}`);
  return gitOk(dir, 'rev-parse', 'HEAD');
}
