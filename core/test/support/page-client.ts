// A browser of sorts for page tests over plain HTTP: it keeps cookies, reads form tokens,
// submits forms and never follows redirects, so tests see each status and Location.
import assert from 'node:assert/strict';
import type { TestForge } from '../../src/testing/index.js';

export interface Page {
  status: number;
  html: string;
  location: string | null;
  setCookies: string[];
}

export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly t: TestForge) {}

  async request(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('Cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const res = await this.t.fetch(path, { ...init, headers, redirect: 'manual' });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=.*1970/i.test(a));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, html: await res.text(), location: res.headers.get('location'), setCookies };
  }

  get(path: string): Promise<Page> {
    return this.request(path);
  }

  /** GETs a page and reads the form token out of its forms. */
  async getForm(path: string): Promise<Page & { token: string }> {
    const page = await this.get(path);
    const token = page.html.match(/<input type="hidden" name="csrf_token" value="([^"]+)">/)?.[1];
    assert.ok(token, `${path} (status ${page.status}) has a form token`);
    return { ...page, token };
  }

  /** Posts a form; a list repeats its field, as checkboxes of one name do. */
  post(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Page> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    return this.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: body.toString(),
    });
  }

  /** Fills in the form at `formPath` (by default the page posted to), as a person would. */
  async submit(path: string, fields: Record<string, string | string[]>, formPath = path): Promise<Page> {
    const { token } = await this.getForm(formPath);
    return this.post(path, { ...fields, csrf_token: token });
  }

  async logIn(username: string, password: string): Promise<Page> {
    const page = await this.submit('/login', { username, password, next: '/' });
    assert.equal(page.status, 302, `${username} logs in: ${page.html}`);
    return page;
  }

  /** Who the page header says is logged in, or undefined. */
  async viewer(): Promise<string | undefined> {
    const home = await this.get('/');
    assert.equal(home.status, 200);
    return home.html.match(/class="viewer">([^<]*)</)?.[1];
  }
}

export function fieldError(html: string, field: string): string | undefined {
  return html.match(new RegExp(`<span class="field-error" id="${field}-error">([^<]*)</span>`))?.[1];
}

export function inputValue(html: string, field: string): string | undefined {
  return html.match(new RegExp(`<input id="${field}" name="${field}"[^>]*? value="([^"]*)"`))?.[1];
}

export function mainOf(html: string): string {
  return html.match(/<main id="main">([\s\S]*)<\/main>/)?.[1]?.trim() ?? '';
}
