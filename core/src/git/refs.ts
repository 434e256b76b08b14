// Branches, tags, HEAD and branch aliases (symbolic refs) of a bare repository: reading
// them (from the repository's files, ref-store.ts), and the atomic writes the API makes.
// Callers hold the repository's lock to write.
import { GitCommandError, runGit } from './exec.js';
import { objectInfo, objectInfos, parsedObject } from './objects.js';
import { followRefs, forgetRefs, refSnapshot, resolveStored, type RefSnapshot } from './ref-store.js';

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

/** Refs under `prefix` that resolve to an object (dangling aliases are left out, as for-each-ref does), sorted by name as git sorts them. */
async function resolvedRefs(repo: string, prefix: string): Promise<{ entries: RefEntry[]; snapshot: RefSnapshot }> {
  const snapshot = await refSnapshot(repo);
  const listed: Array<{ ref: string; object: string; symref: string | undefined }> = [];
  for (const [ref, stored] of snapshot.refs) {
    if (!ref.startsWith(prefix)) continue;
    const resolved = resolveStored(snapshot, ref);
    if (resolved) listed.push({ ref, object: resolved.object, symref: 'symref' in stored ? stored.symref : undefined });
  }
  listed.sort((a, b) => Buffer.compare(Buffer.from(a.ref), Buffer.from(b.ref)));
  // Annotated tags peel to the object they name (one level, as for-each-ref's %(*objectname)).
  const infos = await objectInfos(repo, [...new Set(listed.map((entry) => entry.object))]);
  const tags = new Set<string>();
  for (const info of infos) if (!('missing' in info) && info.type === 'tag') tags.add(info.oid);
  const peeled = new Map<string, string>();
  for (const tag of tags) peeled.set(tag, (await tagTarget(repo, tag)) ?? tag);
  return { entries: listed.map((entry) => ({ ...entry, peeled: peeled.get(entry.object) ?? entry.object })), snapshot };
}

/** The object an annotated tag names. */
async function tagTarget(repo: string, tag: string): Promise<string | undefined> {
  const found = await parsedObject(
    repo,
    'tag-target',
    tag,
    (object) => /^object ([0-9a-f]+)$/m.exec(object.data.toString('latin1'))?.[1] ?? '',
  );
  return found?.value || undefined;
}

/** Every ref under `prefix` (refs/heads/, refs/tags/, or refs/ for all), sorted by name. */
export async function listRefs(repo: string, prefix: string): Promise<RefEntry[]> {
  return (await resolvedRefs(repo, prefix)).entries;
}

export interface BranchListing {
  /** refs/heads/*, sorted by name. */
  branches: RefEntry[];
  /** The default branch (HEAD followed through aliases) and its commit; undefined when it does not exist. */
  head: { name: string; commit: string } | undefined;
}

/** The branches and the default branch, from one read of the repository's refs. */
export async function branchesAndHead(repo: string): Promise<BranchListing> {
  const { entries: branches, snapshot } = await resolvedRefs(repo, REFS_HEADS);
  return { branches, head: defaultBranchOf(snapshot) };
}

/** HEAD followed through branch aliases to the branch holding a commit; undefined when detached or when that branch does not exist. */
function defaultBranchOf(snapshot: RefSnapshot): BranchListing['head'] {
  const { names, stored } = followRefs(snapshot, 'HEAD');
  const [, ...branches] = names;
  if (!branches.length || !stored || !('object' in stored) || !branches.every((name) => name.startsWith(REFS_HEADS))) return undefined;
  return { name: branches[branches.length - 1]!.slice(REFS_HEADS.length), commit: stored.object };
}

/** Whether the repository has no refs at all (nothing was ever pushed). */
export async function isEmptyRepository(repo: string): Promise<boolean> {
  const snapshot = await refSnapshot(repo);
  for (const ref of snapshot.refs.keys()) if (ref.startsWith('refs/') && resolveStored(snapshot, ref)) return false;
  return true;
}

/** The full name HEAD points at, whether or not that branch exists; undefined when detached. */
export async function headTarget(repo: string): Promise<string | undefined> {
  const head = (await refSnapshot(repo)).head;
  return head && 'symref' in head ? head.symref : undefined;
}

/**
 * The default branch: HEAD followed through aliases to the branch it ends at, with its
 * commit; undefined when that branch does not exist (an empty repository) or HEAD is detached.
 */
export async function resolveDefaultBranch(repo: string): Promise<{ name: string; commit: string } | undefined> {
  return defaultBranchOf(await refSnapshot(repo));
}

/**
 * The final name a chain of symbolic refs from `ref` leads to (existing or not), as
 * `git symbolic-ref` prints it; undefined when `ref` is no symbolic ref; null when it loops.
 */
function finalTarget(snapshot: RefSnapshot, ref: string): string | null | undefined {
  const { names, stored } = followRefs(snapshot, ref);
  if (names.length === 1) return undefined;
  return stored && 'symref' in stored ? null : names[names.length - 1];
}

/** What a ref is: a symbolic ref (with its final target), a plain ref (with its object), or absent. */
export async function readRef(repo: string, ref: string): Promise<{ symref: string } | { object: string } | undefined> {
  const snapshot = await refSnapshot(repo);
  const target = finalTarget(snapshot, ref);
  if (target) return { symref: target };
  const stored = snapshot.refs.get(ref);
  return stored && 'object' in stored ? { object: stored.object } : undefined;
}

