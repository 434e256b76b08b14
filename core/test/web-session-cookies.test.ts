// The cookies of the web session as a browser receives them (http/web/session.ts): how long
// a login and a confirmation last, which cookies a first visit gets, cookies the forge did
// not sign, and the form token on every unsafe method.
import assert from 'node:assert/strict';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { Browser } from './support/page-client.js';

const EXPIRED_FORM = 'This form has expired or did not come from this site';
const flashOf = (html: string) => html.match(/<p class="flash" role="status">([^<]*)<\/p>/)?.[1];
/** The Set-Cookie line for the cookie `name` (not its signature). */
const cookieLine = (setCookies: string[], name: string) => setCookies.find((c) => c.startsWith(`${name}=`));
/** When the cookie in `line` expires, in ms from now. */
const expiresIn = (line: string | undefined) => Date.parse(/; expires=([^;]+)/i.exec(line ?? '')?.[1] ?? 'none') - Date.now();

describeModes('session cookies', (mode) => {
  let t: TestForge;
  before(async () => {
    t = await createTestForge({ mode, config: { 'sessions.lifetime_days': 7 } });
    await t.createUser('keeper');
  });
  after(() => t?.close());

  it('gives a first visit a form-token cookie only, and a login one lasting sessions.lifetime_days', async () => {
    const browser = new Browser(t);
    const first = await browser.get('/login');
    assert.deepEqual(
      first.setCookies.map((c) => c.split('=')[0]),
      ['pagurus_csrf', 'pagurus_csrf.sig'],
      'no session or confirmation cookie before login',
    );
    assert.equal(expiresIn(cookieLine(first.setCookies, 'pagurus_csrf')), NaN, 'the form-token cookie ends with the browser');
    const login = await browser.logIn('keeper');
    const days = expiresIn(cookieLine(login.setCookies, 'pagurus_session')) / 86_400_000;
    assert.ok(days > 6.99 && days <= 7, `the login lasts 7 days, not ${days}`);
  });

  it('keeps a confirmation for five minutes, shows it once, then clears it', async () => {
    const browser = new Browser(t);
    await browser.logIn('keeper');
    const saved = await browser.submit('/settings/profile', { fullname: 'Keeper K.' }, '/settings');
    assert.equal(saved.status, 302);
    const minutes = expiresIn(cookieLine(saved.setCookies, 'pagurus_flash')) / 60_000;
    assert.ok(minutes > 4.9 && minutes <= 5, `the confirmation waits 5 minutes, not ${minutes}`);
    const shown = await browser.get('/settings');
    assert.equal(flashOf(shown.html), 'Settings saved');
    assert.match(cookieLine(shown.setCookies, 'pagurus_flash') ?? 'not cleared', /^pagurus_flash=;.*expires=Thu, 01 Jan 1970/i);
    const next = await browser.get('/settings');
    assert.equal(flashOf(next.html), undefined);
    assert.equal(cookieLine(next.setCookies, 'pagurus_flash'), undefined, 'nothing left to clear');
  });

  it('shows no confirmation from a cookie it did not sign, and replaces a form-token cookie altered by hand', async () => {
    const browser = new Browser(t);
    const { token } = await browser.getForm('/login');
    browser.cookies.set('pagurus_flash', Buffer.from(JSON.stringify({ text: 'Forged notice' })).toString('base64url'));
    assert.equal(flashOf((await browser.get('/')).html), undefined);

    browser.cookies.set('pagurus_csrf', 'chosen-by-someone-else');
    const again = await browser.getForm('/login');
    assert.ok(cookieLine(again.setCookies, 'pagurus_csrf'), 'a new form-token cookie');
    assert.notEqual(again.token, token);
    assert.notEqual(browser.cookies.get('pagurus_csrf'), 'chosen-by-someone-else');
  });

  it('refuses a token of another length, and PUT, PATCH and DELETE without a token, with the 400 page', async () => {
    const browser = new Browser(t);
    await browser.logIn('keeper');
    const { token } = await browser.getForm('/logout');
    for (const wrong of ['short', `${token}x`]) {
      const page = await browser.post('/logout', { csrf_token: wrong });
      assert.equal(page.status, 400, wrong);
      assert.match(page.html, new RegExp(EXPIRED_FORM));
    }
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const page = await browser.request('/logout', { method });
      assert.equal(page.status, 400, method);
      assert.match(page.html, new RegExp(EXPIRED_FORM), method);
    }
    assert.equal(await browser.viewer(), 'keeper', 'still logged in');
  });
});
