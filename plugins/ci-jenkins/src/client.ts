// Jenkins' REST API, as Pagure CI (python-jenkins) calls it: buildWithParameters with the
// job's remote-trigger token, HTTP Basic auth with a user's API token when the server needs
// one, and a CSRF crumb when the server asks for one; and a build's JSON.
import { triggerRefused } from '@pagurus/core';
import type { JenkinsSettings } from './settings.js';

export interface BuildInfo {
  number: number;
  url: string;
  result: string | null;
  building: boolean;
  parameters: Record<string, string>;
}

export class JenkinsError extends Error {}

export class JenkinsClient {
  constructor(
    private readonly settings: JenkinsSettings,
    private readonly timeoutMs: number,
  ) {}

  private base(): string {
    return this.settings.ci_url.endsWith('/') ? this.settings.ci_url : `${this.settings.ci_url}/`;
  }

  private headers(): Record<string, string> {
    const { ci_username: user, ci_password: password } = this.settings;
    return user ? { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } : {};
  }

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base()), {
        ...init,
        headers: { ...this.headers(), ...(init.headers as Record<string, string> | undefined) },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new JenkinsError(`Jenkins at ${this.base()} did not answer (${cause})`);
    }
    return response;
  }

  /** The crumb header, when the server has CSRF protection on; none when it has not (404). */
  private async crumb(): Promise<Record<string, string>> {
    const res = await this.call('crumbIssuer/api/json');
    if (res.status === 404) return {};
    if (!res.ok) throw new JenkinsError(`Jenkins refused the crumb request: HTTP ${res.status}`);
    const body = (await res.json()) as { crumb?: string; crumbRequestField?: string };
    return body.crumb && body.crumbRequestField ? { [body.crumbRequestField]: body.crumb } : {};
  }

  /** Starts a build of the job with these parameters. */
  async trigger(params: Record<string, string>): Promise<void> {
    const query = new URLSearchParams({ token: this.settings.pagure_ci_token, ...params });
    const res = await this.call(`job/${encodeURIComponent(this.settings.ci_job)}/buildWithParameters?${query.toString()}`, {
      method: 'POST',
      headers: await this.crumb(),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status !== 201 && res.status !== 200) {
      throw triggerRefused(res.status, `Jenkins refused the build: HTTP ${res.status}`);
    }
  }

  /** A build of the job, from its JSON API. */
  async build(number: number): Promise<BuildInfo> {
    const res = await this.call(`job/${encodeURIComponent(this.settings.ci_job)}/${number}/api/json`);
    if (!res.ok) throw new JenkinsError(`Jenkins has no build #${number} of ${this.settings.ci_job}: HTTP ${res.status}`);
    const body = (await res.json()) as {
      number: number;
      url: string;
      result: string | null;
      building: boolean;
      actions?: Array<{ parameters?: Array<{ name: string; value: unknown }> } | null>;
    };
    const parameters: Record<string, string> = {};
    for (const action of body.actions ?? []) for (const p of action?.parameters ?? []) parameters[p.name] = String(p.value ?? '');
    return { number: body.number, url: body.url, result: body.result, building: body.building, parameters };
  }
}
