// A browser of sorts for page tests over plain HTTP: it keeps the session cookie, reads the
// form token (CSRF) out of forms, submits forms and never follows redirects, so a test sees
// each status and Location as the browser would get them.

export interface Page {
  status: number;
  html: string;
  location: string | null;
  setCookies: string[];
}

const FORM_TOKEN = /<input type="hidden" name="csrf_token" value="([^"]+)">/;

export class PageClient {
  readonly cookies = new Map<string, string>();

  /** `forge`: anything that fetches paths relative to the forge (a TestForge does). */
  constructor(private readonly forge: { fetch(pathname: string, init?: RequestInit): Promise<Response> }) {}

  async request(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('Cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const res = await this.forge.fetch(path, { ...init, headers, redirect: 'manual' });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=.*1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, html: await res.text(), location: res.headers.get('location'), setCookies };
  }

  get(path: string): Promise<Page> {
    return this.request(path);
  }

  /** GETs a page and reads the form token out of its forms (throws when it has none). */
  async getForm(path: string): Promise<Page & { token: string }> {
    const page = await this.get(path);
    const token = FORM_TOKEN.exec(page.html)?.[1];
    if (!token) throw new Error(`${path} (status ${page.status}) has no form token`);
    return { ...page, token };
  }

  /** Posts a form as is (add csrf_token yourself, or use submit); a list repeats its field, as checkboxes of one name do. */
  post(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Page> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    return this.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: body.toString(),
    });
  }

  /** Fills in the form at `formPath` (by default the page posted to) with its token, as a person would. */
  async submit(path: string, fields: Record<string, string | string[]>, formPath = path): Promise<Page> {
    const { token } = await this.getForm(formPath);
    return this.post(path, { ...fields, csrf_token: token });
  }

  /** Logs in through the login form (the password createUser gives by default: "<name>-password1"). */
  async logIn(username: string, password = `${username}-password1`): Promise<Page> {
    const page = await this.submit('/login', { username, password, next: '/' });
    if (page.status !== 302) throw new Error(`${username} could not log in (status ${page.status})`);
    return page;
  }

  /** Who the page header says is logged in, or undefined. */
  async viewer(): Promise<string | undefined> {
    const home = await this.get('/');
    return /class="viewer">([^<]*)</.exec(home.html)?.[1];
  }
}
