// A stand-in for Travis CI in tests, on loopback: the API v3 calls a forge makes (POST
// /repo/<slug>/requests to trigger a build, GET /config for the webhook public key), and
// Travis' webhook notifications (a form-encoded `payload`, signed RSA-SHA1 with its private
// key) posted to a URL when the test says so. The key pair is made at construction and can
// be rotated.
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { StandIn, type StubAnswer, type StubRequest } from '@pagurus/core/testing';

export interface TravisOptions {
  /** The API token it accepts in `Authorization: token <it>`. */
  token: string;
}

/** One accepted build request. */
export interface TravisRequest {
  slug: string;
  branch: string;
  message: string;
  config?: unknown;
  id: number;
}

export type TravisState = 'passed' | 'failed' | 'errored' | 'started' | 'canceled';

/** A webhook notification payload, with Travis' documented keys. */
export interface TravisPayload {
  id: number;
  number: string;
  type: 'push' | 'pull_request';
  state: TravisState;
  status: number | null;
  result: number | null;
  status_message: string;
  result_message: string;
  started_at: string;
  finished_at: string | null;
  duration: number | null;
  build_url: string;
  commit: string;
  branch: string;
  message: string;
  compare_url: string;
  committed_at: string;
  author_name: string;
  author_email: string;
  committer_name: string;
  committer_email: string;
  pull_request: boolean;
  pull_request_number: number | null;
  pull_request_title: string | null;
  tag: string | null;
  repository: { id: number; name: string; owner_name: string; url: string | null };
}

const MESSAGES: Record<TravisState, string> = {
  passed: 'Passed',
  failed: 'Failed',
  errored: 'Errored',
  started: 'Pending',
  canceled: 'Canceled',
};

