// Travis CI's API v3, as the plugin calls it: POST /repo/<slug>/requests to start a build
// (with the API version header and a user's API token), and GET /config for the public key
// Travis signs its webhook notifications with.
import { triggerRefused } from '@pagurus/core';

export class TravisError extends Error {}

/** What POST /repo/<slug>/requests takes under `request`. */
export interface BuildRequest {
  branch: string;
  message: string;
  config: { env: { global: string[] } };
}

export class TravisClient {
  constructor(
    private readonly travisUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /** The API's base URL, with a trailing slash. */
  get base(): string {
    return this.travisUrl.endsWith('/') ? this.travisUrl : `${this.travisUrl}/`;
  }

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(new URL(path, this.base), {
        ...init,
        headers: { 'Travis-API-Version': '3', ...(init.headers as Record<string, string> | undefined) },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new TravisError(`Travis at ${this.base} did not answer (${cause})`);
    }
  }

  /** Asks Travis to build `request.branch` of the repository, as the API token's user. */
  async requestBuild(slug: string, apiToken: string, request: BuildRequest): Promise<void> {
    const res = await this.call(`repo/${encodeURIComponent(slug)}/requests`, {
      method: 'POST',
      headers: { Authorization: `token ${apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ request }),
    });
    const text = await res.text().catch(() => '');
    if (res.status !== 202 && res.status !== 200 && res.status !== 201) {
      throw triggerRefused(res.status, `Travis refused the build request: HTTP ${res.status}${reason(text)}`);
    }
  }

  /** The PEM public key Travis signs webhook notifications with (config.notifications.webhook.public_key). */
  async publicKey(): Promise<string> {
    const res = await this.call('config');
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new TravisError(`Travis refused the config request: HTTP ${res.status}`);
    }
    const body = (await res.json().catch(() => undefined)) as
      { config?: { notifications?: { webhook?: { public_key?: unknown } } } } | undefined;
    const key = body?.config?.notifications?.webhook?.public_key;
    if (typeof key !== 'string' || !key) throw new TravisError(`Travis at ${this.base} has no webhook public key in its config`);
    return key;
  }
}

/** Travis' own words for a refusal (`error_message` of its error JSON), when it gave some. */
function reason(text: string): string {
  try {
    const message = (JSON.parse(text) as { error_message?: unknown }).error_message;
    return typeof message === 'string' && message ? ` (${message.slice(0, 200)})` : '';
  } catch {
    return '';
  }
}
