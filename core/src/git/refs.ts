// Branches, tags, HEAD and branch aliases (symbolic refs) of a bare repository: reading
// them, and the atomic writes the API makes. Callers hold the repository's lock to write.
import { GitCommandError, runGit } from './exec.js';

/** A ref as for-each-ref lists it; symbolic refs carry their target and the resolved object. */
export interface RefEntry {
  /** Full name: refs/heads/main. */
  ref: string;
  /** The object the ref (or, for a symbolic ref, its target) names. */
  object: string;
  /** For annotated tags: the object the tag points at; otherwise the same as `object`. */
  peeled: string;
  /** For symbolic refs: the full name of the target. */
  symref: string | undefined;
}

export const REFS_HEADS = 'refs/heads/';
export const REFS_TAGS = 'refs/tags/';

const LONGEST_REF_NAME = 255;

/**
 * Whether `name` may follow refs/heads/ or refs/tags/: git check-ref-format's rules,
 * plus no leading dash, no "HEAD", and at most 255 characters.
 */
export function isValidRefName(name: string): boolean {
  if (!name || name.length > LONGEST_REF_NAME || name === 'HEAD' || name === '@' || name.startsWith('-')) return false;
  // Control characters, space and the characters git gives a meaning in revisions.
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}

/** An object name as users write it: 4 to 64 hexadecimal digits. */
export function isObjectPrefix(text: string): boolean {
  return /^[0-9a-fA-F]{4,64}$/.test(text);
}

const FORMAT = '%(refname)%00%(objectname)%00%(*objectname)%00%(symref)';

/** Every ref under `prefix` (refs/heads/, refs/tags/, or refs/ for all), sorted by name. */
export async function listRefs(repo: string, prefix: string): Promise<RefEntry[]> {
  const out = await runGit(['for-each-ref', `--format=${FORMAT}`, prefix], { cwd: repo });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref = '', object = '', peeled = '', symref = ''] = line.split('\0');
      return { ref, object, peeled: peeled || object, symref: symref || undefined };
    });
}

export interface BranchListing {
  /** refs/heads/*, sorted by name. */
  branches: RefEntry[];
  /** The default branch (HEAD followed through aliases) and its commit; undefined when it does not exist. */
  head: { name: string; commit: string } | undefined;
}

/** The branches and the default branch in one git process (pages count their processes). */
export async function branchesAndHead(repo: string): Promise<BranchListing> {
  const out = await runGit(['for-each-ref', `--format=${FORMAT}%00%(HEAD)`, REFS_HEADS], { cwd: repo });
  let headRef: string | undefined;
  const branches = out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref = '', object = '', peeled = '', symref = '', isHead = ''] = line.split('\0');
      if (isHead === '*') headRef = ref;
      return { ref, object, peeled: peeled || object, symref: symref || undefined };
    });
  const known = new Map(branches.map((entry) => [entry.ref, entry]));
  let head: BranchListing['head'];
  for (let target = headRef, hops = 0; target !== undefined && hops < 5; hops += 1) {
    const entry = known.get(target);
    if (!entry) break;
    if (!entry.symref) {
      head = { name: target.slice(REFS_HEADS.length), commit: entry.object };
      break;
    }
    target = entry.symref;
  }
  return { branches, head };
}

/** How many commits `a` has that `b` lacks, and the other way round: one git process. */
export async function aheadBehind(repo: string, a: string, b: string): Promise<{ ahead: number; behind: number }> {
  const out = await runGit(['rev-list', '--left-right', '--count', `${a}...${b}`, '--'], { cwd: repo });
  const [ahead = '0', behind = '0'] = out.trim().split(/\s+/);
  return { ahead: Number(ahead), behind: Number(behind) };
}

/** Whether the repository has no refs at all (nothing was ever pushed). */
export async function isEmptyRepository(repo: string): Promise<boolean> {
  const out = await runGit(['for-each-ref', '--count=1', '--format=%(refname)', 'refs/'], { cwd: repo });
  return out.trim() === '';
}

/** The full name HEAD points at, whether or not that branch exists; undefined when detached. */
export async function headTarget(repo: string): Promise<string | undefined> {
  try {
    return (await runGit(['symbolic-ref', '--quiet', 'HEAD'], { cwd: repo })).trim() || undefined;
  } catch (error) {
    if (error instanceof GitCommandError && error.code === 1) return undefined;
    throw error;
  }
}

/**
 * The default branch: HEAD followed through aliases to the branch it ends at, with its
 * commit; undefined when that branch does not exist (an empty repository) or HEAD is detached.
 */
export async function resolveDefaultBranch(repo: string, branches?: readonly RefEntry[]): Promise<{ name: string; commit: string } | undefined> {
  const known = new Map((branches ?? (await listRefs(repo, REFS_HEADS))).map((entry) => [entry.ref, entry]));
  let target = await headTarget(repo);
  for (let hops = 0; target !== undefined && hops < 5; hops += 1) {
    const entry = known.get(target);
    if (!entry) return undefined;
    if (!entry.symref) return { name: target.slice(REFS_HEADS.length), commit: entry.object };
    target = entry.symref;
  }
  return undefined;
}

