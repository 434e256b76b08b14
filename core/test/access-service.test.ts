// The access service's own answers, read directly: the grant each kind of person holds (owner,
// direct and group grants, the highest winning; collaborators' branch patterns), the same for
// many projects at once (used to resolve references to private issues), the listing filter,
// and the check every route makes, with what it asks the canAccess hook. The HTTP suites prove
// these through the API; here each answer is compared whole, so a stray pattern or a grant
// read for the wrong project shows.
import assert from 'node:assert/strict';
import type { AccessCheck } from '@pagurus/core';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import type { ProjectRecord, UserRecord } from '../src/domain/index.js';
import type { Viewer } from '../src/services/index.js';

describeModes('the access service', (mode) => {
  let t: TestForge;
  const user: Record<string, UserRecord> = {};
  const project: Record<string, ProjectRecord> = {};
  const viewer = (name: string | null, siteAdmin = false): Viewer => ({ user: name ? user[name]! : null, siteAdmin });
  const access = () => t.forge.services.access;
  const checks: AccessCheck[] = [];

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode });
    for (const name of ['owner', 'direct', 'grouped', 'both', 'collab', 'outsider', 'root']) {
      user[name] = await t.createUser(name, { admin: name === 'root' });
    }
    for (const [name, isPrivate] of [
      ['open', false],
      ['secret', true],
      ['hidden', true],
      ['mine', true],
    ] as const) {
      project[name] = await t.createProject(name === 'mine' ? 'direct' : 'owner', name, { private: isPrivate });
    }
    const owner = await access().viewer(user.owner!);
    const devs = await t.forge.services.groups.create(user.owner!, { name: 'devs' });
    const packagers = await t.forge.services.groups.create(user.owner!, { name: 'packagers' });
    for (const [group, member] of [
      [devs, 'grouped'],
      [devs, 'both'],
      [packagers, 'collab'],
    ] as const) {
      await t.forge.services.groups.addMember(null, group, member);
    }
    const give = (
      p: ProjectRecord,
      kind: 'user' | 'group',
      name: string,
      level: 'ticket' | 'collaborator' | 'commit' | 'admin',
      branches?: string[],
    ) => t.forge.services.grants.change(owner, p, { kind, name, level, ...(branches ? { branches } : {}) });
    await give(project.secret!, 'user', 'direct', 'ticket');
    await give(project.secret!, 'group', 'devs', 'commit');
    await give(project.secret!, 'user', 'both', 'admin');
    await give(project.secret!, 'user', 'collab', 'collaborator', ['epel*']);
    await give(project.secret!, 'group', 'packagers', 'collaborator', ['f4?']);
    await give(project.open!, 'user', 'both', 'ticket');
    // "hidden" has no grant at all: people with grants elsewhere must not see it.
    t.forge.hooks.canAccess.tapPromise('test-recorder', async (check) => {
      checks.push(check);
      return undefined;
    });
  });
  after(() => t?.close());
  beforeEach(() => {
    checks.length = 0;
  });

  describe('grant', () => {
    it('gives the owner "owner", with no branch patterns', async () => {
      assert.deepEqual(await access().grant(user.owner!, project.secret!), { level: 'owner', branches: [] });
    });
    it('gives nobody, and anybody without a grant, no level and no patterns', async () => {
      assert.deepEqual(await access().grant(null, project.secret!), { level: null, branches: [] });
      assert.deepEqual(await access().grant(user.outsider!, project.secret!), { level: null, branches: [] });
    });
    it('takes the highest of the direct and group grants, whichever comes first', async () => {
      assert.deepEqual(await access().grant(user.direct!, project.secret!), { level: 'ticket', branches: [] });
      assert.deepEqual(await access().grant(user.grouped!, project.secret!), { level: 'commit', branches: [] });
      // "both": admin directly, commit through devs.
      assert.deepEqual(await access().grant(user.both!, project.secret!), { level: 'admin', branches: [] });
    });
    it("gathers a collaborator's patterns from the direct and the group grant", async () => {
      const grant = await access().grant(user.collab!, project.secret!);
      assert.equal(grant.level, 'collaborator');
      assert.deepEqual([...grant.branches].sort(), ['epel*', 'f4?']);
    });
  });

  describe('grants, for many projects at once', () => {
    it('answers every project with the grant that grant() gives', async () => {
      const projects = [project.open!, project.secret!, project.hidden!, project.mine!];
      for (const name of ['owner', 'direct', 'grouped', 'both', 'collab', 'outsider']) {
        const many = await access().grants(user[name]!, projects);
        assert.deepEqual(
          [...many.keys()],
          projects.map((p) => p.id),
          name,
        );
        for (const p of projects) {
          const one = await access().grant(user[name]!, p);
          const got = many.get(p.id)!;
          assert.deepEqual(
            { level: got.level, branches: [...got.branches].sort() },
            { level: one.level, branches: [...one.branches].sort() },
            `${name} on ${p.name}`,
          );
        }
      }
      assert.equal((await access().grants(user.owner!, projects)).get(project.hidden!.id)!.level, 'owner');
      assert.equal((await access().grants(user.direct!, projects)).get(project.mine!.id)!.level, 'owner');
      assert.equal((await access().grants(user.both!, projects)).get(project.open!.id)!.level, 'ticket');
    });
    it('gives nobody no level on any project', async () => {
      const many = await access().grants(null, [project.open!, project.secret!]);
      assert.deepEqual(
        [...many.entries()],
        [
          [project.open!.id, { level: null, branches: [] }],
          [project.secret!.id, { level: null, branches: [] }],
        ],
      );
    });
    it('answers an empty list with an empty map', async () => {
      assert.equal((await access().grants(user.both!, [])).size, 0);
    });
  });

  describe('visible: the listing filter', () => {
    const listed = async (who: Viewer) =>
      (
        (await access().visible(t.forge.db.knex('projects').select('projects.name'), who).orderBy('projects.name')) as Array<{
          name: string;
        }>
      ).map((row) => row.name);
    it('shows nobody only the public projects', async () => {
      assert.deepEqual(await listed(viewer(null)), ['open']);
      assert.deepEqual(await listed(viewer('outsider')), ['open']);
    });
    it('adds the private projects a user owns or holds a grant on, directly or through a group, and no other', async () => {
      assert.deepEqual(await listed(viewer('direct')), ['mine', 'open', 'secret']);
      assert.deepEqual(await listed(viewer('grouped')), ['open', 'secret']);
      assert.deepEqual(await listed(viewer('collab')), ['open', 'secret']);
      assert.deepEqual(await listed(viewer('owner')), ['hidden', 'open', 'secret']);
    });
    it('shows a site admin everything', async () => {
      assert.deepEqual(await listed(viewer('root', true)), ['hidden', 'mine', 'open', 'secret']);
    });
  });

  describe('has: the check every route makes', () => {
    it('refuses nobody without asking the hook', async () => {
      assert.equal(await access().has(viewer(null), project.open!, 'ticket'), false);
      assert.equal(await access().has(viewer(null), project.open!, 'commit', 'main'), false);
      assert.deepEqual(checks, []);
    });
    it('asks the hook with the level, the grant held and no branch when none is named', async () => {
      assert.equal(await access().has(viewer('grouped'), project.secret!, 'ticket'), true);
      assert.equal(checks.length, 1);
      assert.deepEqual(checks[0], { user: { name: 'grouped' }, project: checks[0]!.project, level: 'ticket', granted: 'commit' });
      assert.equal(checks[0].project.fullname, 'owner/secret');
      assert.ok(!('branch' in checks[0]), 'no branch key');
    });
    it('passes the branch on when one is named', async () => {
      assert.equal(await access().has(viewer('direct'), project.secret!, 'commit', 'main'), false);
      assert.equal(checks[0]!.branch, 'main');
      assert.equal(checks[0]!.granted, 'ticket');
    });
    it('lets a collaborator commit only to the branches their patterns match, and to nothing above commit', async () => {
      assert.equal(await access().has(viewer('collab'), project.secret!, 'commit', 'epel9'), true);
      assert.equal(await access().has(viewer('collab'), project.secret!, 'commit', 'f42'), true);
      assert.equal(await access().has(viewer('collab'), project.secret!, 'commit', 'f420'), false);
      assert.equal(await access().has(viewer('collab'), project.secret!, 'commit', 'main'), false);
      assert.equal(await access().has(viewer('collab'), project.secret!, 'commit'), false);
      assert.equal(await access().has(viewer('collab'), project.secret!, 'admin', 'epel9'), false);
      assert.equal(await access().has(viewer('collab'), project.secret!, 'collaborator'), true);
      assert.equal(await access().has(viewer('collab'), project.secret!, 'ticket'), true);
    });
    it('lets a site admin do anything and the owner everything on their project', async () => {
      assert.equal(await access().has(viewer('root', true), project.hidden!, 'admin'), true);
      assert.equal(await access().has(viewer('root'), project.hidden!, 'ticket'), false);
      assert.equal(await access().has(viewer('owner'), project.hidden!, 'owner'), true);
      assert.equal(await access().has(viewer('both'), project.secret!, 'owner'), false);
    });
    it("answers Bodhi's hascommit question by user name, and no for an unknown one", async () => {
      assert.equal(await access().hasCommit(project.secret!, 'grouped', 'main'), true);
      assert.equal(await access().hasCommit(project.secret!, 'direct', 'main'), false);
      assert.equal(await access().hasCommit(project.secret!, 'collab', 'epel8'), true);
      assert.equal(await access().hasCommit(project.secret!, 'nosuchuser', 'main'), false);
    });
  });
});
