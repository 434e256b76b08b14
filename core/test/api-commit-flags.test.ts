// Commit flags as CI systems post and read them: Pagure's fields, messages and codes.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import type { ForgeEvent } from '@pagurus/core';
import { FIXTURE_PLUGIN } from './support/fixtures.js';

interface FlagAnswer {
  flag: Record<string, unknown>;
  message: string;
  uid: string;
}

describeModes('commit flags', (mode) => {
  let t: TestForge;
  let head: string;
  let ci: Record<string, string>;
  const flag = { username: 'Fedora CI', status: 'pending', comment: 'Build queued', url: 'https://ci.example.org/job/1', percent: '0' };

  before(async () => {
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN], config: { namespaces: ['rpms'] } });
    await t.createUser('alice');
    await t.createUser('robot', { fullname: 'CI Robot' });
    await t.createUser('carol');
    await t.createProject('alice', 'pkg', { namespace: 'rpms', readme: true });
    await t.createProject('alice', 'hidden', { readme: true, private: true });
    head = (await t.api<{ default: Record<string, string> }>('GET', '/api/0/rpms/pkg/git/branches?with_commits=1')).body.default.main!;
    ci = { Authorization: `token ${await t.createToken('robot', ['commit_flag'])}` };
  });
  after(() => t?.close());

  it('adds a flag with a generated uid, then updates it by uid', async () => {
    const added = await t.api<FlagAnswer>('POST', `/api/0/rpms/pkg/c/${head}/flag`, flag, ci);
    assert.equal(added.status, 200);
    assert.equal(added.body.message, 'Flag added');
    assert.match(added.body.uid, /^[0-9a-f]{32}$/);
    const { date_created: created, date_updated: updated, ...rest } = added.body.flag;
    assert.match(String(created), /^\d+$/);
    assert.equal(updated, created);
    assert.deepEqual(rest, {
      commit_hash: head,
      username: 'Fedora CI',
      percent: 0,
      comment: 'Build queued',
      status: 'pending',
      url: 'https://ci.example.org/job/1',
      user: { name: 'robot', fullname: 'CI Robot', url_path: 'user/robot', full_url: `${t.url}/user/robot` },
    });
    const again = await t.api<FlagAnswer>(
      'POST',
      `/api/0/rpms/pkg/c/${head}/flag`,
      { ...flag, uid: added.body.uid, status: 'success', percent: 100, comment: 'Passed' },
      ci,
    );
    assert.equal(again.body.message, 'Flag updated');
    assert.equal(again.body.uid, added.body.uid);
    assert.equal(again.body.flag.status, 'success');
    assert.equal(again.body.flag.percent, 100);
    const list = await t.api<{ total_flags: number; flags: Array<Record<string, unknown>> }>('GET', `/api/0/rpms/pkg/c/${head}/flag`);
    assert.equal(list.body.total_flags, 1);
    assert.equal(list.body.flags[0]!.comment, 'Passed');
    assert.equal(JSON.stringify(list.body).includes('@example.test'), false, 'no email of the flagger');
  });

  it('keeps its own uid, lists flags by last update, and accepts a short hash', async () => {
    const mine = await t.api<FlagAnswer>(
      'POST',
      `/api/0/rpms/pkg/c/${head.slice(0, 8)}/flag`,
      { ...flag, uid: 'zuul-check', percent: '' },
      ci,
    );
    assert.equal(mine.status, 200);
    assert.equal(mine.body.uid, 'zuul-check');
    assert.equal(mine.body.flag.commit_hash, head);
    assert.equal(mine.body.flag.percent, null);
    const list = await t.api<{ flags: Array<{ username: string; comment: string }> }>('GET', `/api/0/rpms/pkg/c/${head}/flag`);
    assert.equal(list.body.flags.length, 2);
    assert.equal(list.body.flags[1]!.comment, 'Build queued', 'the newest update last');
  });

  it('sends commit.flag.added and commit.flag.updated with repo and flag', async () => {
    await t.forge.events.idle();
    const events = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events.filter((e) =>
      e.topic.startsWith('commit.flag.'),
    );
    assert.deepEqual(
      events.map((e) => e.topic),
      ['commit.flag.added', 'commit.flag.updated', 'commit.flag.added'],
    );
    const body = events[1]!.body as { repo: { fullname: string }; flag: { status: string } };
    assert.equal(body.repo.fullname, 'rpms/pkg');
    assert.equal(body.flag.status, 'success');
    assert.equal(events[1]!.agent, 'robot');
  });

  it("answers 404 ENOCOMMIT for an unknown commit, and Pagure's field errors for bad input", async () => {
    const missing = await t.api('POST', `/api/0/rpms/pkg/c/${'e'.repeat(40)}/flag`, flag, ci);
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { error_code: string }).error_code, 'ENOCOMMIT');
    assert.equal((await t.api('GET', '/api/0/rpms/pkg/c/not-a-hash/flag')).status, 404);
    const required = ['This field is required.'];
    const empty = await t.api<{ error: string; error_code: string; errors: Record<string, string[]> }>(
      'POST',
      `/api/0/rpms/pkg/c/${head}/flag`,
      {},
      ci,
    );
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error_code, 'EINVALIDREQ');
    assert.equal(empty.body.error, 'Invalid or incomplete input submitted');
    assert.deepEqual(empty.body.errors, { comment: required, status: required, url: required, username: required });
    const blank = await t.api<{ errors: Record<string, string[]> }>(
      'POST',
      `/api/0/rpms/pkg/c/${head}/flag`,
      { ...flag, username: '  ', comment: '' },
      ci,
    );
    assert.deepEqual(blank.body.errors, { comment: required, username: required });
    const bad = await t.api<{ errors: Record<string, string[]> }>(
      'POST',
      `/api/0/rpms/pkg/c/${head}/flag`,
      { ...flag, status: 'great', url: 'not a url', percent: '150', uid: 'x'.repeat(33) },
      ci,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body.errors).sort(), ['percent', 'status', 'uid', 'url']);
    assert.deepEqual(bad.body.errors.status, ['Not a valid choice.']);
    assert.deepEqual(bad.body.errors.url, ['Invalid input.']);
    assert.deepEqual(bad.body.errors.uid, ['Field cannot be longer than 32 characters.']);
    for (const percent of ['-1', 'abc', '12.5', 101]) {
      const answer = await t.api<{ errors: Record<string, string[]> }>('POST', `/api/0/rpms/pkg/c/${head}/flag`, { ...flag, percent }, ci);
      assert.equal(answer.status, 400, `percent ${percent}`);
      assert.deepEqual(Object.keys(answer.body.errors), ['percent']);
    }
    const exactly32 = await t.api<FlagAnswer>(
      'POST',
      `/api/0/rpms/pkg/c/${head}/flag`,
      { ...flag, uid: 'y'.repeat(32), status: 'canceled' },
      ci,
    );
    assert.equal(exactly32.status, 200);
    assert.equal(exactly32.body.uid, 'y'.repeat(32));
    const list = await t.api<{ total_flags: number }>('GET', `/api/0/rpms/pkg/c/${head}/flag`);
    assert.equal(list.body.total_flags, 3, 'nothing was written but the valid flag');
  });

  it('needs a token with commit_flag, bound to this project if bound at all', async () => {
    type Refusal = { error: string; error_code: string; errors: string };
    const anonymous = await t.api<Refusal>('POST', `/api/0/rpms/pkg/c/${head}/flag`, flag);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error_code, 'EINVALIDTOK');
    const noAcl = await t.api<Refusal>('POST', `/api/0/rpms/pkg/c/${head}/flag`, flag, {
      Authorization: `token ${await t.createToken('robot', ['issue_create'])}`,
    });
    assert.equal(noAcl.status, 401);
    assert.equal(noAcl.body.error_code, 'EINVALIDTOK');
    assert.equal(noAcl.body.errors, 'Missing ACLs: commit_flag');
    const elsewhere = await t.api<Refusal>('POST', `/api/0/rpms/pkg/c/${head}/flag`, flag, {
      Authorization: `token ${await t.createToken('alice', ['commit_flag'], { project: 'alice/hidden' })}`,
    });
    assert.equal(elsewhere.status, 401);
    assert.equal(elsewhere.body.error_code, 'EINVALIDTOK');
    // As in Pagure, a user token needs no access to a public project to flag it.
    const stranger = await t.api<FlagAnswer>(
      'POST',
      `/api/0/rpms/pkg/c/${head}/flag`,
      { ...flag, uid: 'stranger' },
      { Authorization: `token ${await t.createToken('carol', ['commit_flag'])}` },
    );
    assert.equal(stranger.status, 200);
    assert.equal((stranger.body.flag.user as { name: string }).name, 'carol');
    const bound = await t.api(
      'POST',
      `/api/0/rpms/pkg/c/${head}/flag`,
      { ...flag, uid: 'bound' },
      { Authorization: `token ${await t.createToken('alice', ['commit_flag'], { project: 'rpms/pkg' })}` },
    );
    assert.equal(bound.status, 200);
  });

  it('hides a private project from those without access, and serves its members', async () => {
    const hash = (
      await t.api<{ default: Record<string, string> }>('GET', '/api/0/alice/hidden/git/branches?with_commits=1', undefined, {
        Authorization: `token ${await t.createToken('alice', 'all')}`,
      })
    ).body.default?.main;
    assert.ok(hash);
    const carol = { Authorization: `token ${await t.createToken('carol', ['commit_flag'])}` };
    assert.equal((await t.api('POST', `/api/0/alice/hidden/c/${hash}/flag`, flag, carol)).status, 404);
    assert.equal((await t.api('GET', `/api/0/alice/hidden/c/${hash}/flag`)).status, 404);
    const owner = { Authorization: `token ${await t.createToken('alice', ['commit_flag'])}` };
    assert.equal((await t.api('POST', `/api/0/alice/hidden/c/${hash}/flag`, flag, owner)).status, 200);
    await t.forge.events.idle();
    const events = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;
    assert.equal(
      events.some((e) => e.topic.startsWith('commit.flag.') && JSON.stringify(e.body).includes('hidden')),
      false,
      'no event leaves the forge',
    );
  });

  it('ends concurrent posts of one uid as one flag, added once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.api<FlagAnswer>('POST', `/api/0/rpms/pkg/c/${head}/flag`, { ...flag, uid: 'race', comment: `run ${i}` }, ci),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200, 200],
    );
    assert.equal(answers.filter((a) => a.body.message === 'Flag added').length, 1);
    assert.equal(answers.filter((a) => a.body.message === 'Flag updated').length, 5);
    const list = await t.api<{ flags: Array<{ comment: string }> }>('GET', `/api/0/rpms/pkg/c/${head}/flag`);
    assert.equal(list.body.flags.filter((f) => f.comment.startsWith('run ')).length, 1);
  });

  it('never puts an email address in an answer or an event', async () => {
    await t.forge.events.idle();
    const list = await t.api('GET', `/api/0/rpms/pkg/c/${head}/flag`);
    const events = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events.filter((e) =>
      e.topic.startsWith('commit.flag.'),
    );
    assert.ok(events.length > 0);
    for (const text of [JSON.stringify(list.body), JSON.stringify(events)])
      assert.equal(/@example\.(test|org|com)/.test(text) || text.includes('email'), false, text);
  });

  it('serves all four project paths, each with its own flags', async () => {
    await t.createProject('alice', 'plain', { readme: true });
    const plainHead = (await t.api<{ default: Record<string, string> }>('GET', '/api/0/plain/git/branches?with_commits=1')).body.default
      .main!;
    const forkToken = { Authorization: `token ${await t.createToken('robot', ['fork_project'])}` };
    assert.equal((await t.api('POST', '/api/0/fork', { repo: 'plain' }, forkToken)).status, 200);
    const paths = ['/api/0/plain', '/api/0/fork/robot/plain'];
    for (const base of paths) {
      const added = await t.api<FlagAnswer>('POST', `${base}/c/${plainHead}/flag`, { ...flag, uid: 'same-uid' }, ci);
      assert.equal(added.status, 200, base);
      assert.equal(added.body.message, 'Flag added', `${base}: a uid is kept per project`);
      const list = await t.api<{ total_flags: number; flags: Array<{ commit_hash: string }> }>('GET', `${base}/c/${plainHead}/flag`);
      assert.equal(list.status, 200);
      assert.equal(list.body.total_flags, 1, base);
      assert.equal(list.body.flags[0]!.commit_hash, plainHead);
    }
    const none = await t.api<{ total_flags: number; flags: unknown[] }>('GET', `/api/0/rpms/pkg/c/${plainHead}/flag`);
    assert.equal(none.status, 404, "another project's commit is unknown here");
  });

  it('works under the fork path too', async () => {
    const fork = await t.api(
      'POST',
      '/api/0/fork',
      { repo: 'pkg', namespace: 'rpms' },
      { Authorization: `token ${await t.createToken('carol', ['fork_project'])}` },
    );
    assert.equal(fork.status, 200);
    const added = await t.api<FlagAnswer>('POST', `/api/0/fork/carol/rpms/pkg/c/${head}/flag`, flag, ci);
    assert.equal(added.status, 200);
    assert.equal(
      (await t.api<{ total_flags: number }>('GET', `/api/0/fork/carol/rpms/pkg/c/${head}/flag`)).body.total_flags,
      1,
      "the fork's flags are its own",
    );
  });
});
