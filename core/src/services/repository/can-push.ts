// The one place that asks plugins whether a ref may move (the canPush bail hook): user
// pushes (the push policy, from pre-receive) and the forge's own writes (branches and tags
// made through the API, merges, rebases) all come through here, so a plugin's veto holds
// for every way a ref can change.
import { projectRef, type ProjectRecord } from '../../domain/index.js';
import type { ForgeHooks, Refusal } from '../../plugins/index.js';

export interface RefUpdate {
  ref: string;
  oldRev: string;
  newRev: string;
}

/** The plugins' verdict on one ref update by `user` (null: the forge itself); a Refusal says why not. */
export function askCanPush(
  hooks: ForgeHooks,
  user: { name: string } | null,
  project: ProjectRecord,
  update: RefUpdate,
): Promise<Refusal | undefined> {
  return hooks.canPush.promise({
    user: user ? { name: user.name } : null,
    project: projectRef(project),
    ref: update.ref,
    oldRev: update.oldRev,
    newRev: update.newRev,
  });
}
