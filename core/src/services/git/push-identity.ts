// Who pushes, handed from the process that authenticated the push (smart HTTP, or a plugin
// carrying SSH through forge.git.serve) to the git hooks and back: signed with the forge's
// secret, so any web process of the forge can check it and a hook cannot be talked into
// acting for someone else.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { projectFullname, type ProjectRecord, type UserRecord } from '../../domain/index.js';

/**
 * A project's deploy key with push access: no user, commit access to its one project. Its
 * name is Pagure's, `deploykey_<project's full name, "/" as "_">_<id>`, which is what
 * events carry as their agent (no user name starts with `deploykey_`).
 */
export interface DeployKeyPusher {
  id: number;
  projectId: number;
  name: string;
}

/** Who pushes: a user, or a project's deploy key. */
export type Pusher = { user: UserRecord; deployKey?: undefined } | { user?: undefined; deployKey: DeployKeyPusher };

/** The name a push is made in: the user's, or the deploy key's. */
export const pusherName = (pusher: Pusher): string => (pusher.user ? pusher.user.name : pusher.deployKey.name);

/** The start of every deploy key's name; refused for user names. */
export const DEPLOY_KEY_PREFIX = 'deploykey_';

/** Pagure's name for a project's deploy key: the full name made safe as a file name, and the key's id. */
export function deployKeyName(project: ProjectRecord, id: number): string {
  const safe = projectFullname(project)
    .replace(/\//g, '_')
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .replace(/^[._]+|[._]+$/g, '');
  return `${DEPLOY_KEY_PREFIX}${safe}_${id}`;
}

/** Who pushes, as the signed identity names them: a user by id, or a deploy key by its id. */
export type PushAs = { userId: number; deployKeyId?: undefined } | { userId?: undefined; deployKeyId: number };

export type PushIdentity = PushAs & {
  projectId: number;
  /** The directory of the repository pushed to. */
  repository: string;
};

/** Long enough for a slow upload of a big pack. */
const LIFETIME_MS = 6 * 60 * 60 * 1000;

export class PushIdentities {
  constructor(private readonly secret: string) {}

  private sign(payload: string): string {
    return createHmac('sha256', `${this.secret}:git-push`).update(payload).digest('base64url');
  }

  issue(identity: PushIdentity, now = Date.now()): string {
    const payload = Buffer.from(JSON.stringify({ ...identity, expires: now + LIFETIME_MS })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The identity in a token this forge issued and that has not expired, else undefined. */
  verify(token: string, now = Date.now()): PushIdentity | undefined {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (typeof value.expires !== 'number' || value.expires < now) return undefined;
      const { userId, deployKeyId, projectId, repository } = value;
      if (!Number.isInteger(projectId) || typeof repository !== 'string') return undefined;
      const base = { projectId: projectId as number, repository };
      if (Number.isInteger(userId) && deployKeyId === undefined) return { ...base, userId: userId as number };
      if (Number.isInteger(deployKeyId) && userId === undefined) return { ...base, deployKeyId: deployKeyId as number };
      return undefined;
    } catch {
      return undefined;
    }
  }
}
