// The one place that asks plugins whether a ref may move (the canPush bail hook): user
// pushes (the push policy, from pre-receive) and the forge's own writes (branches and tags
// made through the API, merges, rebases) all come through here, so a plugin's veto holds
// for every way a ref can change.
import { projectRef, type ProjectRecord } from '../../domain/index.js';
import { isAncestor, isNullRev, type QuarantineEnv } from '../../git/index.js';
import type { ForgeHooks, Refusal } from '../../plugins/index.js';

export interface RefUpdate {
  ref: string;
  oldRev: string;
  newRev: string;
}

/** Where the update's commits are: the repository, and a push's quarantine while it waits. */
export interface UpdateObjects {
  dir: string;
  env?: QuarantineEnv;
}

/**
 * Whether the update's new commit contains its old one (`git merge-base --is-ancestor`),
 * asked of git at the first call only: the push policy's protected branches and the plugins'
 * `forced()` share the answer.
 */
export function containsOld(update: RefUpdate, objects: UpdateObjects): () => Promise<boolean> {
  let contained: Promise<boolean> | undefined;
  return () => (contained ??= isAncestor(objects.dir, update.oldRev, update.newRev, objects.env));
}

/**
 * The plugins' verdict on one ref update by `user` (null: the forge itself; a deploy key
 * comes with its `deployKey` id); a Refusal says why not.
 */
export function askCanPush(
  hooks: ForgeHooks,
  user: { name: string; deployKey?: { id: number } | undefined } | null,
  project: ProjectRecord,
  update: RefUpdate,
  objects: UpdateObjects,
  contained: () => Promise<boolean> = containsOld(update, objects),
): Promise<Refusal | undefined> {
  // Creations, deletions and no-ops rewrite nothing.
  const neverRewrites = isNullRev(update.oldRev) || isNullRev(update.newRev) || update.oldRev === update.newRev;
  return hooks.canPush.promise({
    user: user ? { name: user.name } : null,
    ...(user?.deployKey ? { deployKey: { id: user.deployKey.id } } : {}),
    project: projectRef(project),
    ref: update.ref,
    oldRev: update.oldRev,
    newRev: update.newRev,
    forced: () =>
      neverRewrites
        ? Promise.resolve(false)
        : // A ref moved to an object that is no commit (a tag of a blob) counts as rewritten.
          contained().then(
            (yes) => !yes,
            () => true,
          ),
  });
}
