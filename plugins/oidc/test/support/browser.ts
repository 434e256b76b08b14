// A browser of sorts over fetch for the login flow across two origins (the forge and the
// provider): cookies kept per origin and path, redirects followed one by one, so a test can
// stop where it wants and look at each step.
export interface Step {
  url: string;
  status: number;
  location: string | null;
  body: string;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export class FlowBrowser {
  private readonly jars = new Map<string, Cookie[]>();

  private cookieHeader(url: URL): string {
    return (this.jars.get(url.origin) ?? [])
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private keep(url: URL, lines: string[]): void {
    const jar = this.jars.get(url.origin) ?? [];
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const path = attributes.map((a) => /^\s*path=(.*)$/i.exec(a)?.[1]?.trim()).find(Boolean) ?? '/';
      const expired = !value || attributes.some((a) => /^\s*expires=.*1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      const others = jar.filter((c) => !(c.name === name && c.path === path));
      jar.length = 0;
      jar.push(...others);
      if (!expired) jar.push({ name, value, path });
    }
    this.jars.set(url.origin, jar);
  }

  /** One request, no redirect followed. */
  async step(target: string, init: RequestInit = {}): Promise<Step> {
    const url = new URL(target);
    const headers = new Headers(init.headers);
    const cookies = this.cookieHeader(url);
    if (cookies) headers.set('Cookie', cookies);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.keep(url, res.headers.getSetCookie());
    const location = res.headers.get('location');
    return { url: url.href, status: res.status, location: location && new URL(location, url).href, body: await res.text() };
  }

  /** Posts a form, its token read from the page at `formPage` (as a person would submit it). */
  async submit(target: string, fields: Record<string, string>, formPage: string): Promise<Step> {
    const page = await this.step(formPage);
    const token = /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return this.step(target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, csrf_token: token }).toString(),
    });
  }

  /** Follows redirects from `target` until a page answers, or `until` says stop; answers every step. */
  async go(target: string, until: (step: Step) => boolean = () => false): Promise<Step[]> {
    const steps: Step[] = [];
    let next: string | null = target;
    while (next && steps.length < 20) {
      const step = await this.step(next);
      steps.push(step);
      if (until(step) || step.status < 300 || step.status >= 400) break;
      next = step.location;
    }
    return steps;
  }

  /** The cookie's value for the origin, if the browser holds it. */
  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(new URL(origin).origin)?.find((c) => c.name === name)?.value;
  }
}