/** True when `signatureBase64` is an RSA-SHA1 signature of `payloadJson` by the key whose public half is `publicKeyPem`. */
export function verifyTravisSignature(payloadJson: string, signatureBase64: string, publicKeyPem: string): boolean {
  try {
    return verify('sha1', Buffer.from(payloadJson, 'utf8'), publicKeyPem, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

export class TravisStandIn extends StandIn {
  readonly requests: TravisRequest[] = [];
  /** How many times GET /config was answered. */
  configFetches = 0;
  private privateKey!: KeyObject;
  private publicKeyPem!: string;
  private readonly repoIds = new Map<string, number>();
  private buildIds = 0;

  constructor(private readonly options: TravisOptions) {
    super();
    this.rotateKey();
  }

  /** Makes a new RSA 2048 key pair: /config answers the new public key, notify() signs with the new private key. */
  rotateKey(): void {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** The current public key, PEM (spki), as /config answers it. */
  get publicKey(): string {
    return this.publicKeyPem;
  }

  /**
   * A notification payload with every documented key: defaults (a passed push build of alice/vim,
   * ids 1, 2, ...) under `fields`; status, messages, times, pull-request keys and build_url follow
   * `state`, `type`, `id` and `repository` unless given.
   */
  payload(fields: Partial<TravisPayload> = {}): TravisPayload {
    const id = fields.id ?? ++this.buildIds;
    const state = fields.state ?? 'passed';
    const type = fields.type ?? 'push';
    const repository = fields.repository ?? { id: 1, name: 'vim', owner_name: 'alice', url: 'https://pagurus.example/alice/vim' };
    const commit = fields.commit ?? createHash('sha1').update(`commit ${id}`).digest('hex');
    const status = state === 'started' ? null : state === 'passed' ? 0 : 1;
    const finished = state !== 'started';
    const pullRequest = type === 'pull_request';
    return {
      id,
      number: String(id),
      type,
      state,
      status,
      result: status,
      status_message: MESSAGES[state],
      result_message: MESSAGES[state],
      started_at: '2024-01-01T12:01:00Z',
      finished_at: finished ? '2024-01-01T12:03:00Z' : null,
      duration: finished ? 120 : null,
      build_url: `${this.url}${repository.owner_name}/${repository.name}/builds/${id}`,
      commit,
      branch: 'main',
      message: 'A commit message',
      compare_url: `https://pagurus.example/${repository.owner_name}/${repository.name}/c/${commit}`,
      committed_at: '2024-01-01T12:00:00Z',
      author_name: 'Alice',
      author_email: 'alice@pagurus.example',
      committer_name: 'Alice',
      committer_email: 'alice@pagurus.example',
      pull_request: pullRequest,
      pull_request_number: pullRequest ? 1 : null,
      pull_request_title: pullRequest ? 'A pull request' : null,
      tag: null,
      // Fields given as undefined keep their defaults.
      ...(Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<TravisPayload>),
      repository,
    };
  }

  /**
   * POSTs a notification as Travis does: form-encoded `payload=<JSON>`, `Signature` the base64
   * RSA-SHA1 signature of that JSON by the current key (of other bytes with `badSignature`), and
   * `Travis-Repo-Slug`.
   */
  async notify(webhookUrl: string, payload: TravisPayload, options: { badSignature?: boolean } = {}): Promise<Response> {
    const json = JSON.stringify(payload);
    const signed = options.badSignature ? `${json} ` : json;
    const signature = sign('sha1', Buffer.from(signed, 'utf8'), this.privateKey).toString('base64');
    return fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Signature: signature,
        'Travis-Repo-Slug': `${payload.repository.owner_name}/${payload.repository.name}`,
      },
      body: new URLSearchParams({ payload: json }).toString(),
    });
  }

  protected answer(request: StubRequest): StubAnswer {
    const { pathname } = new URL(request.url, 'http://127.0.0.1');
    // Split before decoding: the slug is one segment, `alice%2Fvim`.
    const segments = pathname.split('/').filter(Boolean);
    if (request.method === 'GET' && pathname === '/config') return this.config();
    if (request.method === 'POST' && segments.length === 3 && segments[0] === 'repo' && segments[2] === 'requests') {
      let slug: string;
      try {
        slug = decodeURIComponent(segments[1] ?? '');
      } catch {
        return error(404, 'not_found', 'repository not found (or insufficient access)');
      }
      return this.request(request, slug);
    }
    return error(404, 'not_found', 'resource not found (or insufficient access)');
  }

  private config(): StubAnswer {
    this.configFetches++;
    return {
      body: {
        config: {
          host: 'travis-ci.com',
          shorten_host: 'trvs.io',
          assets: { host: 'travis-ci.com' },
          pusher: { key: 'x' },
          github: { api_url: 'https://api.github.com', scopes: [] },
          notifications: { webhook: { public_key: this.publicKeyPem } },
        },
      },
    };
  }

  /** POST /repo/<slug>/requests: checks the API version and token, records the request, answers 202. */
  private request(req: StubRequest, slug: string): StubAnswer {
    if (req.headers['travis-api-version'] !== '3') {
      return error(400, 'wrong_params', 'this endpoint needs the Travis-API-Version: 3 header');
    }
    if (req.headers.authorization !== `token ${this.options.token}`) {
      return error(403, 'login_required', 'login required');
    }
    let request: { branch?: unknown; message?: unknown; config?: unknown } | undefined;
    try {
      request = (JSON.parse(req.text) as { request?: typeof request }).request;
    } catch {
      return error(400, 'wrong_params', 'the body is not JSON');
    }
    if (typeof request !== 'object' || request === null || typeof request.branch !== 'string') {
      return error(400, 'wrong_params', 'missing request.branch');
    }
    const message = typeof request.message === 'string' ? request.message : '';
    const recorded: TravisRequest = {
      slug,
      branch: request.branch,
      message,
      ...(request.config === undefined ? {} : { config: request.config }),
      id: this.requests.length + 1,
    };
    this.requests.push(recorded);
    if (!this.repoIds.has(slug)) this.repoIds.set(slug, this.repoIds.size + 1);
    return {
      status: 202,
      body: {
        '@type': 'pending',
        remaining_requests: 10,
        repository: { '@type': 'repository', id: this.repoIds.get(slug), slug },
        request: { id: recorded.id, message, branch: recorded.branch },
        resource_type: 'request',
      },
    };
  }
}

function error(status: number, type: string, message: string): StubAnswer {
  return { status, body: { '@type': 'error', error_type: type, error_message: message } };
}
