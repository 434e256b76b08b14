// The provider, through openid-client: discovery (once, again after a failure), the
// authorization request (code flow, PKCE S256, state and nonce), the code's exchange with
// the ID token verified against the provider's keys, the userinfo claims, and the logout URL.
// Every failure is sorted into what the person is told: the provider is down, it refused,
// or its answer could not be verified.
import type { Logger } from '@pagurus/core';
import * as client from 'openid-client';
import { LOOPBACK_HOSTS, type OidcOptions } from './options.js';

/** What one login carries from leaving for the provider to coming back (kept in a signed cookie). */
export interface LoginChecks {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

export interface ProviderAnswer {
  issuer: string;
  subject: string;
  /** The ID token's claims, with the userinfo endpoint's beside them. */
  claims: Record<string, unknown>;
  idToken: string;
}

export type ProblemKind = 'down' | 'refused' | 'unverified';

export class ProviderProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    message: string,
  ) {
    super(message);
  }
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

/** What went wrong, in the words the person is shown. */
export function classify(error: unknown): ProviderProblem {
  if (error instanceof ProviderProblem) return error;
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string }; message?: string; error?: string };
  const code = e.cause?.code ?? e.code;
  if (
    (code && NETWORK.has(code)) ||
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    e.cause?.name === 'TimeoutError' ||
    /fetch failed/.test(e.message ?? '')
  )
    return new ProviderProblem('down', 'The login provider cannot be reached just now; try again in a while.');
  if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError)
    return new ProviderProblem('refused', `The login provider refused: ${e.error ?? e.message}.`);
  if (/status code|HTTP/.test(e.message ?? '') && !(error instanceof client.ClientError))
    return new ProviderProblem('down', 'The login provider is not answering properly just now; try again in a while.');
  return new ProviderProblem(
    'unverified',
    `The login provider's answer could not be verified (${e.code ?? e.message ?? 'unknown'}); try again.`,
  );
}

export class OidcProvider {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(
    private readonly options: OidcOptions,
    private readonly log: Logger,
  ) {}

  /** The provider's metadata and keys' client, discovered once; a failed discovery is tried again next time. */
  configuration(): Promise<client.Configuration> {
    if (!this.discovered) {
      const issuer = new URL(this.options.issuer);
      const auth = this.options.client_secret ? client.ClientSecretBasic(this.options.client_secret) : client.None();
      // The ID token's signature is checked against the provider's keys even though it comes straight
      // from the token endpoint (which OpenID Connect would let a client skip).
      const execute = [client.enableNonRepudiationChecks];
      if (issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname)) execute.push(client.allowInsecureRequests);
      this.discovered = client
        .discovery(issuer, this.options.client_id, undefined, auth, { execute, timeout: this.options.timeout_seconds })
        .catch((error: unknown) => {
          this.discovered = undefined;
          this.log.warn({ err: error, issuer: this.options.issuer }, 'oidc: discovery failed');
          throw classify(error);
        });
    }
    return this.discovered;
  }

  /** Where to send the browser, and what must come back with it. */
  async start(redirectUri: string, next: string): Promise<{ url: URL; checks: LoginChecks }> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const checks: LoginChecks = { state: client.randomState(), nonce: client.randomNonce(), verifier, next };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.options.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url, checks };
  }

  /** The provider's answer at the callback, checked: state, code (with the PKCE verifier), ID token (signature, issuer, audience, expiry, nonce). */
  async finish(currentUrl: URL, checks: LoginChecks): Promise<ProviderAnswer> {
    const config = await this.configuration();
    try {
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims || !tokens.id_token) throw new ProviderProblem('unverified', 'The login provider sent no ID token.');
      let claims: Record<string, unknown> = { ...idClaims };
      if (this.options.userinfo && config.serverMetadata().userinfo_endpoint) {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        // The ID token's own claims win where both say something.
        claims = { ...info, ...claims };
      }
      return { issuer: config.serverMetadata().issuer, subject: idClaims.sub, claims, idToken: tokens.id_token };
    } catch (error) {
      const problem = classify(error);
      this.log.warn({ err: error, kind: problem.kind }, 'oidc: login failed at the callback');
      throw problem;
    }
  }

  /** The provider's logout page for this session, or undefined when it has none (or cannot be reached). */
  async logoutUrl(idToken: string, postLogoutRedirect: string): Promise<string | undefined> {
    try {
      const config = await this.configuration();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirect }).href;
    } catch {
      return undefined;
    }
  }
}