/**
 * The ref a write to each of `refs` really changes. git follows a symbolic ref (a branch
 * alias) when a push or update-ref writes it, so writing `rawhide → main` moves main, and
 * deleting it deletes main. The answer holds the aliases among `refs` with the final ref
 * they lead to (null for a chain that loops); refs that are no alias are absent.
 */
export async function aliasTargets(repo: string, refs: Iterable<string>): Promise<Map<string, string | null>> {
  const snapshot = await refSnapshot(repo);
  const targets = new Map<string, string | null>();
  for (const ref of new Set(refs)) {
    const target = finalTarget(snapshot, ref);
    if (target !== undefined) targets.set(ref, target);
  }
  return targets;
}

/** The commit `revision` names (peeling tags), or undefined. `revision` must be validated by the caller. */
export async function commitOf(repo: string, revision: string): Promise<string | undefined> {
  let name = revision;
  if (revision === 'HEAD' || revision.startsWith('refs/')) {
    const resolved = resolveStored(await refSnapshot(repo), revision);
    if (!resolved) return undefined;
    name = resolved.object;
  }
  const info = await objectInfo(repo, name);
  if (info?.type === 'commit') return info.oid;
  const peeled = await objectInfo(repo, `${name}^{commit}`);
  return peeled?.type === 'commit' ? peeled.oid : undefined;
}

/**
 * The first of `commits` (commits, or tags of commits) that no ref reaches (or one of them
 * when one is missing or no commit): not a branch,
 * a tag, a pull request's refs/pull/*, nor HEAD. Undefined when every one is reachable.
 * One `git rev-list` walk, however many there are.
 */
export async function firstUnreachable(repo: string, commits: readonly string[]): Promise<string | undefined> {
  if (!commits.length) return undefined;
  try {
    const out = await runGit(['rev-list', '-n', '1', '--stdin', '--not', '--all'], {
      cwd: repo,
      input: commits.map((sha) => `${sha}\n`).join(''),
    });
    return out.trim() || undefined;
  } catch (error) {
    // A missing object, or a tag of something that is not a commit: nothing to serve.
    if (error instanceof GitCommandError) return commits[0];
    throw error;
  }
}

/**
 * Whether a ref (branch, tag, refs/pull/*) reaches `commit`. What a deleted branch or a
 * force-push left behind stays on disk until gc prunes it, and is never served meanwhile.
 */
export async function isReachable(repo: string, commit: string): Promise<boolean> {
  return (await firstUnreachable(repo, [commit])) === undefined;
}

/** How many objects sharing a prefix are looked at before the prefix counts as ambiguous. */
const MOST_CANDIDATES = 16;

/**
 * The one commit, or tag of a commit, whose name starts with `prefix` and that a ref
 * reaches, with its type; undefined if none or several. Users' hashes resolve only through
 * here (and resolveRevision), so nothing unreachable is ever served by its hash.
 */
export async function objectByPrefix(repo: string, prefix: string): Promise<{ sha: string; type: string } | undefined> {
  if (!isObjectPrefix(prefix)) return undefined;
  const lower = prefix.toLowerCase();
  let candidates = [lower];
  if (lower.length !== 40 && lower.length !== 64) {
    candidates = (await runGit(['rev-parse', '--disambiguate=' + lower], { cwd: repo }).catch(() => '')).split('\n').filter(Boolean);
    if (!candidates.length || candidates.length > MOST_CANDIDATES) return undefined;
  }
  const infos = await objectInfos(repo, candidates);
  const found: Array<{ sha: string; type: string }> = [];
  for (const info of infos) {
    if (!('missing' in info) && candidates.includes(info.oid) && (info.type === 'commit' || info.type === 'tag')) {
      found.push({ sha: info.oid, type: info.type });
    }
  }
  const reachable: Array<{ sha: string; type: string }> = [];
  for (const object of found) if (await isReachable(repo, object.sha)) reachable.push(object);
  return reachable.length === 1 ? reachable[0] : undefined;
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
  try {
    await runGit(['update-ref', '--no-deref', '-m', reason, ref, value, expected], { cwd: repo });
  } finally {
    forgetRefs(repo);
  }
}

/** Points HEAD at a branch. */
export async function setHead(repo: string, branchRef: string): Promise<void> {
  await runGit(['symbolic-ref', '-m', 'default branch set through the API', 'HEAD', branchRef], { cwd: repo });
  forgetRefs(repo);
}

/** Makes `ref` a symbolic ref to `target`. The caller checked that `ref` does not exist. */
export async function createSymbolicRef(repo: string, ref: string, target: string): Promise<void> {
  await runGit(['symbolic-ref', '-m', 'alias created through the API', ref, target], { cwd: repo });
  forgetRefs(repo);
}

/** Removes the symbolic ref itself (never its target). */
export async function deleteSymbolicRef(repo: string, ref: string): Promise<void> {
  await runGit(['symbolic-ref', '--delete', ref], { cwd: repo });
  forgetRefs(repo);
}

export interface Tagger {
  name: string;
  email: string;
}

/** Writes an annotated tag object for `object` (of `type`) and returns its name. */
export async function writeTagObject(
  repo: string,
  tag: { name: string; object: string; type: string; tagger: Tagger; message: string },
): Promise<string> {
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
