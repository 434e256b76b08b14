// Ahead/behind counts of many branches against one base branch in a single git process.
// git 2.39 lacks for-each-ref's %(ahead-behind:<base>); %(upstream:track) counts the same
// thing against a branch's upstream, so each listed branch is given the base as its upstream
// for this one command (configuration from the environment: nothing is written to disk).
import { REFS_HEADS } from './refs.js';
import { runGit } from './exec.js';

export interface AheadBehind {
  ahead: number;
  behind: number;
}

/**
 * How many commits each of `branches` (short names) has that `base` (a short branch name)
 * lacks, and the other way round: one git process whatever the number of branches, though
 * git walks the history once per branch, so callers pass a page of them, not thousands.
 * Branches that do not exist are left out of the answer.
 */
export async function aheadBehindMany(repo: string, base: string, branches: readonly string[]): Promise<Map<string, AheadBehind>> {
  const counts = new Map<string, AheadBehind>();
  const names = [...new Set(branches)].filter((name) => name !== base);
  if (!names.length) return counts;
  // GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n: no quoting issues whatever the branch is called.
  const env: NodeJS.ProcessEnv = { GIT_CONFIG_COUNT: String(names.length * 2) };
  names.forEach((name, i) => {
    env[`GIT_CONFIG_KEY_${2 * i}`] = `branch.${name}.remote`;
    env[`GIT_CONFIG_VALUE_${2 * i}`] = '.';
    env[`GIT_CONFIG_KEY_${2 * i + 1}`] = `branch.${name}.merge`;
    env[`GIT_CONFIG_VALUE_${2 * i + 1}`] = `${REFS_HEADS}${base}`;
  });
  // Ref names cannot hold glob characters, and a branch cannot also be a folder of
  // branches, so each pattern matches exactly its branch.
  const wanted = new Set(names);
  const out = await runGit(
    ['for-each-ref', '--format=%(refname)%00%(upstream:track,nobracket)', ...names.map((name) => `${REFS_HEADS}${name}`)],
    { cwd: repo, env },
  );
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [ref = '', track = ''] = line.split('\0');
    const name = ref.slice(REFS_HEADS.length);
    if (!ref.startsWith(REFS_HEADS) || !wanted.has(name)) continue;
    counts.set(name, { ahead: Number(/ahead (\d+)/.exec(track)?.[1] ?? 0), behind: Number(/behind (\d+)/.exec(track)?.[1] ?? 0) });
  }
  return counts;
}
