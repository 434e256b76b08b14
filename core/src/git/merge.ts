// Merging and rebasing for pull requests, without a working tree in the served repository.
// A merge is computed in memory (git merge-tree --write-tree, git ≥ 2.38), written as new
// objects, and published by one compare-and-swap of the target ref: a process killed at any
// point leaves the branch either as it was or fully merged, never half-written. A rebase
// replays commits in a throw-away clone that borrows the repository's objects.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitCommandError, runGit } from './exec.js';
import { mergeBase } from './push.js';
import { forgetRefs } from './ref-store.js';
import { commitOf, compareAndSwapRef } from './refs.js';

export type MergeAnalysis =
  /** Everything the source has is already in the target. */
  | { kind: 'NO_CHANGE' }
  /** The target is an ancestor of the source (or does not exist yet). */
  | { kind: 'FFORWARD' }
  /** A merge commit is needed, and `tree` is its clean result. */
  | { kind: 'MERGE'; tree: string }
  | { kind: 'CONFLICTS' };

/** What merging commit `source` into commit `target` (full names; undefined: the branch does not exist) would do. */
export async function analyseMerge(repo: string, target: string | undefined, source: string): Promise<MergeAnalysis> {
  if (!target) return { kind: 'FFORWARD' };
  // One process for both questions: when one commit contains the other, it is their merge base.
  const base = await mergeBase(repo, target, source);
  if (base === source) return { kind: 'NO_CHANGE' };
  if (base === target) return { kind: 'FFORWARD' };
  try {
    const out = await runGit(
      ['merge-tree', '--write-tree', '--name-only', '--no-messages', '--allow-unrelated-histories', target, source],
      { cwd: repo },
    );
    return { kind: 'MERGE', tree: out.split('\n')[0]!.trim() };
  } catch (error) {
    // Exit status 1: the merge has conflicts.
    if (error instanceof GitCommandError && error.code === 1) return { kind: 'CONFLICTS' };
    throw error;
  }
}

export interface Signature {
  name: string;
  email: string;
}

/** Writes a commit object (nothing points at it yet) and returns its name. */
export async function writeCommit(
  repo: string,
  commit: { tree: string; parents: string[]; message: string; author: Signature },
): Promise<string> {
  const clean = (text: string) => text.replace(/[<>\n\r\0]/g, '').trim() || 'unknown';
  const env = {
    GIT_AUTHOR_NAME: clean(commit.author.name),
    GIT_AUTHOR_EMAIL: clean(commit.author.email),
    GIT_COMMITTER_NAME: clean(commit.author.name),
    GIT_COMMITTER_EMAIL: clean(commit.author.email),
  };
  const args = ['commit-tree', commit.tree, ...commit.parents.flatMap((p) => ['-p', p])];
  return (await runGit(args, { cwd: repo, env, input: commit.message.endsWith('\n') ? commit.message : `${commit.message}\n` })).trim();
}

/** The tree of a commit. */
export async function treeOf(repo: string, commit: string): Promise<string> {
  return (await runGit(['rev-parse', '--verify', `${commit}^{tree}`], { cwd: repo })).trim();
}

/**
 * Copies `sourceRef` of the repository at `sourceRepo` into `destRef` of `repo` (objects
 * included), forced; returns the commit it now names.
 */
export async function fetchRef(repo: string, sourceRepo: string, sourceRef: string, destRef: string): Promise<string | undefined> {
  if (sourceRepo === repo) {
    const commit = await commitOf(repo, sourceRef);
    if (commit) await runGit(['update-ref', '--no-deref', '-m', 'pull request head', destRef, commit], { cwd: repo });
    forgetRefs(repo);
    return commit;
  }
  try {
    await runGit(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', sourceRepo, `+${sourceRef}:${destRef}`], {
      cwd: repo,
      timeoutMs: 10 * 60_000,
    });
  } catch (error) {
    forgetRefs(repo);
    if (error instanceof GitCommandError && /couldn't find remote ref|not our ref|invalid refspec/i.test(error.stderr)) return undefined;
    throw error;
  }
  forgetRefs(repo);
  return commitOf(repo, destRef);
}

/** Publishes a merge: the branch moves from `expected` ('' = it must not exist) to `commit`, or nothing happens. */
export async function moveBranch(repo: string, branch: string, commit: string, expected: string, reason: string): Promise<void> {
  await compareAndSwapRef(repo, `refs/heads/${branch}`, commit, expected, reason);
}

export type RebaseResult = { ok: true; head: string } | { ok: false; reason: string };

/**
 * Replays `source`'s commits that `onto` lacks on top of `onto`, in a temporary clone of
 * `sourceRepo` that borrows its objects (and `ontoRepo`'s, when different). The new commits
 * are copied back into `sourceRepo` under `keepRef`; the caller moves the branch.
 */
export async function rebaseCommits(
  sourceRepo: string,
  source: string,
  ontoRepo: string,
  onto: string,
  committer: Signature,
  keepRef: string,
): Promise<RebaseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'pagurus-rebase-'));
  try {
    await runGit(['clone', '--quiet', '--shared', '--no-checkout', sourceRepo, dir], { cwd: tmpdir() });
    if (ontoRepo !== sourceRepo) await runGit(['fetch', '--quiet', '--no-tags', ontoRepo, onto], { cwd: dir });
    await runGit(['checkout', '--quiet', '--detach', source], { cwd: dir });
    const env = { GIT_COMMITTER_NAME: committer.name || 'unknown', GIT_COMMITTER_EMAIL: committer.email || 'unknown' };
    try {
      await runGit(['-c', 'rebase.autoStash=false', '-c', 'core.hooksPath=/dev/null', 'rebase', '--quiet', '--no-autosquash', onto], {
        cwd: dir,
        env,
        timeoutMs: 10 * 60_000,
      });
    } catch (error) {
      if (!(error instanceof GitCommandError)) throw error;
      await runGit(['rebase', '--abort'], { cwd: dir }).catch(() => undefined);
      return { ok: false, reason: 'Did not manage to rebase this pull-request' };
    }
    const head = (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).trim();
    await runGit(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', dir, `+HEAD:${keepRef}`], { cwd: sourceRepo });
    return { ok: true, head };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The commits reachable from `include` and not from `exclude` (when given), newest first, with their messages. */
export async function commitMessages(
  repo: string,
  include: string,
  exclude: string | undefined,
  limit = 10_000,
): Promise<Array<{ hash: string; message: string }>> {
  const args = ['log', `--max-count=${limit}`, '--format=%H%x1f%B%x1e', include, ...(exclude ? [`^${exclude}`] : []), '--'];
  return (await runGit(args, { cwd: repo }))
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record.includes('\x1f'))
    .map((record) => {
      const [hash, message] = record.split('\x1f');
      return { hash: hash!.trim(), message: (message ?? '').trim() };
    });
}
