// A real OpenID Connect provider on loopback for the tests (panva's oidc-provider, with its
// own signing key), behind a small HTTP proxy the tests steer: it passes requests through,
// can be taken down (connections cut), and can rewrite the ID token of the token endpoint's
// answer (to forge one, expire it, or change its nonce). Logins need no form: the test says
// who logs in next, and consent is given at once.
import http from 'node:http';
import net from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export interface TestAccount {
  preferred_username?: string;
  name?: string;
  email?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  /** The accounts, by subject; change them between logins. */
  accounts: Map<string, TestAccount>;
  /** Who the next login at the provider is (by subject). */
  nextLogin: string | undefined;
  /** Rewrites the ID token the token endpoint answers (undefined: as issued). */
  tamper: ((idToken: string) => Promise<string>) | undefined;
  /** The provider's signing key (private), to mint tokens it would have signed. */
  signingKey: JWK;
  /** Cut every connection, and refuse new ones, until `up()`. */
  down(): void;
  up(): void;
  /** Registers the forge as the client (its URL is known once it listens). */
  registerClient(forgeUrl: string): void;
  close(): Promise<void>;
}

export const CLIENT_ID = 'pagurus';
export const CLIENT_SECRET = 'pagurus-client-secret';

/** The provider's storage, in memory (its own stand-in warns it is for quick starts only). */
class MemoryAdapter {
  private static readonly stores = new Map<string, Map<string, { payload: Record<string, unknown>; expires: number }>>();
  private readonly store: Map<string, { payload: Record<string, unknown>; expires: number }>;

  constructor(name: string) {
    this.store = MemoryAdapter.stores.get(name) ?? new Map();
    MemoryAdapter.stores.set(name, this.store);
  }

  async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
    this.store.set(id, { payload, expires: Date.now() + expiresIn * 1000 });
  }

  async find(id: string) {
    const found = this.store.get(id);
    return found && found.expires > Date.now() ? found.payload : undefined;
  }

  async findByUid(uid: string) {
    for (const [, value] of this.store) if (value.payload.uid === uid && value.expires > Date.now()) return value.payload;
    return undefined;
  }

  async findByUserCode(userCode: string) {
    for (const [, value] of this.store) if (value.payload.userCode === userCode) return value.payload;
    return undefined;
  }

  async consume(id: string) {
    const found = this.store.get(id);
    if (found) found.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string) {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId: string) {
    for (const [id, value] of this.store) if (value.payload.grantId === grantId) this.store.delete(id);
  }
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

export async function startTestProvider(): Promise<TestProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, TestAccount>();
  const sockets = new Set<net.Socket>();
  let isDown = false;
  let provider: Provider | undefined;
  let providerPort = 0;

  const state: TestProvider = {
    issuer: '',
    accounts,
    nextLogin: undefined,
    tamper: undefined,
    signingKey,
    down() {
      isDown = true;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      isDown = false;
    },
    registerClient(forgeUrl: string) {
      provider = makeProvider(forgeUrl);
      inner.removeAllListeners('request');
      inner.on('request', (req, res) => {
        if (req.url?.startsWith('/interaction/')) void interact(provider!, req, res);
        else void provider!.callback()(req, res);
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([new Promise((done) => outer.close(done)), new Promise((done) => inner.close(done))]);
    },
  };

  const makeProvider = (forgeUrl: string): Provider => {
    const configuration: Configuration = {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${forgeUrl}/oidc/callback`],
          post_logout_redirect_uris: [`${forgeUrl}/`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [signingKey] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
      scopes: ['openid', 'email', 'profile', 'groups'],
      findAccount: (_ctx, sub) => {
        const account = accounts.get(sub);
        return account ? { accountId: sub, claims: () => ({ sub, ...account }) } : undefined;
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
      pkce: { required: () => true },
      adapter: MemoryAdapter,
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      cookies: { keys: ['test-provider-cookie-key'] },
    };
    const made = new Provider(state.issuer, configuration);
    // Its errors are the tests' business (they see them in the flow), not the log's.
    made.on('server_error', () => undefined);
    return made;
  };

  /** The login and consent prompts, answered at once for `nextLogin`. */
  async function interact(p: Provider, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const details = await p.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        if (!state.nextLogin) {
          res.statusCode = 403;
          res.end('nobody to log in');
          return;
        }
        await p.interactionFinished(req, res, { login: { accountId: state.nextLogin } }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = details.grantId
        ? (await p.Grant.find(details.grantId))!
        : new p.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await p.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  }

  const inner = http.createServer();
  providerPort = await listen(inner);

  // The proxy: what the forge and the browser talk to.
  const outer = http.createServer((req, res) => {
    if (isDown) return void req.socket.destroy();
    const forwarded = http.request(
      { host: '127.0.0.1', port: providerPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (!(state.tamper && req.url?.startsWith('/token') && answer.statusCode === 200)) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id_token: string };
          void state.tamper!(body.id_token).then((idToken) => {
            const text = JSON.stringify({ ...body, id_token: idToken });
            res.writeHead(200, { ...answer.headers, 'content-length': Buffer.byteLength(text) });
            res.end(text);
          });
        });
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  outer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(outer);
  state.issuer = `http://127.0.0.1:${port}`;
  return state;
}
