// The git binary Pagurus runs: merges need `git merge-tree --write-tree`, new in git 2.38.
import { runGit } from './exec.js';

export const MINIMUM_GIT = [2, 38] as const;

/** [major, minor] of a `git --version` line, or undefined if it does not look like one. */
export function parseGitVersion(line: string): [number, number] | undefined {
  const match = /git version (\d+)\.(\d+)/.exec(line);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Why the installed git cannot serve, or undefined when it can. */
export async function gitProblem(): Promise<string | undefined> {
  let line: string;
  try {
    line = await runGit(['--version'], { cwd: process.cwd() });
  } catch (error) {
    return `cannot run git: ${(error as Error).message}`;
  }
  const version = parseGitVersion(line);
  if (!version) return `cannot read the git version from "${line.trim()}"`;
  const [major, minor] = version;
  if (major < MINIMUM_GIT[0] || (major === MINIMUM_GIT[0] && minor < MINIMUM_GIT[1])) {
    return `git ${major}.${minor} is too old: Pagurus needs git ${MINIMUM_GIT.join('.')} or newer (for git merge-tree --write-tree)`;
  }
  return undefined;
}
