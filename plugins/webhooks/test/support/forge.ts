// A test forge with the plugin loaded by name, as the host loads it, and the few API calls
// the tests make: a project with web-hook URLs, a new issue (an event), the delivery log.
import assert from 'node:assert/strict';
import { createTestForge, type TestForge, type TestForgeOptions, type TestMode } from '@pagurus/core/testing';

export const PLUGIN = '@pagurus/plugin-webhooks';

/** Fast retries so a test sees several within a second; loopback allowed, as the receiver lives there. */
export const TEST_OPTIONS = {
  allowed_networks: ['127.0.0.0/8'],
  attempts: 50,
  backoff_ms: 50,
  max_backoff_ms: 200,
  sweep_interval_ms: 200,
  timeout_ms: 2000,
};

export interface Delivery {
  id: number;
  topic: string;
  url: string;
  msg_id: string;
  status: 'pending' | 'delivered' | 'failed';
  attempt: number;
  response_status: number | null;
  duration_ms: number | null;
  response_excerpt: string | null;
  redelivery_of: number | null;
}

export class Kit {
  private tokens = new Map<string, string>();
  constructor(readonly t: TestForge) {}

  static async start(mode: TestMode, options: Record<string, unknown> = {}, extra: Partial<TestForgeOptions> = {}): Promise<Kit> {
    return new Kit(await createTestForge({ mode, plugins: [{ name: PLUGIN, options: { ...TEST_OPTIONS, ...options } }], ...extra }));
  }

  async token(user: string): Promise<string> {
    let token = this.tokens.get(user);
    if (!token) {
      token = await this.t.createToken(user, 'all');
      this.tokens.set(user, token);
    }
    return token;
  }

  async call<T = Record<string, unknown>>(user: string | null, method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = user ? { Authorization: `token ${await this.token(user)}` } : {};
    return this.t.api<T>(method, path, body, headers);
  }

  /** A project of `owner` whose Web-hooks setting lists `urls`, set through Pagure's options/update. */
  async project(owner: string, name: string, urls: string[], options: { private?: boolean } = {}): Promise<string> {
    if (!(await this.t.forge.services.users.byName(owner))) await this.t.createUser(owner);
    const project = await this.t.createProject(owner, name, { private: options.private ?? false });
    const path = project.namespace ? `${project.namespace}/${project.name}` : project.name;
    const res = await this.call(owner, 'POST', `/api/0/${path}/options/update`, { 'Web-hooks': urls.join('\n') });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return path;
  }

  async newIssue(user: string, project: string, title: string): Promise<number> {
    const res = await this.call<{ issue: { id: number } }>(user, 'POST', `/api/0/${project}/new_issue`, { title, issue_content: title });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.issue.id;
  }

  async deliveries(user: string, project: string, query = ''): Promise<Delivery[]> {
    const res = await this.call<{ deliveries: Delivery[] }>(user, 'GET', `/api/0/${project}/webhooks/deliveries${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.deliveries;
  }

  async hookToken(user: string, project: string): Promise<string> {
    const res = await this.call<{ webhook: { token: string } }>(user, 'GET', `/api/0/${project}/webhook/token`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.webhook.token;
  }

  close(): Promise<void> {
    return this.t.close();
  }
}