/** What a ref is: a symbolic ref (with its target), a plain ref (with its object), or absent. */
export async function readRef(repo: string, ref: string): Promise<{ symref: string } | { object: string } | undefined> {
  try {
    const symref = (await runGit(['symbolic-ref', '--quiet', ref], { cwd: repo })).trim();
    if (symref) return { symref };
  } catch (error) {
    if (!(error instanceof GitCommandError && error.code === 1)) throw error;
  }
  try {
    const line = (await runGit(['show-ref', '--verify', ref], { cwd: repo })).trim();
    return { object: line.split(' ')[0]! };
  } catch (error) {
    // show-ref --verify exits 128 ("not a valid ref") for a ref that is not there.
    if (error instanceof GitCommandError && (error.code === 1 || error.code === 128)) return undefined;
    throw error;
  }
}

/** The commit `revision` names (peeling tags), or undefined. `revision` must be validated by the caller. */
export async function commitOf(repo: string, revision: string): Promise<string | undefined> {
  try {
    const out = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`], { cwd: repo });
    return out.trim() || undefined;
  } catch (error) {
    if (error instanceof GitCommandError && error.code === 1) return undefined;
    throw error;
  }
}

/** The one object whose name starts with `prefix`, with its type; undefined if none or several. */
export async function objectByPrefix(repo: string, prefix: string): Promise<{ sha: string; type: string } | undefined> {
  if (!isObjectPrefix(prefix)) return undefined;
  let sha = prefix.toLowerCase();
  if (sha.length !== 40 && sha.length !== 64) {
    const candidates = (await runGit(['rev-parse', '--disambiguate=' + sha], { cwd: repo }).catch(() => '')).split('\n').filter(Boolean);
    if (candidates.length !== 1) return undefined;
    sha = candidates[0]!;
  }
  const line = (await runGit(['cat-file', '--batch-check=%(objectname) %(objecttype)'], { cwd: repo, input: `${sha}\n` })).trim();
  const [name, type] = line.split(' ');
  if (!type || type === 'missing' || type === 'ambiguous' || name !== sha) return undefined;
  return { sha, type };
}

export interface ResolvedRevision {
  commit: string;
  /** How the identifier was understood. */
  kind: 'branch' | 'tag' | 'object';
}

/**
 * Pagure's identifier in URLs: a branch name first, then an object name (a commit, or a
 * tag pointing at one); Pagurus also takes tag names. Anything else is undefined.
 */
export async function resolveRevision(repo: string, identifier: string): Promise<ResolvedRevision | undefined> {
  if (isValidRefName(identifier)) {
    const branch = await commitOf(repo, `${REFS_HEADS}${identifier}`);
    if (branch) return { commit: branch, kind: 'branch' };
  }
  if (isObjectPrefix(identifier)) {
    const object = await objectByPrefix(repo, identifier);
    if (object && (object.type === 'commit' || object.type === 'tag')) {
      const commit = await commitOf(repo, object.sha);
      if (commit) return { commit, kind: 'object' };
    }
  }
  if (isValidRefName(identifier)) {
    const tag = await commitOf(repo, `${REFS_TAGS}${identifier}`);
    if (tag) return { commit: tag, kind: 'tag' };
  }
  return undefined;
}

/**
 * Sets `ref` to `value` if it still holds `expected` ('' = must not exist yet), without
 * following symbolic refs: git's compare-and-swap. Throws GitCommandError otherwise.
 */
export async function compareAndSwapRef(repo: string, ref: string, value: string, expected: string, reason: string): Promise<void> {
  await runGit(['update-ref', '--no-deref', '-m', reason, ref, value, expected], { cwd: repo });
}

/** Points HEAD at a branch. */
export async function setHead(repo: string, branchRef: string): Promise<void> {
  await runGit(['symbolic-ref', '-m', 'default branch set through the API', 'HEAD', branchRef], { cwd: repo });
}

/** Makes `ref` a symbolic ref to `target`. The caller checked that `ref` does not exist. */
export async function createSymbolicRef(repo: string, ref: string, target: string): Promise<void> {
  await runGit(['symbolic-ref', '-m', 'alias created through the API', ref, target], { cwd: repo });
}

/** Removes the symbolic ref itself (never its target). */
export async function deleteSymbolicRef(repo: string, ref: string): Promise<void> {
  await runGit(['symbolic-ref', '--delete', ref], { cwd: repo });
}

export interface Tagger {
  name: string;
  email: string;
}

/** Writes an annotated tag object for `object` (of `type`) and returns its name. */
export async function writeTagObject(repo: string, tag: { name: string; object: string; type: string; tagger: Tagger; message: string }): Promise<string> {
  const clean = (text: string) => text.replace(/[<>\n\r\0]/g, '').trim() || 'unknown';
  const seconds = Math.floor(Date.now() / 1000);
  const body = [
    `object ${tag.object}`,
    `type ${tag.type}`,
    `tag ${tag.name}`,
    `tagger ${clean(tag.tagger.name)} <${clean(tag.tagger.email)}> ${seconds} +0000`,
    '',
    tag.message,
  ].join('\n');
  return (await runGit(['mktag'], { cwd: repo, input: body })).trim();
}
