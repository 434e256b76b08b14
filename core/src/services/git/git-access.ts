// Who may fetch from or push to a repository over git, whatever carries the git protocol:
// git's smart HTTP and SSH ask this one decision, so a refusal reads the same everywhere.
// Which refs a push may change is the pre-receive hook's question (push-policy.ts), asked of
// every push alike through the hook callback.
import { repositoryPath, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import type { Repositories } from '../../git/index.js';
import type { AccessService, Viewer } from '../access/access-service.js';
import type { ProjectPath, ProjectQueries } from '../projects/project-queries.js';
import type { TokenRecord } from '../tokens/tokens-service.js';
import type { PushAs } from './push-identity.js';

export type GitService = 'upload-pack' | 'receive-pack';

/** A repository as a git URL names it: a project's main repository, or one of its typed ones (docs). */
export interface GitRepositoryName {
  project: ProjectPath;
  /** The repository type (absent: the main repository). */
  type?: string | undefined;
}

/**
 * Who asks: a user (with the API token they authenticated with, if any), nobody, or a
 * project's deploy key (no user: it may fetch that one project, public or private, and with
 * `push` push to it as a committer would, under the same push policy).
 */
export interface GitActor {
  user: UserRecord | null;
  token?: TokenRecord | null;
  deployKey?: { id: number; projectId: number; push?: boolean };
}

export type GitAccessDecision =
  | {
      ok: true;
      project: ProjectRecord;
      /** The repository's path under the repositories directory, and on disk. */
      relative: string;
      repository: string;
      type: string | undefined;
      /** Run the forge's pre- and post-receive hooks (main repositories; never typed ones). */
      hooks: boolean;
      /** Who pushes (for the hooks' push identity); undefined for a fetch. */
      pushAs: PushAs | undefined;
    }
  | {
      ok: false;
      /** 'authenticate': say who you are (HTTP answers 401); 'not-found' and 'forbidden' as named. */
      reason: 'authenticate' | 'not-found' | 'forbidden';
      message: string;
    };

const refuse = (reason: 'authenticate' | 'not-found' | 'forbidden', message: string): GitAccessDecision => ({ ok: false, reason, message });

export class GitAccess {
  constructor(
    private readonly access: AccessService,
    private readonly projects: ProjectQueries,
    private readonly repositories: Repositories,
    private readonly defaultBranch: string,
  ) {}

  async decide(name: GitRepositoryName, service: GitService, actor: GitActor): Promise<GitAccessDecision> {
    const pushing = service === 'receive-pack';
    if (actor.deployKey) return this.forDeployKey(name, pushing, actor.deployKey);
    const { user } = actor;
    const token = actor.token ?? null;
    const viewer: Viewer = await this.access.viewer(user);
    const project = await this.projects.find(name.project);
    const visible = project !== undefined && (await this.access.canView(viewer, project));
    // Anonymous callers are asked who they are whether or not the project exists, so nothing
    // leaks; known users without access learn nothing either.
    if (!project || !visible) return user ? refuse('not-found', 'Repository not found') : refuse('authenticate', 'Authentication required');
    if (token && token.projectId !== null && token.projectId !== project.id)
      return refuse('forbidden', 'This token belongs to another project');
    if (pushing) {
      if (!user) return refuse('authenticate', 'Authentication required');
      if (token && !token.acls.includes('commit')) return refuse('forbidden', 'This token cannot push: it lacks the commit ACL');
      // A typed repository (docs) has no branch rules: it takes commit access, whole.
      const allowed = name.type ? await this.access.has(viewer, project, 'commit') : await this.maySomewhere(viewer, project);
      if (!allowed) return refuse('forbidden', `You are not allowed to push to ${name.type ? `the ${name.type} of ` : ''}${project.name}`);
    }
    return this.typed(project, name.type, pushing ? { userId: user!.id } : undefined);
  }

  /** The decision for the project's repository of the type; a push to one older than its type makes it first. */
  private async typed(project: ProjectRecord, type: string | undefined, pushAs: PushAs | undefined): Promise<GitAccessDecision> {
    const relative = this.repositories.typedPath(type, repositoryPath(project));
    if (type && !this.repositories.exists(relative)) {
      if (!pushAs) return refuse('not-found', 'Repository not found');
      await this.repositories.create(relative, this.defaultBranch).catch((error: Error) => {
        if (!this.repositories.exists(relative)) throw error;
      });
    }
    return { ok: true, project, relative, repository: this.repositories.pathOf(relative), type, hooks: !type, pushAs };
  }

  /**
   * A deploy key fetches its own project's repositories and nothing else; one with push
   * access pushes to them with commit access (the push policy's other rules still apply).
   */
  private async forDeployKey(
    name: GitRepositoryName,
    pushing: boolean,
    key: NonNullable<GitActor['deployKey']>,
  ): Promise<GitAccessDecision> {
    const project = await this.projects.find(name.project);
    if (!project || project.id !== key.projectId) return refuse('not-found', 'Repository not found');
    if (pushing && !key.push) return refuse('forbidden', `This deploy key may only read ${project.name}`);
    return this.typed(project, name.type, pushing ? { deployKeyId: key.id } : undefined);
  }

  /** Whether the user may push to any ref at all; which refs is the pre-receive hook's question. */
  private async maySomewhere(viewer: Viewer, project: ProjectRecord): Promise<boolean> {
    if (await this.access.has(viewer, project, 'commit')) return true;
    const grant = await this.access.grant(viewer.user, project);
    return grant.level === 'collaborator' && grant.branches.length > 0;
  }
}
