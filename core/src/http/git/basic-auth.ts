// HTTP Basic for git clients: a user name with their password, or with an API token.
import type { UserRecord } from '../../domain/index.js';
import type { DomainServices, TokenRecord } from '../../services/index.js';

export type GitCredentials = { kind: 'none' } | { kind: 'invalid' } | { kind: 'user'; user: UserRecord; token: TokenRecord | null };

const TOKEN_SHAPE = /^[A-Z0-9]{64}$/;

export async function gitCredentials(header: string | undefined, address: string, services: DomainServices): Promise<GitCredentials> {
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return { kind: 'none' };
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return { kind: 'invalid' };
  const name = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (TOKEN_SHAPE.test(secret)) {
    const check = await services.tokens.verify(secret);
    if (check.ok) return check.user.name === name ? { kind: 'user', user: check.user, token: check.token } : { kind: 'invalid' };
  }
  try {
    const user = await services.auth.checkPassword(name, secret, address);
    return { kind: 'user', user, token: null };
  } catch {
    return { kind: 'invalid' };
  }
}
