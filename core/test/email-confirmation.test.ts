// Email addresses are confirmed by a mailed link before they count: a new account's (which
// cannot log in before, on the web or with git), and each one added in the settings. The
// mails are read from the log, as an admin without SMTP reads them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { cloneUrl, commitFile, gitOk, gitRun, tempDir } from './support/git-client.js';
import { mailLog, type MailLog } from './support/mail-log.js';
import { Browser, fieldError, mainOf } from './support/page-client.js';

const CONFIRM = '/settings/email/confirm/';
const UNCONFIRMED = /You need to confirm your email address: open the link mailed to it/;

/** The part of a mailed link a browser asks for. */
const pathOf = (link: string) => new URL(link).pathname;

async function register(t: TestForge, name: string, email = `${name}@example.test`) {
  const browser = new Browser(t);
  const page = await browser.submit('/user/new', {
    username: name,
    fullname: name,
    email,
    password: `${name}-secret`,
    confirm: `${name}-secret`,
  });
  return { browser, page };
}

const logIn = (t: TestForge, name: string, password = `${name}-secret`) =>
  new Browser(t).submit('/login', { username: name, password, next: '/' });

describeModes('email confirmation', (mode) => {
  let t: TestForge;
  let mails: MailLog;
  before(async () => {
    mails = mailLog();
    t = await createTestForge({ mode, logger: mails.logger });
  });
  after(() => t?.close());

  it('registers without logging in, refuses the login until the mailed link is opened, and the link works once', async () => {
    const { browser, page } = await register(t, 'newcomer');
    assert.equal(page.status, 302, page.html);
    assert.equal(page.location, '/login');
    assert.equal(page.setCookies.filter((c) => c.startsWith('pagurus_session=')).length, 0, 'no session before the address is confirmed');
    assert.match(
      (await browser.get('/login')).html,
      /Your account newcomer is made\. To log in, first open the link just mailed to newcomer@example\.test/,
    );
    assert.equal(await browser.viewer(), undefined);
    const user = (await t.forge.services.users.byName('newcomer'))!;
    assert.deepEqual(
      (await t.forge.services.users.emails([user.id])).get(user.id),
      { defaultEmail: null, emails: [] },
      'no address counts yet',
    );

    const refused = await logIn(t, 'newcomer');
    assert.equal(refused.status, 403);
    assert.match(refused.html, UNCONFIRMED);
    assert.equal(refused.setCookies.filter((c) => c.startsWith('pagurus_session=')).length, 0);
    assert.equal((await logIn(t, 'newcomer', 'wrong-password')).status, 401, 'a wrong password is still just wrong');

    const link = await mails.link('newcomer@example.test', CONFIRM);
    assert.match(mails.mailsTo('newcomer@example.test')[0]!.subject, /Confirm your email address/);
    const opened = await browser.get(pathOf(link));
    assert.equal(opened.status, 302);
    assert.equal(opened.location, '/login');
    assert.match((await browser.get('/login')).html, /Email address newcomer@example\.test confirmed: you can log in/);
    assert.equal((await logIn(t, 'newcomer')).status, 302);
    assert.deepEqual((await t.forge.services.users.emails([user.id])).get(user.id), {
      defaultEmail: 'newcomer@example.test',
      emails: ['newcomer@example.test'],
    });

    const again = await new Browser(t).get(pathOf(link));
    assert.equal(again.status, 404, 'a link works once');
    assert.match(mainOf(again.html), /This confirmation link is unknown, was already used, or has expired/);
    assert.equal((await new Browser(t).get(`${CONFIRM}not-a-token`)).status, 404);
    const token = pathOf(link).slice(CONFIRM.length);
    assert.ok(
      mails.otherLines().some((line) => line.includes(`${CONFIRM}[redacted]`)),
      'the visit is logged',
    );
    assert.deepEqual(
      mails.otherLines().filter((line) => line.includes(token)),
      [],
      'the token is not in the access log',
    );
  });

  it('refuses an expired link, and mails a new one at the next login', async () => {
    await register(t, 'slowpoke');
    const first = await mails.link('slowpoke@example.test', CONFIRM);
    await t.forge.db
      .knex('user_emails_pending')
      .whereRaw('lower(email) = ?', ['slowpoke@example.test'])
      .update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await new Browser(t).get(pathOf(first));
    assert.equal(expired.status, 404);
    assert.match(mainOf(expired.html), /has expired/);

    const refused = await logIn(t, 'slowpoke');
    assert.equal(refused.status, 403);
    assert.match(refused.html, /its link had expired: a new one was just sent/);
    const second = await mails.link('slowpoke@example.test', CONFIRM, 2);
    assert.notEqual(second, first);
    assert.equal((await new Browser(t).get(pathOf(first))).status, 404, 'the old link stays dead');
    assert.equal((await new Browser(t).get(pathOf(second))).status, 302);
    assert.equal((await logIn(t, 'slowpoke')).status, 302);
  });

  it('keeps a pending address from being claimed by anyone else until its link expires', async () => {
    await register(t, 'firstcome', 'contested@example.test');
    const second = await register(t, 'secondcome', 'CONTESTED@example.test');
    assert.equal(second.page.status, 409);
    assert.equal(fieldError(second.page.html, 'email'), 'This email address is already used');
    assert.equal(await t.forge.services.users.byName('secondcome'), undefined);

    await t.createUser('settler');
    const settler = new Browser(t);
    await settler.logIn('settler', 'settler-password1');
    const added = await settler.submit('/settings/email/add', { email: 'contested@example.test' }, '/settings');
    assert.equal(added.status, 409);
    assert.equal(fieldError(added.html, 'email'), 'This email address is already used');
    await assert.rejects(t.createUser('admin-made', { email: 'contested@example.test' }), /already used/);

    // A link nobody opened in time no longer holds the address.
    await t.forge.db
      .knex('user_emails_pending')
      .whereRaw('lower(email) = ?', ['contested@example.test'])
      .update({ expires_at: new Date(Date.now() - 1000) });
    const late = await register(t, 'latecome', 'contested@example.test');
    assert.equal(late.page.status, 302, late.page.html);
    assert.equal(
      (await new Browser(t).get(pathOf(await mails.link('contested@example.test', CONFIRM, 1)))).status,
      404,
      "the first claimant's link is dead",
    );
    assert.equal((await new Browser(t).get(pathOf(await mails.link('contested@example.test', CONFIRM, 2)))).status, 302);
    assert.equal((await t.forge.services.users.byNameOrEmail('contested@example.test'))?.name, 'latecome');
  });

  it('lists an address added in the settings as pending until its link is opened; only then does it count', async () => {
    const owner = await t.createUser('adder');
    const browser = new Browser(t);
    await browser.logIn('adder', 'adder-password1');
    const added = await browser.submit('/settings/email/add', { email: 'second@example.test' }, '/settings');
    assert.equal(added.status, 302, added.html);
    let settings = (await browser.get('/settings')).html;
    assert.match(settings, /A link was mailed to second@example\.test: open it within 48 hours to confirm the address/);
    assert.match(settings, /<li class="pending-email">second@example\.test <span class="badge">pending confirmation<\/span>/);
    assert.match(settings, /action="\/settings\/email\/resend"/);
    assert.deepEqual((await t.forge.services.users.emails([owner.id])).get(owner.id)?.emails, ['adder@example.test']);
    assert.equal((await t.forge.services.users.byEmails(['second@example.test'])).size, 0, "commits by a pending address are nobody's");
    const notYet = await browser.submit('/settings/email/default', { email: 'second@example.test' }, '/settings');
    assert.equal(notYet.status, 400, 'a pending address cannot be the default');

    const resent = await browser.submit('/settings/email/resend', { email: 'second@example.test' }, '/settings');
    assert.equal(resent.status, 302);
    const [first, second] = [await mails.link('second@example.test', CONFIRM, 1), await mails.link('second@example.test', CONFIRM, 2)];
    assert.equal((await browser.get(pathOf(first))).status, 404, 'a resent link replaces the old one');
    const opened = await browser.get(pathOf(second));
    assert.equal(opened.status, 302);
    assert.equal(opened.location, '/settings#emails');
    settings = (await browser.get('/settings')).html;
    assert.match(settings, /Email address second@example\.test confirmed/);
    assert.doesNotMatch(settings, /pending confirmation/);
    assert.match(
      settings,
      /<input type="hidden" name="email" value="second@example\.test"><button type="submit" class="link">Make default<\/button>/,
    );
    assert.deepEqual((await t.forge.services.users.emails([owner.id])).get(owner.id)?.emails, [
      'adder@example.test',
      'second@example.test',
    ]);
    assert.equal((await t.forge.services.users.byEmails(['second@example.test'])).get('second@example.test')?.name, 'adder');

    await browser.submit('/settings/email/add', { email: 'dropped@example.test' }, '/settings');
    const dropped = await browser.submit('/settings/email/drop', { email: 'dropped@example.test' }, '/settings');
    assert.equal(dropped.status, 302);
    assert.doesNotMatch((await browser.get('/settings')).html, /dropped@example\.test/);
    assert.equal(
      (await browser.get(pathOf(await mails.link('dropped@example.test', CONFIRM)))).status,
      404,
      "a removed address's link is dead",
    );
  });

  it('refuses git over HTTP with the password of an unconfirmed account', async () => {
    await register(t, 'pusher');
    await t.createProject('pusher', 'pushed', { readme: true });
    const work = await tempDir();
    await gitOk(work, 'clone', '-q', cloneUrl(t.url, 'pushed'), path.join(work, 'pushed'));
    const dir = path.join(work, 'pushed');
    await commitFile(dir, 'two.txt', 'two\n');
    const url = cloneUrl(t.url, 'pushed', { user: 'pusher', secret: 'pusher-secret' });
    const refused = await gitRun(dir, ['push', url, 'HEAD:main']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Authentication failed/);
    await new Browser(t).get(pathOf(await mails.link('pusher@example.test', CONFIRM)));
    await gitOk(dir, 'push', '-q', url, 'HEAD:main');
  });
});

describeModes('email confirmation turned off', (mode) => {
  let t: TestForge;
  let mails: MailLog;
  before(async () => {
    mails = mailLog();
    t = await createTestForge({ mode, logger: mails.logger, config: { registration_confirm_email: false } });
  });
  after(() => t?.close());

  it('logs a new account in at once and counts added addresses at once, mailing nothing', async () => {
    const { browser, page } = await register(t, 'trusted');
    assert.equal(page.status, 302);
    assert.equal(page.location, '/');
    assert.equal(await browser.viewer(), 'trusted');
    assert.equal((await browser.submit('/settings/email/add', { email: 'other@example.test' }, '/settings')).status, 302);
    const user = (await t.forge.services.users.byName('trusted'))!;
    assert.deepEqual((await t.forge.services.users.emails([user.id])).get(user.id)?.emails, ['other@example.test', 'trusted@example.test']);
    assert.deepEqual([...mails.mailsTo('trusted@example.test'), ...mails.mailsTo('other@example.test')], []);
  });
});
