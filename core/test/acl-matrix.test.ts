// Who may do what, role by role: every role against a public and a private project, on
// reads, listings and writes, each case generated from the tables below.
import assert from 'node:assert/strict';
import type { ProjectRecord } from '../src/domain/index.js';
import type { Viewer } from '../src/services/index.js';
import { createTestForge, describeModes, type ApiResponse, type TestForge } from '../src/testing/index.js';

type Role = 'anonymous' | 'stranger' | 'ticket' | 'collaborator' | 'commit' | 'groupie' | 'admin' | 'owner' | 'siteadmin';
type Kind = 'public' | 'private';
type Json = Record<string, unknown>;

const ROLES: readonly Role[] = ['anonymous', 'stranger', 'ticket', 'collaborator', 'commit', 'groupie', 'admin', 'owner', 'siteadmin'];
/** Every role but anonymous is a user with an all-ACL token. */
const USERS = ROLES.filter((role) => role !== 'anonymous');
const KINDS: readonly Kind[] = ['public', 'private'];
/** Private projects live in their owner's namespace. */
const PATHS: Record<Kind, string> = { public: 'rpms/pub', private: 'owner/priv' };
const PROJECT_ADMINS: readonly Role[] = ['admin', 'owner', 'siteadmin'];

interface Outcome {
  status: number;
  code?: string;
}
const OK: Outcome = { status: 200 };
const NO_TOKEN: Outcome = { status: 401, code: 'EINVALIDTOK' };
const NO_PROJECT: Outcome = { status: 404, code: 'ENOPROJECT' };
const refused = (code: string): Outcome => ({ status: 401, code });

/** Public projects are seen by all; private ones by anyone with some access, and site admins. */
const canRead = (role: Role, kind: Kind) => kind === 'public' || (role !== 'anonymous' && role !== 'stranger');

/** A write's outcome, checked in Pagure's order: the token, then the project's lookup, then the permission. */
function write(role: Role, kind: Kind, allowed: readonly Role[], code: string, special: Partial<Record<Role, Outcome>> = {}): Outcome {
  if (role === 'anonymous') return NO_TOKEN;
  if (!canRead(role, kind)) return NO_PROJECT;
  return special[role] ?? (allowed.includes(role) ? OK : refused(code));
}

const show = (outcome: Outcome) => (outcome.code ? `${outcome.status} ${outcome.code}` : String(outcome.status));
const on = (role: Role, kind: Kind) => `${role} on the ${kind} project`;

function expectOutcome(res: ApiResponse, outcome: Outcome): void {
  const body = res.body as Json;
  assert.equal(res.status, outcome.status, `answered ${res.status} ${JSON.stringify(body)}`);
  if (outcome.code === 'ENOPROJECT') assert.deepEqual(body, { error: 'Project not found', error_code: 'ENOPROJECT' });
  else if (outcome.code) assert.equal(body.error_code, outcome.code);
}

