import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { eventually } from './support/wait.js';
import { Browser, fieldError, inputValue, mainOf } from './support/page-client.js';

const EXPIRED_FORM = 'This form has expired or did not come from this site';

describeModes('accounts on the web', (mode) => {
  let t: TestForge;
  const logs: Array<{ level: number; msg: string; mail?: { to: string; subject: string; text: string } }> = [];
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString()) as (typeof logs)[number]);
        done();
      },
    });
    t = await createTestForge({ mode, logger: pino({ level: 'info' }, sink) });
  });
  after(() => t?.close());

  /** The reset links mailed (that is, logged) to `address` so far. */
  const resetLinks = (address: string): string[] =>
    logs
      .filter((line) => line.msg.startsWith(`mail to ${address}`))
      .map((line) => line.mail?.text.match(/(http:\/\/\S+\/password\/reset\/\S+)/)?.[1] ?? `no link in ${line.mail?.text}`);
  /** The links to `path` mailed to `address` so far. */
  const mailedLinks = (address: string, path: string): string[] =>
    logs
      .filter((line) => line.msg.startsWith(`mail to ${address}`))
      .flatMap((line) => line.mail?.text.match(new RegExp(`http://\\S+${path}\\S+`, 'g')) ?? []);

  describe('form tokens', () => {
    it("refuses a form posted without a token, or with another browser's token, with a 400 page", async () => {
      await t.createUser('tokenless');
      const stranger = new Browser(t);
      const bare = await stranger.post('/login', { username: 'tokenless', password: 'tokenless-password1' });
      assert.equal(bare.status, 400);
      assert.match(bare.html, new RegExp(EXPIRED_FORM));
      assert.match(bare.html, /<p class="error-message">/, 'an HTML error page');
      assert.equal(bare.setCookies.filter((c) => c.startsWith('pagurus_session=')).length, 0, 'no session');

      const other = await new Browser(t).getForm('/login');
      await stranger.get('/login');
      const borrowed = await stranger.post('/login', { username: 'tokenless', password: 'tokenless-password1', csrf_token: other.token });
      assert.equal(borrowed.status, 400);
      assert.match(borrowed.html, new RegExp(EXPIRED_FORM));
      const wrong = await stranger.post('/login', { username: 'tokenless', password: 'tokenless-password1', csrf_token: 'x'.repeat(43) });
      assert.equal(wrong.status, 400);
    });

    it('sets a signed pagurus_csrf cookie on the first page and accepts the token in an X-CSRF-Token header', async () => {
      await t.createUser('headed');
      const browser = new Browser(t);
      const { token, setCookies } = await browser.getForm('/login');
      assert.ok(
        setCookies.some((c) => /^pagurus_csrf=[^;]+;.*httponly/i.test(c)),
        setCookies.join('\n'),
      );
      assert.ok(
        setCookies.some((c) => c.startsWith('pagurus_csrf.sig=')),
        'signed',
      );
      assert.equal((await browser.getForm('/password/lost')).token, token, 'one token per browser before login');
      const page = await browser.post('/login', { username: 'headed', password: 'headed-password1' }, { 'X-CSRF-Token': token });
      assert.equal(page.status, 302);
    });

    it('changes the token at login: the old one no longer logs out', async () => {
      await t.createUser('switcher');
      const browser = new Browser(t);
      const before = (await browser.getForm('/login')).token;
      await browser.logIn('switcher', 'switcher-password1');
      const after = (await browser.getForm('/')).token;
      assert.notEqual(after, before);
      const refused = await browser.post('/logout', { csrf_token: before });
      assert.equal(refused.status, 400);
      assert.match(refused.html, new RegExp(EXPIRED_FORM));
      assert.equal(await browser.viewer(), 'switcher', 'still logged in');
      assert.equal((await browser.post('/logout', { csrf_token: after })).status, 302);
      assert.equal(await browser.viewer(), undefined);
    });
  });

  describe('logging in and out', () => {
    it('logs in with a signed, HttpOnly, SameSite=Lax session cookie and shows the name and a logout form', async () => {
      await t.createUser('alice');
      const browser = new Browser(t);
      const form = await browser.getForm('/login');
      assert.equal(form.status, 200);
      assert.match(form.html, /<form method="post" action="\/login" class="stacked">/);
      assert.equal(await browser.viewer(), undefined);
      const page = await browser.post('/login', { username: 'alice', password: 'alice-password1', next: '/', csrf_token: form.token });
      assert.equal(page.status, 302);
      assert.equal(page.location, '/');
      const session = page.setCookies.find((c) => c.startsWith('pagurus_session='));
      assert.ok(session, page.setCookies.join('\n'));
      assert.match(session, /; httponly/i);
      assert.match(session, /; samesite=lax/i);
      assert.doesNotMatch(session, /; secure/i, 'not Secure on a plain-http instance');
      assert.ok(
        page.setCookies.some((c) => c.startsWith('pagurus_session.sig=')),
        'signed',
      );
      const home = await browser.get('/');
      assert.match(home.html, /<a href="\/user\/alice" class="viewer">alice<\/a>/);
      assert.match(home.html, /<form method="post" action="\/logout" class="logout">/);
      assert.doesNotMatch(home.html, /<a href="\/login">Log in<\/a>/);
    });

    it('ignores a session cookie without its own signature', async () => {
      await t.createUser('tamper');
      if (!(await t.forge.services.users.byName('alice'))) await t.createUser('alice');
      const browser = new Browser(t);
      await browser.logIn('tamper', 'tamper-password1');
      assert.equal(await browser.viewer(), 'tamper');
      const other = new Browser(t);
      await other.logIn('alice', 'alice-password1');
      browser.cookies.set('pagurus_session.sig', other.cookies.get('pagurus_session.sig')!);
      assert.equal(await browser.viewer(), undefined, 'a signature of another cookie');
      browser.cookies.delete('pagurus_session.sig');
      assert.equal(await browser.viewer(), undefined, 'no signature');
    });

    it('goes back to a local "next" path only', async () => {
      await t.createUser('nexter');
      const cases: Array<[string, string]> = [
        ['/projects?sort=name', '/projects?sort=name'],
        ['//evil.example/x', '/'],
        ['http://evil.example/', '/'],
        ['/\\evil.example', '/'],
        ['', '/'],
      ];
      for (const [next, expected] of cases) {
        const page = await new Browser(t).submit('/login', { username: 'nexter', password: 'nexter-password1', next });
        assert.equal(page.status, 302, next);
        assert.equal(page.location, expected, `next=${next}`);
      }
      for (const next of ['/\t/evil.example', '/\\/evil.example', '/%2F/evil.example', ' //evil.example']) {
        const page = await new Browser(t).submit('/login', { username: 'nexter', password: 'nexter-password1', next });
        assert.equal(page.status, 302, next);
        assert.equal(new URL(page.location!, t.url).origin, new URL(t.url).origin, `next=${JSON.stringify(next)} went to ${page.location}`);
      }
      assert.match((await new Browser(t).get('/login?next=%2Fsettings')).html, /name="next" value="\/settings"/);
      assert.match((await new Browser(t).get('/login?next=%2F%2Fevil.example')).html, /name="next" value="\/"/);
    });

    it('answers a wrong password or an unknown user alike with 401, keeping the typed name', async () => {
      await t.createUser('bob');
      for (const username of ['bob', 'nobody-here']) {
        const page = await new Browser(t).submit('/login', { username, password: 'not-the-password', next: '/x' });
        assert.equal(page.status, 401, username);
        assert.match(page.html, /Wrong user name or password/);
        assert.equal(inputValue(page.html, 'username'), username);
        assert.match(page.html, /name="next" value="\/x"/);
        assert.equal(page.setCookies.filter((c) => c.startsWith('pagurus_session=')).length, 0);
      }
    });

    it('logs out: back to the start page, and the old session cookie no longer works', async () => {
      await t.createUser('leaver');
      const browser = new Browser(t);
      await browser.logIn('leaver', 'leaver-password1');
      const saved = new Map(browser.cookies);
      const logout = await browser.getForm('/logout');
      assert.match(logout.html, /<h1>Log out<\/h1>/);
      const page = await browser.post('/logout', { csrf_token: logout.token });
      assert.equal(page.status, 302);
      assert.equal(page.location, '/');
      assert.ok(
        page.setCookies.some((c) => /^pagurus_session=;/.test(c)),
        'the cookie is cleared',
      );
      assert.equal(await browser.viewer(), undefined);
      const replay = new Browser(t);
      for (const [name, value] of saved) replay.cookies.set(name, value);
      assert.equal(await replay.viewer(), undefined, 'the session row is gone');
      assert.equal(await t.forge.services.sessions.find(saved.get('pagurus_session')!), undefined);
    });
  });

  describe('registration', () => {
    it('creates an account that logs in once the link mailed to its address is opened', async () => {
      const browser = new Browser(t);
      const form = await browser.getForm('/user/new');
      assert.equal(form.status, 200);
      assert.match(form.html, /<h1>Create an account<\/h1>/);
      const page = await browser.post('/user/new', {
        username: 'newbie',
        fullname: 'New Bie',
        email: 'newbie@example.test',
        password: 'newbie-secret',
        confirm: 'newbie-secret',
        csrf_token: form.token,
      });
      assert.equal(page.status, 302, page.html);
      assert.equal(page.location, '/login');
      assert.match(
        (await browser.get('/login')).html,
        /<p class="flash" role="status">Your account newbie is made\. To log in, first open the link just mailed to newbie@example\.test/,
      );
      const user = await t.forge.services.users.byName('newbie');
      assert.equal(user?.fullname, 'New Bie');
      assert.equal(user?.isAdmin, false);
      const link = await eventually(() => mailedLinks('newbie@example.test', '/settings/email/confirm/')[0], 'the mail to newbie');
      assert.equal((await browser.get(new URL(link).pathname)).status, 302);
      await browser.logIn('newbie', 'newbie-secret');
      assert.equal(await browser.viewer(), 'newbie');
    });

    it('shows each mistake next to its field and keeps what was typed, but not the password', async () => {
      await t.createUser('taken');
      const good = {
        username: 'fresh',
        fullname: 'Fresh Person',
        email: 'fresh@example.test',
        password: 'long-enough',
        confirm: 'long-enough',
      };
      const cases: Array<[Record<string, string>, number, string, RegExp]> = [
        [{ confirm: 'something-else' }, 400, 'confirm', /^The two passwords differ$/],
        [{ username: 'bad name' }, 400, 'username', /^Use letters, digits, /],
        [{ email: 'not-an-address' }, 400, 'email', /^Give a valid email address$/],
        [{ password: 'short', confirm: 'short' }, 400, 'password', /^Use at least 8 characters$/],
        [{ username: 'taken' }, 409, 'username', /^This user name is taken$/],
        [{ username: 'TAKEN' }, 409, 'username', /^This user name is taken$/],
        [{ email: 'taken@example.test' }, 409, 'email', /^This email address is already used$/],
      ];
      for (const [change, status, field, message] of cases) {
        const fields = { ...good, ...change };
        const page = await new Browser(t).submit('/user/new', fields);
        const what = JSON.stringify(change);
        assert.equal(page.status, status, what);
        assert.match(fieldError(page.html, field) ?? '', message, what);
        assert.equal(inputValue(page.html, 'username'), fields.username, what);
        assert.equal(inputValue(page.html, 'fullname'), fields.fullname, what);
        assert.equal(inputValue(page.html, 'email'), fields.email, what);
        assert.equal(inputValue(page.html, 'password'), '', what);
        assert.ok(!page.html.includes(`value="${fields.password}"`), `${what}: the password is not echoed`);
        assert.equal(page.setCookies.filter((c) => c.startsWith('pagurus_session=')).length, 0, what);
      }
      assert.equal(await t.forge.services.users.byName('fresh'), undefined, 'no account was made');
    });
  });

  describe('lost passwords', () => {
    it('answers the same "Check your mail" page whether or not the account exists', async () => {
      await t.createUser('rita');
      const logged = logs.length;
      const known = await new Browser(t).submit('/password/lost', { username: 'rita' });
      const unknown = await new Browser(t).submit('/password/lost', { username: 'no-such-user' });
      assert.equal(known.status, 200);
      assert.equal(unknown.status, 200);
      assert.match(known.html, /<h1>Check your mail<\/h1>/);
      assert.equal(mainOf(unknown.html), mainOf(known.html));
      await eventually(() => resetLinks('rita@example.test').length === 1, 'the mail to rita');
      assert.equal(
        logs.slice(logged).filter((l) => l.msg.startsWith('mail to') && !l.msg.startsWith('mail to rita@')).length,
        0,
        'no mail for the unknown user',
      );
      const empty = await new Browser(t).submit('/password/lost', { username: '  ' });
      assert.equal(empty.status, 400);
      assert.equal(fieldError(empty.html, 'username'), 'Give your user name or email address');
    });

    it('resets the password with the mailed link, ending every session, and only once', async () => {
      await t.createUser('sam');
      const owner = new Browser(t);
      await owner.logIn('sam', 'sam-password1');
      const browser = new Browser(t);
      const asked = await browser.submit('/password/lost', { username: 'sam@example.test' });
      assert.equal(asked.status, 200);
      const [link] = await eventually(
        () => (resetLinks('sam@example.test').length ? resetLinks('sam@example.test') : undefined),
        'the mail to sam',
      );
      assert.ok(link!.startsWith(`${t.url}/password/reset/`), link);
      const path = new URL(link!).pathname;

      const form = await browser.getForm(path);
      assert.equal(form.status, 200);
      assert.match(form.html, /<h1>Choose a new password<\/h1>/);
      assert.match(form.html, new RegExp(`<form method="post" action="${path}" class="stacked">`));
      const differ = await browser.post(path, { password: 'brand-new-pass', confirm: 'brand-new-typo', csrf_token: form.token });
      assert.equal(differ.status, 400);
      assert.equal(fieldError(differ.html, 'confirm'), 'The two passwords differ');
      const short = await browser.post(path, { password: 'short', confirm: 'short', csrf_token: form.token });
      assert.equal(short.status, 400);
      assert.equal(fieldError(short.html, 'password'), 'Use at least 8 characters');

      const done = await browser.post(path, { password: 'brand-new-pass', confirm: 'brand-new-pass', csrf_token: form.token });
      assert.equal(done.status, 302, done.html);
      assert.equal(done.location, '/login');
      const login = await browser.get('/login');
      assert.match(
        login.html,
        /<p class="flash" role="status">Password changed: log in with the new one<\/p>/,
        'the login page says the password changed',
      );
      assert.doesNotMatch((await browser.get('/login')).html, /class="flash"/, 'once');
      assert.equal(await owner.viewer(), undefined, 'the session open before the reset is logged out');
      assert.equal((await new Browser(t).submit('/login', { username: 'sam', password: 'sam-password1' })).status, 401, 'the old password');
      await new Browser(t).logIn('sam', 'brand-new-pass');

      const again = await browser.get(path);
      assert.equal(again.status, 404);
      assert.match(again.html, /<h1>Link expired<\/h1>/);
      const reused = await browser.submit(path, { password: 'third-password', confirm: 'third-password' }, '/login');
      assert.equal(reused.status, 400);
      await new Browser(t).logIn('sam', 'brand-new-pass');
    });

    it('expires the other links of a user when one is used', async () => {
      await t.createUser('twice');
      for (let i = 0; i < 2; i++) await new Browser(t).submit('/password/lost', { username: 'twice' });
      const links = await eventually(
        () => (resetLinks('twice@example.test').length === 2 ? resetLinks('twice@example.test') : undefined),
        'two mails',
      );
      const [first, second] = links.map((l) => new URL(l).pathname);
      assert.notEqual(first, second);
      const used = await new Browser(t).submit(second!, { password: 'second-link-pw', confirm: 'second-link-pw' });
      assert.equal(used.status, 302);
      assert.equal((await new Browser(t).get(first!)).status, 404);
    });

    it('answers an unknown reset link with a 404 page', async () => {
      const page = await new Browser(t).get('/password/reset/not-a-real-token');
      assert.equal(page.status, 404);
      assert.match(page.html, /Link expired/);
      const post = await new Browser(t).submit(
        '/password/reset/not-a-real-token',
        { password: 'whatever-pw', confirm: 'whatever-pw' },
        '/login',
      );
      assert.equal(post.status, 400);
    });
  });

  describe('changing the password', () => {
    it('sends anonymous visitors to the login page', async () => {
      const browser = new Browser(t);
      const page = await browser.get('/password/change');
      assert.equal(page.status, 302);
      assert.equal(page.location, '/login?next=%2Fpassword%2Fchange');
      const post = await browser.submit('/password/change', { current: 'x', password: 'new-password', confirm: 'new-password' }, '/login');
      assert.equal(post.status, 302);
      assert.equal(post.location, '/login');
    });

    it('needs the current password, and logs out the other sessions but not this one', async () => {
      await t.createUser('carol');
      const here = new Browser(t);
      const elsewhere = new Browser(t);
      await here.logIn('carol', 'carol-password1');
      await elsewhere.logIn('carol', 'carol-password1');
      const form = await here.getForm('/password/change');
      assert.equal(form.status, 200);
      assert.match(form.html, /<h1>Change your password<\/h1>/);

      const wrong = await here.post('/password/change', {
        current: 'not-my-password',
        password: 'carol-new-pw',
        confirm: 'carol-new-pw',
        csrf_token: form.token,
      });
      assert.equal(wrong.status, 400);
      assert.equal(fieldError(wrong.html, 'current'), 'This is not your current password');
      const differ = await here.post('/password/change', {
        current: 'carol-password1',
        password: 'carol-new-pw',
        confirm: 'carol-new-px',
        csrf_token: form.token,
      });
      assert.equal(differ.status, 400);
      assert.equal(fieldError(differ.html, 'confirm'), 'The two passwords differ');
      const short = await here.post('/password/change', {
        current: 'carol-password1',
        password: 'short',
        confirm: 'short',
        csrf_token: form.token,
      });
      assert.equal(short.status, 400);
      assert.equal(fieldError(short.html, 'password'), 'Use at least 8 characters');
      assert.equal(await elsewhere.viewer(), 'carol', 'refused changes end nothing');

      const done = await here.post('/password/change', {
        current: 'carol-password1',
        password: 'carol-new-pw',
        confirm: 'carol-new-pw',
        csrf_token: form.token,
      });
      assert.equal(done.status, 200);
      assert.match(done.html, /<h1>Password changed<\/h1>/);
      assert.equal(await here.viewer(), 'carol', 'this session stays');
      assert.equal(await elsewhere.viewer(), undefined, 'the other session is logged out');
      assert.equal((await new Browser(t).submit('/login', { username: 'carol', password: 'carol-password1' })).status, 401);
      await new Browser(t).logIn('carol', 'carol-new-pw');
    });
  });

  describe('with login.max_failures 3 and registration closed', () => {
    let strict: TestForge;
    before(async () => {
      strict = await createTestForge({ mode, config: { 'login.max_failures': 3, registration: false } });
    });
    after(() => strict?.close());

    it('locks an account out after 3 failures, even with the right password, but not others', async () => {
      await strict.createUser('target');
      await strict.createUser('bystander');
      for (let i = 1; i <= 3; i++) {
        const page = await new Browser(strict).submit('/login', { username: 'target', password: `guess-${i}` });
        assert.equal(page.status, 401, `failure ${i}`);
      }
      const locked = await new Browser(strict).submit('/login', { username: 'target', password: 'target-password1' });
      assert.equal(locked.status, 429);
      assert.match(locked.html, /Too many failed logins; try again in 15 minutes/);
      assert.equal(locked.setCookies.filter((c) => c.startsWith('pagurus_session=')).length, 0);
      await new Browser(strict).logIn('bystander', 'bystander-password1');
    });

    it('keeps the account locked out however its name is typed', async () => {
      await strict.createUser('spaced');
      for (let i = 1; i <= 3; i++) await new Browser(strict).submit('/login', { username: 'spaced', password: `guess-${i}` });
      for (const username of ['spaced', ' spaced', 'spaced ']) {
        const page = await new Browser(strict).submit('/login', { username, password: 'spaced-password1' });
        assert.equal(page.status, 429, `${JSON.stringify(username)} logged in during the lockout`);
      }
    });

    it('starts counting again after a successful login', async () => {
      await strict.createUser('forgetful');
      const attempt = (password: string) => new Browser(strict).submit('/login', { username: 'forgetful', password });
      assert.equal((await attempt('nope-1')).status, 401);
      assert.equal((await attempt('nope-2')).status, 401);
      assert.equal((await attempt('forgetful-password1')).status, 302);
      assert.equal((await attempt('nope-3')).status, 401);
      assert.equal((await attempt('nope-4')).status, 401, 'the count was reset by the success');
      assert.equal((await attempt('forgetful-password1')).status, 302);
    });

    it('answers 404 "Registration is closed" and makes no account', async () => {
      const browser = new Browser(strict);
      const page = await browser.get('/user/new');
      assert.equal(page.status, 404);
      assert.match(page.html, /<h1>Registration is closed<\/h1>/);
      const post = await browser.submit(
        '/user/new',
        { username: 'sneaky', email: 'sneaky@example.test', password: 'sneaky-pass', confirm: 'sneaky-pass' },
        '/login',
      );
      assert.equal(post.status, 404);
      assert.match(post.html, /Registration is closed/);
      assert.equal(await strict.forge.services.users.byName('sneaky'), undefined);
      assert.doesNotMatch((await browser.get('/login')).html, /Create an account/);
      assert.match((await new Browser(t).get('/login')).html, /<a href="\/user\/new">Create an account<\/a>/, 'open elsewhere');
    });
  });

  describe('with login.max_failures 1', () => {
    let tight: TestForge;
    before(async () => {
      tight = await createTestForge({ mode, config: { 'login.max_failures': 1 } });
    });
    after(() => tight?.close());

    it('also locks out an address after 4 times as many failures over any accounts', async () => {
      await tight.createUser('victim');
      for (let i = 1; i <= 3; i++)
        assert.equal((await new Browser(tight).submit('/login', { username: `ghost-${i}`, password: 'x' })).status, 401);
      await new Browser(tight).logIn('victim', 'victim-password1');
      assert.equal((await new Browser(tight).submit('/login', { username: 'ghost-4', password: 'x' })).status, 401);
      const locked = await new Browser(tight).submit('/login', { username: 'victim', password: 'victim-password1' });
      assert.equal(locked.status, 429);
      assert.match(locked.html, /Too many failed logins/);
    });
  });
});
