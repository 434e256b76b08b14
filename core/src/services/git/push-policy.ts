// Whether a push may update its refs: core's rules (access level, collaborator branch
// patterns, branch deletion, protected branches) and then the canPush hook, for every ref.
// A push to a branch alias (a symbolic ref) writes the alias' target, so the rules judge
// the target; deleting an alias would delete its target, so it is refused.
// The pre-receive hook asks this, over HTTP now and over SSH later.
import { projectFullname, type ProjectRecord } from '../../domain/index.js';
import { aliasTargets, headBranch, isNullRev, largeObjects, REFS_HEADS, type QuarantineEnv } from '../../git/index.js';
import type { AccessService } from '../access/access-service.js';
import { matchesAny } from '../access/fnmatch.js';
import type { ServiceContext } from '../context.js';
import { protectedBranchPatterns, readSettings } from '../projects/settings.js';
import { askCanPush, containsOld, type RefUpdate } from '../repository/can-push.js';
import { pusherName, type Pusher } from './push-identity.js';

export type { RefUpdate };

export interface PushRequest {
  pusher: Pusher;
  project: ProjectRecord;
  /** The repository's directory. */
  repository: string;
  updates: readonly RefUpdate[];
  /** Where the pushed objects wait until the push is accepted. */
  objects: QuarantineEnv;
}

const REV = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** A branch by its name, any other ref in full. */
const shortRef = (ref: string) => (ref.startsWith(REFS_HEADS) ? ref.slice(REFS_HEADS.length) : ref);

export class PushPolicy {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly access: AccessService,
  ) {}

  /** The reasons the push is refused, one per refused ref; none means it may go ahead. */
  async check(request: PushRequest): Promise<string[]> {
    const { pusher, project } = request;
    const name = pusherName(pusher);
    const tooLarge = await this.largeObjectRefusals(request);
    if (tooLarge.length) return tooLarge;
    // Looked up once for the whole push, however many refs it moves.
    const viewer = await this.access.viewer(pusher.user ?? null);
    const grant = await this.access.grant(pusher.user ?? null, project);
    // A deploy key with push access commits to its own project, on every branch.
    const mayCommit = (branch: string | undefined) =>
      pusher.deployKey
        ? Promise.resolve(pusher.deployKey.projectId === project.id)
        : this.access.decide(viewer, project, grant, 'commit', branch);
    const fullname = projectFullname(project);
    const settings = readSettings(project);
    const protectedBranches = protectedBranchPatterns(settings);
    // HEAD followed through aliases: the branch it ends at.
    const head = await headBranch(request.repository);
    const aliases = await aliasTargets(
      request.repository,
      request.updates.map((u) => u.ref).filter((ref) => ref.startsWith('refs/')),
    );
    const refusals: string[] = [];
    for (const update of request.updates) {
      let refuse = (message: string) => refusals.push(`${update.ref}: ${message}`);
      if (!update.ref.startsWith('refs/') || !REV.test(update.oldRev) || !REV.test(update.newRev)) {
        refuse('not a ref update git would send');
        continue;
      }
      const deleting = isNullRev(update.newRev);
      const alias = aliases.get(update.ref);
      if (alias === null) {
        refuse('this alias leads to no branch (its chain of aliases loops)');
        continue;
      }
      if (alias !== undefined && deleting) {
        refuse(`${shortRef(update.ref)} is an alias of ${shortRef(alias)}; delete the alias through the API (git/alias/drop)`);
        continue;
      }
      // The ref git will write: the alias' target for an alias, else the ref as pushed.
      const ref = alias ?? update.ref;
      if (alias !== undefined) refuse = (message: string) => refusals.push(`${update.ref} (an alias of ${alias}): ${message}`);
      const branch = ref.startsWith(REFS_HEADS) ? ref.slice(REFS_HEADS.length) : undefined;
      const creating = isNullRev(update.oldRev);
      if (!(await mayCommit(branch))) {
        refuse(`${name} may not push ${branch === undefined ? 'to this ref' : `to the branch ${branch}`} of ${fullname}`);
        continue;
      }
      if (branch !== undefined && deleting) {
        if (branch === head) {
          refuse(`${branch} is the default branch of ${fullname} and cannot be deleted`);
          continue;
        }
        if (!this.ctx.config.git.allowDeleteBranch) {
          refuse('deleting branches is not allowed on this forge');
          continue;
        }
        if (matchesAny(branch, protectedBranches)) {
          refuse(`${branch} is protected in ${fullname}: it cannot be deleted`);
          continue;
        }
      }
      const objects = { dir: request.repository, env: request.objects };
      const contained = containsOld(update, objects);
      if (branch !== undefined && !creating && !deleting && matchesAny(branch, protectedBranches)) {
        if (!(await contained())) {
          refuse(`${branch} is protected in ${fullname}: non fast-forward pushes are refused`);
          continue;
        }
      }
      const veto = await askCanPush(
        this.ctx.hooks,
        { name, deployKey: pusher.deployKey },
        project,
        { ref, oldRev: update.oldRev, newRev: update.newRev },
        objects,
        contained,
      );
      if (veto) refuse(veto.message);
    }
    return refusals;
  }

  /** Objects of the push larger than git.max_object_size_mb (measured uncompressed, as git stores them). */
  private async largeObjectRefusals(request: PushRequest): Promise<string[]> {
    const max = this.ctx.config.git.maxObjectSize;
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    const found = await largeObjects(request.repository, request.objects, max);
    return found.map((o) => `${o.type} ${o.oid} is ${mib(o.size)}: this forge accepts objects of at most ${mib(max)}`);
  }
}
