// Who pushes, handed from the process that authenticated the push (smart HTTP now, SSH
// later) to the git hooks and back: signed with the forge's secret, so any web process of
// the forge can check it and a hook cannot be talked into acting for someone else.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface PushIdentity {
  userId: number;
  projectId: number;
  /** The directory of the repository pushed to. */
  repository: string;
}

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
      const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PushIdentity & { expires: number };
      if (typeof value.expires !== 'number' || value.expires < now) return undefined;
      if (!Number.isInteger(value.userId) || !Number.isInteger(value.projectId) || typeof value.repository !== 'string') return undefined;
      return { userId: value.userId, projectId: value.projectId, repository: value.repository };
    } catch {
      return undefined;
    }
  }
}
