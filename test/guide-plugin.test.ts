// The test of docs/plugins.md: the walkthrough's plugin, taken from the guide as written
// and installed the way an admin installs one, labels new issues from a keyword list. It
// taps the event log, adds a project setting, an API route, a sidebar panel and a job.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createTestForge, describeModes, eventually, type TestForge } from '@pagurus/core/testing';
import { deployPlugin, exampleBlock } from './support/doc-examples.js';

const guideBlock = (name: string) => exampleBlock('docs/plugins.md', 'guide-example', name);

describe("the plugin guide's walkthrough plugin", () => {
  it('fits in about 40 lines', () => {
    const lines = guideBlock('labeler/index.js').split('\n').length;
    assert.ok(lines <= 45, `${lines} lines`);
  });
});

describeModes("the plugin guide's walkthrough plugin, installed as an admin would", (mode) => {
  let t: TestForge;
  let deployment: string;
  let owner: Record<string, string>;
  before(async () => {
    deployment = deployPlugin('pagurus-plugin-labeler', {
      'package.json': guideBlock('labeler/package.json'),
      'index.js': guideBlock('labeler/index.js'),
    });
    t = await createTestForge({ mode, baseDir: deployment, plugins: ['pagurus-plugin-labeler'] });
    await t.createUser('lena');
    await t.createUser('otto');
    await t.createProject('lena', 'tracker');
    owner = { Authorization: `token ${await t.createToken('lena', 'all')}` };
  });
  after(async () => {
    await t?.close();
    if (deployment) rmSync(deployment, { recursive: true, force: true });
  });

  const tagsOf = async (id: number) => (await t.api<{ tags: string[] }>('GET', `/api/0/tracker/issue/${id}`)).body.tags;

  it('labels a new issue from the keywords its project set, and shows them in the API and on the page', async () => {
    const rules = 'bug: crash, error\ndocs: typo';
    const set = await t.api('POST', '/api/0/tracker/plugins/labeler', { rules }, owner);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const otto = { Authorization: `token ${await t.createToken('otto', ['issue_create'])}` };
    const filed = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/tracker/new_issue',
      { title: 'The app has a crash at start', issue_content: 'It fails.' },
      otto,
    );
    assert.equal(filed.status, 200, JSON.stringify(filed.body));
    const quiet = await t.api<{ issue: { id: number } }>(
      'POST',
      '/api/0/tracker/new_issue',
      { title: 'A wish', issue_content: 'More colours' },
      otto,
    );
    await t.drainEvents();
    const tags = await eventually(async () => {
      const now = await tagsOf(filed.body.issue.id);
      return now.length ? now : undefined;
    }, 'the label');
    assert.deepEqual(tags, ['bug']);
    assert.deepEqual(await tagsOf(quiet.body.issue.id), [], 'no keyword, no label');
    const route = await t.api('GET', '/api/0/tracker/labeler');
    assert.deepEqual(route.body, {
      rules: [
        { tag: 'bug', words: ['crash', 'error'] },
        { tag: 'docs', words: ['typo'] },
      ],
    });
    const page = await (await t.fetch(`/tracker/issue/${filed.body.issue.id}`)).text();
    assert.match(page, /<h2 id="panel-labeler">Labels by keyword<\/h2>\s*<p>bug<\/p><p>docs<\/p>/);
  });

  it('lets only the project admins set its rules', async () => {
    const otto = { Authorization: `token ${await t.createToken('otto', ['modify_project'])}` };
    const refused = await t.api<{ error_code: string }>('POST', '/api/0/tracker/plugins/labeler', { rules: 'spam: buy' }, otto);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error_code, 'EMODIFYPROJECTNOTALLOWED');
    const rules = (await t.api<{ rules: Array<{ tag: string }> }>('GET', '/api/0/tracker/labeler')).body.rules;
    assert.ok(!rules.some((rule) => rule.tag === 'spam'), 'nothing stored');
  });
});
