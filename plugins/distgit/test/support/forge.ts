// A test forge with the plugin loaded by name, as the host loads it, Fedora's groups and
// people: a packager who maintains rpms/pkg, another packager, a provenpackager, a releng
// member, an outsider, a packager a test may take out of the group (former), and the orphan
// user.
import assert from 'node:assert/strict';
import { createTestForge, type TestForge, type TestMode } from '@pagurus/core/testing';

export const PLUGIN = '@pagurus/plugin-distgit';

export class Kit {
  private tokens = new Map<string, string>();
  constructor(readonly t: TestForge) {}

  static async start(mode: TestMode, options: Record<string, unknown> = {}): Promise<Kit> {
    const t = await createTestForge({
      mode,
      plugins: [{ name: PLUGIN, options }],
      config: { namespaces: ['rpms', 'modules', 'container', 'flatpaks', 'tests', 'other'] },
    });
    const kit = new Kit(t);
    for (const name of ['maintainer', 'packager2', 'proven', 'releng1', 'outsider', 'former', 'orphan']) await t.createUser(name);
    const services = t.forge.services;
    const creator = (await services.users.byName('releng1'))!;
    const members: Record<string, string[]> = {
      packager: ['maintainer', 'packager2', 'proven', 'releng1', 'former'],
      provenpackager: ['proven'],
      releng: ['releng1'],
    };
    for (const [group, names] of Object.entries(members)) {
      const record = await services.groups.create(creator, { name: group });
      for (const name of names) await services.groups.addMember(creator, record, name);
    }
    return kit;
  }

  async token(user: string, acls: readonly string[] | 'all' = 'all'): Promise<string> {
    const key = `${user}:${String(acls)}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = await this.t.createToken(user, acls);
      this.tokens.set(key, token);
    }
    return token;
  }

  /** An API call as `user` with a token holding every ACL (or none: anonymous); a form body when `form`. */
  async call<T = Record<string, unknown>>(user: string | null, method: string, path: string, body?: Record<string, unknown>, form = false) {
    const headers: Record<string, string> = user ? { Authorization: `token ${await this.token(user)}` } : {};
    if (form && body) {
      const res = await this.t.fetch(path, {
        method,
        headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString(),
      });
      return { status: res.status, body: (await res.json()) as T };
    }
    return this.t.api<T>(method, path, body, headers);
  }

  /** rpms/<name>, owned by `owner`, with `committers` given commit access through Pagure's modifyacls. */
  async package(name: string, owner = 'maintainer', committers: string[] = []): Promise<string> {
    await this.t.createProject(owner, name, { namespace: 'rpms', readme: true });
    for (const user of committers) {
      const res = await this.call(owner, 'POST', `/api/0/rpms/${name}/git/modifyacls`, { user_type: 'user', name: user, acl: 'commit' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    return `rpms/${name}`;
  }

  async owner(fullname: string): Promise<string> {
    const res = await this.t.api<{ user: { name: string } }>('GET', `/api/0/${fullname}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.user.name;
  }

  close(): Promise<void> {
    return this.t.close();
  }
}
