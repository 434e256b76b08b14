// Every settings form, and the issue's, opened with saved values and sent back untouched:
// the stored data must not change (the fields show what is saved, never "true" or "false"),
// and a form with nothing to add is refused with its field's error, writing nothing.
import assert from 'node:assert/strict';
import type { ProjectRecord } from '../src/domain/index.js';
import { readSettings } from '../src/services/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { formFields } from './support/form-fields.js';
import { Browser, fieldError } from './support/page-client.js';

describeModes('forms sent back unchanged', (mode) => {
  let t: TestForge;
  let alice: Browser;
  let project: ProjectRecord;

  before(async function () {
    this.timeout(120_000);
    t = await createTestForge({ mode });
    const owner = await t.createUser('alice', { fullname: 'Alice Liddell' });
    await t.createUser('bob');
    await t.createUser('carol');
    project = await t.createProject('alice', 'hello', { readme: true, description: 'Hello <world> & "friends"' });
    const { services } = t.forge;
    const viewer = await services.access.viewer(owner);
    await services.users.addEmail(owner, 'alice@work.example.test');
    await services.projects.updateDetails(viewer, project, {
      description: 'Hello <world> & "friends"',
      url: 'https://example.test/hello?a=1&b=2',
    });
    project = (await services.projectQueries.byId(project.id))!;
    await services.projects.updateSettings(viewer, project, {
      ...readSettings(project),
      always_merge: true,
      'Minimum_score_to_merge_pull-request': 2,
      'Web-hooks': 'https://hooks.example.test/a\nhttps://hooks.example.test/b',
      block_non_fast_forward: 'main, f*',
    });
    project = (await services.projectQueries.byId(project.id))!;
    await services.grants.change(viewer, project, { kind: 'user', name: 'bob', level: 'collaborator', branches: ['f*', 'epel*'] });
    await services.grants.change(viewer, project, { kind: 'user', name: 'carol', level: 'ticket' });
    await services.tracker.setCloseStatuses(project, ['Fixed', 'Won’t fix', 'Duplicate']);
    await services.tracker.setPriorities(project, ['1', '2', '-1'], ['High', 'Normal & usual', 'Low']);
    await services.tracker.setMilestones(project, ['1.0', '2.0 "next"', 'old'], ['2030-01-01', '', ''], ['1.0', '2.0 "next"']);
    await services.tracker.createTag(project, { tag: 'bug', description: 'Something is broken', color: '#ff0000' });
    await services.tracker.saveIssueTemplate(project, { name: 'default', content: 'Steps:\n1. <here>' });
    const first = await services.issues.create(viewer, project, {
      title: 'First <one> & "more"',
      content: 'Body with <b>markup</b> & entities\n\nand lines',
      private: false,
      priority: '2',
      milestone: '1.0',
      tags: ['bug', 'ui'],
      assignee: 'bob',
    });
    const second = await services.issues.create(viewer, project, {
      title: 'Second',
      content: 'x',
      private: false,
      priority: null,
      milestone: null,
      tags: [],
      assignee: null,
    });
    await services.issues.setLinks(viewer, project, first, { blocking: [second.id] });
    await services.issues.setStatus(
      viewer,
      project,
      await services.issues.require(viewer, project, String(first.id)),
      'Closed',
      'Won’t fix',
    );
    alice = new Browser(t);
    await alice.logIn('alice', 'alice-password1');
  });
  after(() => t?.close());

  /** Opens `page`, sends the form posting to `action` as shown, and expects `status` and no change in what `read` returns. */
  async function sendBack(
    page: string,
    action: string,
    read: () => Promise<unknown>,
    status = 302,
  ): Promise<{ html: string; fields: Record<string, string | string[]> }> {
    const before = await read();
    const shown = await alice.get(page);
    assert.equal(shown.status, 200, page);
    const fields = formFields(shown.html, action);
    const sent = await alice.post(action, fields);
    assert.equal(sent.status, status, `${action} answered ${sent.status}: ${sent.html.slice(0, 300)}`);
    assert.deepEqual(await read(), before, `${action} sent back unchanged changes nothing`);
    return { html: sent.html, fields };
  }

  const me = () => t.forge.services.users.byName('alice');
  const fresh = async () => (await t.forge.services.projectQueries.byId(project.id))!;

  it('the profile keeps the full name', async () => {
    const { fields } = await sendBack('/settings', '/settings/profile', async () => (await me())!.fullname);
    assert.equal(fields.fullname, 'Alice Liddell', 'the field shows the saved name, not "true"');
  });

  it('adding an empty email address is refused by its field, and the addresses stay', async () => {
    const emails = async () => (await t.forge.services.users.emails([(await me())!.id])).get((await me())!.id);
    const { html } = await sendBack('/settings', '/settings/email/add', emails, 400);
    assert.ok(fieldError(html, 'email'), 'the email field says what is wrong');
  });

  it('the new-token form offers a valid expiry date: untouched it only asks for an ACL, and that date is kept', async () => {
    const tokens = async () => (await t.forge.services.tokens.list((await me())!)).map((x) => x.id);
    const { html, fields } = await sendBack('/settings', '/settings/token/new', tokens, 400);
    assert.match(String(fields.expires), /^\d{4}-\d{2}-\d{2}$/, 'the expiry field holds a date');
    assert.equal(fieldError(html, 'expires'), undefined, 'the date shown is accepted');
    assert.equal(html.match(/<span class="field-error" id="acls-error">([^<]*)</)?.[1], 'Choose at least one ACL');
    const made = await alice.post('/settings/token/new', { ...fields, acls: 'pull_request_create' });
    assert.equal(made.status, 302, made.html.match(/field-error[^>]*>[^<]*/g)?.join(' | '));
    const [token] = (await t.forge.services.tokens.list((await me())!)).filter((x) => x.projectId === null);
    assert.equal(token!.expiresAt.toISOString().slice(0, 10), fields.expires);
  });

  it('project details keep the description and URL', async () => {
    await sendBack('/hello/settings', '/hello/settings/details', async () => {
      const p = await fresh();
      return [p.description, p.url];
    });
  });

  it('the default branch stays', async () => {
    await sendBack(
      '/hello/settings',
      '/hello/settings/default-branch',
      async () => (await t.fetch('/api/0/hello/git/branches?with_commits=true').then((r) => r.json())) as unknown,
    );
  });

  it('the options keep every setting', async () => {
    const { fields } = await sendBack('/hello/settings', '/hello/settings/options', async () => readSettings(await fresh()));
    assert.equal(fields['Web-hooks'], 'https://hooks.example.test/a\nhttps://hooks.example.test/b');
  });

  it('the tracker settings keep close statuses, priorities and milestones', async () => {
    const { fields } = await sendBack('/hello/settings', '/hello/settings/tracker', () => t.forge.services.tracker.meta(project));
    assert.equal(fields.close_statuses, 'Fixed, Won’t fix, Duplicate');
  });

  it('an empty tag, template or access form is refused by its field, and nothing changes', async () => {
    const tracker = async () => [await t.forge.services.tracker.tags(project), await t.forge.services.tracker.issueTemplates(project)];
    const tag = await sendBack('/hello/settings', '/hello/settings/tags/add', tracker, 400);
    assert.equal(fieldError(tag.html, 'tag'), 'This field is required.');
    const template = await sendBack('/hello/settings', '/hello/settings/templates/save', tracker, 400);
    assert.ok(fieldError(template.html, 'template_name'));
    const access = await sendBack(
      '/hello/settings',
      '/hello/settings/access/add',
      () => t.forge.services.grants.contributors(project),
      400,
    );
    assert.equal(fieldError(access.html, 'access-name'), 'This field is required.');
  });

  it('the issue keeps its title, description and every detail', async () => {
    const issue = async () => {
      const viewer = await t.forge.services.access.viewer(null);
      const json = await t.forge.services.issues.json(project, await t.forge.services.issues.require(viewer, project, '1'), {
        comments: true,
      });
      const {
        title,
        content,
        status,
        close_status,
        assignee,
        tags,
        milestone,
        priority,
        depends,
        blocks,
        private: hidden,
        comments,
      } = json;
      return {
        title,
        content,
        status,
        close_status,
        assignee: assignee?.name ?? null,
        tags,
        milestone,
        priority,
        depends,
        blocks,
        hidden,
        comments: comments.length,
      };
    };
    const { fields } = await sendBack('/hello/issue/1', '/hello/issue/1/edit', issue);
    assert.equal(fields.title, 'First <one> & "more"');
    const update = await sendBack('/hello/issue/1', '/hello/issue/1/update', issue);
    assert.equal(update.fields.close_status, 'Won’t fix');
    assert.equal(update.fields.priority, '2');
    assert.equal(update.fields.milestone, '1.0');
    assert.equal(update.fields.assignee, 'bob');
  });
});
