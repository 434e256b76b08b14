// A token bound to one project acts on that project only: everywhere else it is anonymous
// (it reads nobody's private projects), endpoints that are not about a project refuse it, and
// it may carry only ACLs that act on one project.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';

interface ErrorAnswer {
  error: string;
  error_code: string;
  errors?: unknown;
}

describeModes('project-bound API tokens stay in their project', (mode) => {
  let t: TestForge;
  let bound: Record<string, string>;
  const header = (token: string) => ({ Authorization: `token ${token}` });

  before(async () => {
    t = await createTestForge({ mode });
    await t.createUser('alice');
    await t.createProject('alice', 'public-one', { readme: true });
    await t.createProject('alice', 'secret', { readme: true, private: true });
    bound = header(await t.createToken('alice', ['issue_create', 'modify_project', 'pull_request_flag'], { project: 'public-one' }));
  });
  after(() => t?.close());

  it('works as its user on its own project', async () => {
    const created = await t.api<{ issue: { title: string; user: { name: string } } }>(
      'POST',
      '/api/0/public-one/new_issue',
      { title: 'From the bot', issue_content: 'x' },
      bound,
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.issue.user.name, 'alice');
    assert.equal((await t.api('GET', '/api/0/public-one/issue/1', undefined, bound)).status, 200);
  });

  it('is anonymous on another project: a private one is not found, as for anyone', async () => {
    for (const path of [
      '/api/0/alice/secret',
      '/api/0/alice/secret/tree',
      '/api/0/alice/secret/issues',
      '/api/0/alice/secret/git/branches',
    ]) {
      const anonymous = await t.api<ErrorAnswer>('GET', path);
      const withToken = await t.api<ErrorAnswer>('GET', path, undefined, bound);
      assert.equal(anonymous.status, 404, path);
      assert.equal(withToken.status, 404, `${path} with a token bound to another project: ${JSON.stringify(withToken.body)}`);
      assert.equal(withToken.body.error_code, 'ENOPROJECT', path);
    }
    const list = await t.api<{ projects: Array<{ name: string }> }>('GET', '/api/0/projects?owner=alice', undefined, bound);
    assert.deepEqual(list.body.projects.map((p) => p.name).sort(), ['public-one'], 'the private project is not listed');
  });

  it('cannot write to another project, nor do what is not about a project', async () => {
    const issue = await t.api<ErrorAnswer>('POST', '/api/0/alice/secret/new_issue', { title: 'sneaky', issue_content: 'x' }, bound);
    assert.equal(issue.status, 401);
    assert.equal(issue.body.error_code, 'EINVALIDTOK');
    const made = await t.api<ErrorAnswer>('POST', '/api/0/new', { name: 'made-by-bot', description: 'x' }, bound);
    assert.equal(made.status, 401, JSON.stringify(made.body));
    assert.equal(made.body.error_code, 'EINVALIDTOK');
    assert.equal(made.body.errors, undefined, 'no reason, as for a project token on another project');
    assert.equal((await t.api('GET', '/api/0/made-by-bot')).status, 404, 'no project was made');
    assert.equal((await t.api<ErrorAnswer>('POST', '/api/0/-/whoami', undefined, bound)).status, 401);
    const owner = header(await t.createToken('alice', ['issue_create']));
    const issues = await t.api<{ total_issues: number }>('GET', '/api/0/alice/secret/issues?status=all', undefined, owner);
    assert.equal(issues.status, 200);
    assert.equal(issues.body.total_issues, 0, 'nothing was written to the other project');
  });

  it('may carry only ACLs that act on one project', async () => {
    const admin = header(await t.createToken('alice', ['modify_project']));
    const refused = await t.api<ErrorAnswer>('POST', '/api/0/public-one/token/new', { acls: ['issue_create', 'create_project'] }, admin);
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors, { acls: ["'create_project' is not a valid choice for this field."] });
    await assert.rejects(t.createToken('alice', ['fork_project'], { project: 'public-one' }), (error: { errors?: unknown }) => {
      assert.deepEqual(error.errors, { acls: ["A project's token cannot carry: fork_project"] });
      return true;
    });
    const user = await t.forge.services.users.byName('alice');
    const tokens = await t.forge.services.tokens.list(user!);
    assert.ok(
      tokens.every((token) => token.projectId === null || !token.acls.includes('fork_project')),
      'none was stored',
    );
  });
});
