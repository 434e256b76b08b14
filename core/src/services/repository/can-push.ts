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

/** The plugins' verdict on one ref update by `user` (null: the forge itself); a Refusal says why not. */
export function askCanPush(
  hooks: ForgeHooks,
  user: { name: string } | null,
  project: ProjectRecord,
  update: RefUpdate,
  objects: UpdateObjects,
): Promise<Refusal | undefined> {
  let forced: Promise<boolean> | undefined;
  return hooks.canPush.promise({
    user: user ? { name: user.name } : null,
    project: projectRef(project),
    ref: update.ref,
    oldRev: update.oldRev,
    newRev: update.newRev,
    forced: () =>
      (forced ??=
        isNullRev(update.oldRev) || isNullRev(update.newRev) || update.oldRev === update.newRev
          ? Promise.resolve(false)
          : // A ref moved to an object that is no commit (a tag of a blob) counts as rewritten.
            isAncestor(objects.dir, update.oldRev, update.newRev, objects.env).then(
              (contained) => !contained,
              () => true,
            )),
  });
}
