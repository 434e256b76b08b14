// pushTo: what a person does to get commits into a forge's repository: clone over HTTP,
// commit some files, push a branch. The push goes through the forge's whole push path
// (authentication, pre-receive policy, plugins' canPush, post-receive jobs and events).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { projectFullname, type ProjectRecord } from '../domain/index.js';
import { cloneUrl, gitOk, gitRun, tempDir, writeFiles, type GitResult } from './git-client.js';

export interface PushOptions {
  /** Who pushes: a user name. */
  user: string;
  /** Their password or an API token (default: createUser's password, "<user>-password1"). */
  secret?: string;
  /** Files to write (path in the repository → content), committed together. */
  files: Record<string, string | Buffer>;
  /** The branch pushed to (default: the branch the clone checks out, or main in an empty repository). */
  branch?: string;
  message?: string;
}

export interface PushResult extends GitResult {
  /** The commit pushed. */
  commit: string;
}

/**
 * Clones `project` (a fullname or a project) from the forge at `forge.url`, commits `files` on
 * `branch` and pushes it. Resolves with git's exit code and output; a refused push (code ≠ 0)
 * does not throw, so a test can read the refusal from `stderr`.
 */
export async function pushTo(forge: { url: string }, project: string | ProjectRecord, options: PushOptions): Promise<PushResult> {
  const repo = typeof project === 'string' ? project : projectFullname(project);
  const work = await tempDir('pagurus-push-');
  try {
    const url = cloneUrl(forge.url, repo, { user: options.user, secret: options.secret ?? `${options.user}-password1` });
    const dir = path.join(work, 'clone');
    await gitOk(work, 'clone', '-q', url, dir);
    const branch = options.branch ?? ((await gitRun(dir, ['symbolic-ref', '--short', 'HEAD'])).stdout.trim() || 'main');
    const exists = (await gitRun(dir, ['rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}`])).code === 0;
    await gitOk(dir, 'checkout', '-q', ...(exists ? ['-B', branch, `origin/${branch}`] : ['-B', branch]));
    await writeFiles(dir, options.files);
    await gitOk(dir, 'add', '-A');
    await gitOk(
      dir,
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      options.message ?? `Change ${Object.keys(options.files).join(', ') || 'nothing'}`,
    );
    const commit = await gitOk(dir, 'rev-parse', 'HEAD');
    const result = await gitRun(dir, ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`]);
    return { ...result, commit };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface OpenPullRequestOptions {
  /** Who pushes the branch and opens the pull request. */
  user: string;
  /** Their API token (with pull_request_create). */
  token: string;
  /** The source branch (default "feature"), made with `files` (default one new file). */
  branch?: string;
  files?: Record<string, string | Buffer>;
  /** The target branch (default "main") and the title (default "Feature"). */
  into?: string;
  title?: string;
}

/**
 * Pushes a branch to `repo` (a fullname) and opens a pull request from it, through the API;
 * throws if either is refused. Answers the pull request's number and the commit pushed.
 */
export async function openPullRequest(
  forge: {
    url: string;
    api: <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: T }>;
  },
  repo: string,
  options: OpenPullRequestOptions,
): Promise<{ id: number; commit: string }> {
  const branch = options.branch ?? 'feature';
  const pushed = await pushTo(forge, repo, { user: options.user, files: options.files ?? { 'feature.txt': 'new\n' }, branch });
  if (pushed.code !== 0) throw new Error(`pushing ${branch} to ${repo} failed: ${pushed.stderr}`);
  const res = await forge.api<{ id: number }>(
    'POST',
    `/api/0/${repo}/pull-request/new`,
    { title: options.title ?? 'Feature', branch_to: options.into ?? 'main', branch_from: branch },
    { Authorization: `token ${options.token}` },
  );
  if (res.status !== 200) throw new Error(`opening a pull request on ${repo} failed: ${JSON.stringify(res.body)}`);
  return { id: res.body.id, commit: pushed.commit };
}