describeModes('the access-control matrix', (mode) => {
  let t: TestForge;
  const auth = {} as Record<Role, Record<string, string>>;
  let ownerViewer: Viewer;
  let serial = 0;

  const call = <T = Json>(role: Role, method: string, path: string, body?: unknown) => t.api<T>(method, path, body, auth[role]);

  /** The world's grants on a project: users and the group through the API, the collaborator through the service. */
  async function equip(project: ProjectRecord, path: string): Promise<void> {
    const grants = [
      ['user', 'admin', 'admin'],
      ['user', 'commit', 'commit'],
      ['user', 'ticket', 'ticket'],
      ['group', 'devs', 'commit'],
    ] as const;
    for (const [userType, name, acl] of grants) {
      const res = await call('owner', 'POST', `/api/0/${path}/git/modifyacls`, { user_type: userType, name, acl });
      assert.equal(res.status, 200, `granting ${name} on ${path}: ${JSON.stringify(res.body)}`);
    }
    // Pagure's modifyacls refuses "collaborator", so the service gives it.
    await t.forge.services.grants.change(ownerViewer, project, {
      kind: 'user',
      name: 'collaborator',
      level: 'collaborator',
      branches: ['epel*'],
    });
  }

  /** A project of the given kind, with the world's grants, to delete or give away. */
  async function throwaway(kind: Kind): Promise<string> {
    const name = `throwaway${++serial}`;
    const project = await t.createProject('owner', name, kind === 'public' ? { namespace: 'rpms' } : { private: true });
    const path = kind === 'public' ? `rpms/${name}` : `owner/${name}`;
    await equip(project, path);
    return path;
  }

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    for (const role of USERS) await t.createUser(role, { admin: role === 'siteadmin' });
    const ownerRecord = (await t.forge.services.users.byName('owner'))!;
    ownerViewer = await t.forge.services.access.viewer(ownerRecord);
    const devs = await t.forge.services.groups.create(ownerRecord, { name: 'devs' });
    await t.forge.services.groups.addMember(null, devs, 'groupie');
    auth.anonymous = {};
    for (const role of USERS) auth[role] = { Authorization: `token ${await t.createToken(role, 'all')}` };
    await equip(await t.createProject('owner', 'pub', { namespace: 'rpms' }), PATHS.public);
    await equip(await t.createProject('owner', 'priv', { private: true }), PATHS.private);
  });
  after(() => t?.close());

  describe('reading a project', () => {
    const READS = [
      ['GET project', ''],
      ['GET contributors', '/contributors'],
      ['GET watchers', '/watchers'],
      ['GET hascommit', '/hascommit?user=owner&branch=main'],
    ] as const;
    for (const kind of KINDS) {
      for (const [label, suffix] of READS) {
        for (const role of ROLES) {
          const outcome = canRead(role, kind) ? OK : NO_PROJECT;
          it(`${on(role, kind)}: ${label} → ${show(outcome)}`, async () => {
            const res = await call(role, 'GET', `/api/0/${PATHS[kind]}${suffix}`);
            expectOutcome(res, outcome);
            if (outcome === OK && suffix === '') assert.equal(res.body.fullname, PATHS[kind]);
          });
        }
      }
    }
  });

  describe('listings', () => {
    const LISTINGS = [
      ['GET /projects', '/api/0/projects?per_page=100', 'projects'],
      ['GET /user/owner (repos)', '/api/0/user/owner?per_page=100', 'repos'],
      ['GET /group/devs?projects=1', '/api/0/group/devs?projects=1&per_page=100', 'projects'],
    ] as const;
    for (const [label, url, key] of LISTINGS) {
      for (const role of ROLES) {
        const both = canRead(role, 'private');
        it(`${role}: ${label} lists ${both ? 'both projects' : 'the public project only'}`, async () => {
          const res = await call(role, 'GET', url);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          const names = (res.body[key] as Array<{ fullname: string }>).map((p) => p.fullname);
          assert.ok(names.includes(PATHS.public), `${PATHS.public} missing from ${names.join(', ')}`);
          assert.equal(names.includes(PATHS.private), both, `${PATHS.private} ${both ? 'missing from' : 'shown in'} ${names.join(', ')}`);
        });
      }
    }
  });

  describe('hascommit answers, asked anonymously on the public project', () => {
    const CASES = [
      ['owner', 'main', true],
      ['admin', 'main', true],
      ['commit', 'main', true],
      ['groupie', 'main', true],
      ['collaborator', 'epel9', true],
      ['collaborator', 'main', false],
      ['ticket', 'main', false],
      ['stranger', 'main', false],
      ['siteadmin', 'main', false],
      ['nobody-by-that-name', 'main', false],
    ] as const;
    for (const [user, branch, expected] of CASES) {
      it(`hascommit?user=${user}&branch=${branch} → ${expected}`, async () => {
        const res = await call<{ hascommit: boolean; args: Json }>(
          'anonymous',
          'GET',
          `/api/0/${PATHS.public}/hascommit?user=${user}&branch=${branch}`,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.hascommit, expected);
        assert.equal(res.body.args.user, user);
        assert.equal(res.body.args.branch, branch);
      });
    }
    for (const query of ['user=owner', 'branch=main', '']) {
      it(`hascommit?${query} (incomplete) → 400 EINVALIDREQ`, async () => {
        const res = await call('anonymous', 'GET', `/api/0/${PATHS.public}/hascommit?${query}`);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, { error: 'Invalid or incomplete input submitted', error_code: 'EINVALIDREQ' });
      });
    }
  });

  describe('project options', () => {
    const OPTIONS = [
      ['GET options', 'GET', '/options', undefined],
      ['POST options/update', 'POST', '/options/update', { issue_tracker: 'false' }],
    ] as const;
    for (const kind of KINDS) {
      for (const [label, method, suffix, body] of OPTIONS) {
        for (const role of ROLES) {
          const outcome = write(role, kind, PROJECT_ADMINS, 'EMODIFYPROJECTNOTALLOWED');
          it(`${on(role, kind)}: ${label} → ${show(outcome)}`, async () => {
            const res = await call(role, method, `/api/0/${PATHS[kind]}${suffix}`, body);
            expectOutcome(res, outcome);
            if (outcome === OK) assert.equal(res.body.status, 'ok');
          });
        }
      }
    }
  });

  describe('granting access', () => {
    for (const kind of KINDS) {
      for (const role of ROLES) {
        const outcome = write(role, kind, PROJECT_ADMINS, 'EMODIFYPROJECTNOTALLOWED');
        it(`${on(role, kind)}: POST git/modifyacls giving stranger ticket → ${show(outcome)}`, async () => {
          const url = `/api/0/${PATHS[kind]}/git/modifyacls`;
          const res = await call<{ access_users?: { ticket: string[] } }>(role, 'POST', url, {
            user_type: 'user',
            name: 'stranger',
            acl: 'ticket',
          });
          // Undone before asserting, so that a wrong answer cannot leak into later cases.
          const undo = await call('owner', 'POST', url, { user_type: 'user', name: 'stranger' });
          expectOutcome(res, outcome);
          if (outcome === OK) {
            assert.ok(res.body.access_users?.ticket.includes('stranger'), JSON.stringify(res.body.access_users));
            assert.equal(undo.status, 200, 'the grant is removed again');
          } else {
            assert.equal(undo.status, 400, 'nothing was granted');
          }
        });
      }
    }
  });

  describe("dropping one's own access on a private project", () => {
    let path: string;
    before(async () => {
      path = await throwaway('private');
    });
    for (const role of ['ticket', 'collaborator', 'commit', 'admin'] as const) {
      it(`${role}: POST git/modifyacls removing themselves → 200, then GET project → 404 ENOPROJECT`, async () => {
        expectOutcome(await call(role, 'GET', `/api/0/${path}`), OK);
        const res = await call<{ access_users: Record<string, string[]> }>(role, 'POST', `/api/0/${path}/git/modifyacls`, {
          user_type: 'user',
          name: role,
        });
        expectOutcome(res, OK);
        assert.ok(!Object.values(res.body.access_users).flat().includes(role), JSON.stringify(res.body.access_users));
        expectOutcome(await call(role, 'GET', `/api/0/${path}`), NO_PROJECT);
      });
    }
  });

  describe('watching', () => {
    for (const kind of KINDS) {
      for (const role of ROLES) {
        const self = write(role, kind, ROLES, 'EMODIFYPROJECTNOTALLOWED');
        it(`${on(role, kind)}: POST watchers/update for themselves → ${show(self)}`, async () => {
          const res = await call(role, 'POST', `/api/0/${PATHS[kind]}/watchers/update`, {
            watcher: role === 'anonymous' ? 'owner' : role,
            status: '1',
          });
          expectOutcome(res, self);
          if (self === OK) assert.deepEqual(res.body, { message: 'You are now watching issues and PRs on this project', status: 'ok' });
        });
        const forOwner = write(role, kind, ['owner', 'siteadmin'], 'EMODIFYPROJECTNOTALLOWED');
        it(`${on(role, kind)}: POST watchers/update for owner → ${show(forOwner)}`, async () => {
          expectOutcome(await call(role, 'POST', `/api/0/${PATHS[kind]}/watchers/update`, { watcher: 'owner', status: '1' }), forOwner);
        });
      }
    }
  });

  describe('forking the private project', () => {
    for (const role of ROLES) {
      const outcome = write(role, 'private', ROLES, '');
      it(`${role}: POST /fork of ${PATHS.private} → ${show(outcome)}`, async () => {
        const res = await call(role, 'POST', '/api/0/fork', { repo: 'priv', namespace: 'owner' });
        expectOutcome(res, outcome);
        if (outcome === OK) assert.deepEqual(res.body, { message: `Repo "${PATHS.private}" cloned to "${role}/${PATHS.private}"` });
      });
    }
  });

  describe('giving a project away (PATCH main_admin)', () => {
    for (const kind of KINDS) {
      for (const role of ROLES) {
        const outcome = write(role, kind, ['owner', 'siteadmin'], 'EMODIFYPROJECTNOTALLOWED', { admin: refused('ENOTMAINADMIN') });
        it(`${on(role, kind)}: PATCH project {main_admin: commit} → ${show(outcome)}`, async () => {
          const path = outcome === OK ? await throwaway(kind) : PATHS[kind];
          const res = await call<{ fullname?: string; user?: Json }>(role, 'PATCH', `/api/0/${path}`, { main_admin: 'commit' });
          expectOutcome(res, outcome);
          if (outcome === OK) {
            assert.equal(res.body.fullname, path);
            assert.equal(res.body.user?.name, 'commit');
            assert.equal(res.body.user?.default_email, 'commit@example.test');
            assert.deepEqual(res.body.user?.emails, ['commit@example.test']);
          }
        });
      }
    }
  });

  describe('deleting a project', () => {
    for (const kind of KINDS) {
      for (const role of ROLES) {
        const outcome = write(role, kind, PROJECT_ADMINS, 'ENOTHIGHENOUGH');
        it(`${on(role, kind)}: POST delete → ${show(outcome)}`, async () => {
          const path = outcome === OK ? await throwaway(kind) : PATHS[kind];
          const res = await call<{ message?: string; project?: { fullname: string } }>(role, 'POST', `/api/0/${path}/delete`);
          expectOutcome(res, outcome);
          if (outcome === OK) {
            assert.equal(res.body.message, 'Project deleted');
            assert.equal(res.body.project?.fullname, path);
            expectOutcome(await call('siteadmin', 'GET', `/api/0/${path}`), NO_PROJECT);
          } else {
            expectOutcome(await call('siteadmin', 'GET', `/api/0/${path}`), OK);
          }
        });
      }
    }
  });

  describe('tokens that will not do', () => {
    const bound: Record<string, string> = {};
    const narrow: Record<string, string> = {};
    before(async () => {
      bound.Authorization = `token ${await t.createToken('owner', 'all', { project: PATHS.public })}`;
      narrow.Authorization = `token ${await t.createToken('owner', ['fork_project'])}`;
    });

    it(`a token bound to ${PATHS.public}, on ${PATHS.public}: GET options → 200`, async () => {
      expectOutcome(await t.api('GET', `/api/0/${PATHS.public}/options`, undefined, bound), OK);
    });
    // Deleting last: were it wrongly allowed, it would take the project with it.
    const WRITES = [
      ['GET options', 'GET', '/options', undefined],
      ['POST options/update', 'POST', '/options/update', { issue_tracker: 'false' }],
      ['POST git/modifyacls', 'POST', '/git/modifyacls', { user_type: 'user', name: 'stranger', acl: 'ticket' }],
      ['POST watchers/update', 'POST', '/watchers/update', { watcher: 'owner', status: '1' }],
      ['PATCH project', 'PATCH', '', { main_admin: 'owner' }],
      ['POST delete', 'POST', '/delete', undefined],
    ] as const;
    for (const [label, method, suffix, body] of WRITES) {
      it(`a token bound to ${PATHS.public}, on ${PATHS.private}: ${label} → 401 EINVALIDTOK without "errors"`, async () => {
        const res = await t.api<Json>(method, `/api/0/${PATHS.private}${suffix}`, body, bound);
        expectOutcome(res, NO_TOKEN);
        assert.ok(!('errors' in res.body), JSON.stringify(res.body));
      });
    }
    for (const kind of KINDS) {
      for (const [label, method, suffix, body] of WRITES.slice(0, 2)) {
        it(`a token holding only fork_project, on the ${kind} project: ${label} → 401 EINVALIDTOK "Missing ACLs: modify_project"`, async () => {
          const res = await t.api<Json>(method, `/api/0/${PATHS[kind]}${suffix}`, body, narrow);
          assert.equal(res.status, 401);
          assert.deepEqual(
            { error_code: res.body.error_code, errors: res.body.errors },
            { error_code: 'EINVALIDTOK', errors: 'Missing ACLs: modify_project' },
          );
        });
      }
    }
  });
});
