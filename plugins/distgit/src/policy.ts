// dist-git's rules for packages (projects in its namespaces, not forks), through core's
// policy hooks: commit access is given to packagers only, and counts only while they are; provenpackagers commit to every
// package but the exempt ones; release engineering commits everywhere; branches are never
// deleted or rewritten, and only supported branches take pushes.
import type { ForgeApi } from '@pagurus/core';
import type { DistgitOptions } from './options.js';
import type { Packages } from './packages.js';
import { packageState } from './store.js';

const REFS_HEADS = 'refs/heads/';
const NULL_REV = /^0+$/;

export function registerPolicy(forge: ForgeApi, packages: Packages, options: DistgitOptions): void {
  const supported = options.supported_branches.map((pattern) => new RegExp(`^(?:${pattern})$`));

  forge.hooks.canPush.tapPromise('distgit', async (check) => {
    if (!packages.isPackage(check.project) || !check.ref.startsWith(REFS_HEADS)) return undefined;
    const branch = check.ref.slice(REFS_HEADS.length);
    if (NULL_REV.test(check.newRev)) return { message: 'branches of packages are never deleted on dist-git' };
    if (!supported.some((pattern) => pattern.test(branch)))
      return { message: `pushes to this branch are not allowed; supported branches are ${options.supported_branches.join(', ')}` };
    if (await check.forced()) return { message: 'forced pushes are not allowed on dist-git: the history of a branch is never rewritten' };
    return undefined;
  });

  forge.hooks.canGrant.tapPromise('distgit', async (check) => {
    if (check.kind !== 'user' || check.level === 'ticket' || !packages.isPackage(check.project)) return undefined;
    const user = await forge.services.users.byName(check.name);
    if (user && (await forge.services.groups.isMember(options.packager_group, user))) return undefined;
    return { message: `${check.name} is not in the ${options.packager_group} group: only packagers may commit to packages` };
  });

  forge.hooks.canAccess.tapPromise('distgit', async (check) => {
    if (check.level !== 'commit' || !packages.isPackage(check.project)) return undefined;
    const user = await forge.services.users.byName(check.user.name);
    if (!user) return undefined;
    const groups = new Set(await forge.services.groups.namesOf(user));
    if (groups.has(options.releng_group)) return true;
    if (groups.has(options.provenpackager_group) && !(await packageState(forge.db, check.project.id)).provenpackagerExempt) return true;
    if (groups.has(options.packager_group)) return undefined;
    // A commit grant gives nothing on a package to someone outside the packager group (site admins aside).
    if (check.granted === null) return undefined;
    return (await forge.services.access.viewer(user)).siteAdmin ? undefined : false;
  });
}
