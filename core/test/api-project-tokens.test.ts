// POST /api/0/<repo>/token/new: project admins make API tokens bound to their project, which
// bots then use on that project only (issue triage, edits, access changes).
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

interface TokenAnswer {
  token: { id: string; description: string };
}
interface ErrorAnswer {
  error: string;
  error_code: string;
  errors?: unknown;
}

describeModes('project API tokens', (mode) => {
  let t: TestForge;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let aliceNoModify: Record<string, string>;
  const header = (token: string) => ({ Authorization: `token ${token}` });
  const newToken = (path: string, body: unknown, headers = alice) =>
    t.api<TokenAnswer & ErrorAnswer>('POST', `/api/0/${path}/token/new`, body, headers);

  before(async () => {
    t = await createTestForge({ mode, config: { namespaces: ['rpms'] } });
    for (const name of ['alice', 'bob', 'carol']) await t.createUser(name);
    await t.createProject('alice', 'tool', { readme: true });
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    await t.createProject('alice', 'other', { readme: true });
    alice = header(await t.createToken('alice', ['modify_project', 'fork_project', 'issue_create']));
    bob = header(await t.createToken('bob', ['modify_project', 'fork_project']));
    aliceNoModify = header(await t.createToken('alice', ['issue_create']));
    // Forks of both, for the fork/<user>/... paths; bob owns them.
    assert.equal((await t.api('POST', '/api/0/fork', { repo: 'tool' }, bob)).status, 200);
    assert.equal((await t.api('POST', '/api/0/fork', { repo: 'pkg', namespace: 'rpms' }, bob)).status, 200);
    assert.equal((await t.api('POST', '/api/0/tool/new_issue', { title: 'Triage me', issue_content: 'Please' }, alice)).status, 200);
    assert.equal(
      (await t.api('POST', '/api/0/tool/git/modifyacls', { user_type: 'user', name: 'carol', acl: 'ticket' }, alice)).status,
      200,
    );
  });
  after(() => t?.close());

  it('answers the new token and its description, under all four project paths', async () => {
    const created = await newToken('tool', { acls: ['issue_assign', 'issue_update'], description: 'Triage bot' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(Object.keys(created.body), ['token']);
    assert.equal(created.body.token.description, 'Triage bot');
    assert.match(created.body.token.id, /^\S{32,}$/);
    for (const [path, owner] of [
      ['rpms/pkg', alice],
      ['fork/bob/tool', bob],
      ['fork/bob/rpms/pkg', bob],
    ] as const) {
      const res = await newToken(path, { acls: ['issue_assign'] }, owner);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.token.description, '');
    }
  });

  it('makes a token that works on its project, and on no other', async () => {
    const created = await newToken('tool', { acls: ['issue_assign', 'issue_update', 'modify_project'], description: 'bot' });
    const bot = header(created.body.token.id);
    const assigned = await t.api('POST', '/api/0/tool/issue/1/assign', { assignee: 'alice' }, bot);
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    assert.deepEqual(assigned.body, { message: 'Issue assigned to alice' });
    const edited = await t.api<{ message: string; issue: { title: string } }>(
      'POST',
      '/api/0/tool/issue/1',
      { title: 'Triaged', issue_content: 'Please' },
      bot,
    );
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.issue.title, 'Triaged');
    const acl = await t.api<{ access_users: { commit: string[] } }>(
      'POST',
      '/api/0/tool/git/modifyacls',
      { user_type: 'user', name: 'carol', acl: 'commit' },
      bot,
    );
    assert.equal(acl.status, 200, JSON.stringify(acl.body));
    assert.deepEqual(acl.body.access_users.commit, ['carol']);
    // The same ACLs on another project of the same admin: refused.
    const elsewhere = await t.api<ErrorAnswer>(
      'POST',
      '/api/0/other/git/modifyacls',
      { user_type: 'user', name: 'carol', acl: 'commit' },
      bot,
    );
    assert.equal(elsewhere.status, 401);
    assert.equal(elsewhere.body.error_code, 'EINVALIDTOK');
    // It cannot make tokens for another project either.
    const minted = await newToken('other', { acls: ['issue_assign'] }, bot);
    assert.equal(minted.status, 401);
    assert.equal(minted.body.error_code, 'EINVALIDTOK');
  });

  it('takes the ACLs as a repeated form field', async () => {
    const res = await t.fetch('/api/0/tool/token/new', {
      method: 'POST',
      headers: { ...alice, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['acls', 'issue_assign'],
        ['acls', 'issue_comment'],
        ['description', 'form bot'],
      ]),
    });
    assert.equal(res.status, 200);
    const { token } = (await res.json()) as TokenAnswer;
    assert.equal(token.description, 'form bot');
    const comment = await t.api('POST', '/api/0/tool/issue/1/comment', { comment: 'From the form bot' }, header(token.id));
    assert.equal(comment.status, 200, 'the second ACL was kept too');
  });

  it('is for the project admins, with a modify_project token', async () => {
    const stranger = await newToken('tool', { acls: ['issue_assign'] }, bob);
    assert.equal(stranger.status, 401);
    assert.deepEqual(stranger.body, {
      error: 'You do not have sufficient permissions to perform this action',
      error_code: 'ENOTHIGHENOUGH',
    });
    const carol = header(await t.createToken('carol', ['modify_project']));
    assert.equal(
      (await newToken('tool', { acls: ['issue_assign'] }, carol)).body.error_code,
      'ENOTHIGHENOUGH',
      'commit access is not enough',
    );
    const noAcl = await newToken('tool', { acls: ['issue_assign'] }, aliceNoModify);
    assert.equal(noAcl.status, 401);
    assert.equal(noAcl.body.error_code, 'EINVALIDTOK');
    assert.equal(noAcl.body.errors, 'Missing ACLs: modify_project');
    assert.equal((await newToken('nope', { acls: ['issue_assign'] })).body.error_code, 'ENOPROJECT');
  });

  it('refuses bad forms with errors keyed by field, and writes nothing', async () => {
    const before = await t.forge.services.tokens.list((await t.forge.services.users.byName('alice'))!);
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ description: 'no acls' }, { acls: ['This field is required.'] }],
      [{ acls: ['issue_assign', 'nope'] }, { acls: ["'nope' is not a valid choice for this field."] }],
      [{ acls: ['internal_access', 'nope'] }, { acls: ["'internal_access', 'nope' are not valid choices for this field."] }],
      [{ acls: 'issue_assign', expiration_date: 'soon' }, { expiration_date: ['Not a valid date value.'] }],
      [
        { expiration_date: '2001-01-01' },
        { acls: ['This field is required.'], expiration_date: ['The expiry date must be in the future.'] },
      ],
    ];
    for (const [body, errors] of cases) {
      const res = await newToken('tool', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(res.body, { error: 'Invalid or incomplete input submitted', error_code: 'EINVALIDREQ', errors });
    }
    const far = new Date(Date.now() + 800 * 86_400_000).toISOString().slice(0, 10);
    assert.deepEqual((await newToken('tool', { acls: ['issue_assign'], expiration_date: far })).body, {
      error: 'API tokens can only be created up to 2 years',
      error_code: 'ENOCODE',
    });
    const after = await t.forge.services.tokens.list((await t.forge.services.users.byName('alice'))!);
    assert.equal(after.length, before.length);
  });

  it('sets the expiry date asked for', async () => {
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const res = await newToken('tool', { acls: ['issue_assign'], description: 'short-lived', expiration_date: soon });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const check = await t.forge.services.tokens.verify(res.body.token.id);
    assert.ok(check.ok);
    assert.equal(check.token.expiresAt.toISOString().slice(0, 10), soon);
    assert.equal(
      check.token.projectId,
      (await t.forge.services.projectQueries.find({ name: 'tool', namespace: null, forkOwner: null }))!.id,
    );
  });
});
