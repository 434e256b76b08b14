// What the tests need to act as a browser: a session cookie from the login form, and an
// event-stream reader that waits for frames with a deadline.
import type { TestForge } from '@pagurus/core/testing';

/** Logs in through the page form; answers the Cookie header a browser would then send. */
export async function logIn(t: TestForge, name: string): Promise<string> {
  const form = await t.fetch('/login');
  const html = await form.text();
  const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the login page has no csrf_token');
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  keep(form);
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const response = await t.fetch('/login', {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie() },
    body: new URLSearchParams({ csrf_token: token, username: name, password: `${name}-password1`, next: '/' }).toString(),
  });
  if (response.status !== 302) throw new Error(`logging in as ${name} answered ${response.status}`);
  keep(response);
  return cookie();
}

export interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

export interface OpenStream {
  status: number;
  headers: Headers;
  /** The frames received so far (comments included). */
  frames: Frame[];
  /** Waits for the first frame (received or coming) that matches, from `from` on. */
  next(match: (frame: Frame) => boolean, timeoutMs?: number, from?: number): Promise<Frame>;
  /** Whether the server ended the stream. */
  ended(): boolean;
  waitEnd(timeoutMs?: number): Promise<void>;
  close(): void;
}

function parseFrame(text: string): Frame {
  const frame: Frame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      frame.comment = line.slice(1).trim();
      continue;
    }
    const at = line.indexOf(':');
    const field = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'id' || field === 'event' || field === 'retry') frame[field] = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
  }
  return frame;
}

/** Opens GET /_sse/stream?channels=... as a browser would (cookie, Last-Event-ID). */
export async function openStream(
  t: TestForge,
  channels: string,
  options: { cookie?: string; lastEventId?: string } = {},
): Promise<OpenStream> {
  const abort = new AbortController();
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (options.cookie) headers.Cookie = options.cookie;
  if (options.lastEventId) headers['Last-Event-ID'] = options.lastEventId;
  const response = await t.fetch(`/_sse/stream?channels=${encodeURIComponent(channels)}`, { headers, signal: abort.signal });
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  if (response.status === 200 && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let text = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          text += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = text.indexOf('\n\n')) >= 0) {
            frames.push(parseFrame(text.slice(0, end)));
            text = text.slice(end + 2);
          }
          wake();
        }
      } catch {
        // Aborted by close().
      }
      done = true;
      wake();
    })();
  } else {
    await response.text();
    done = true;
  }
  return {
    status: response.status,
    headers: response.headers,
    frames,
    next(match, timeoutMs = 5000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.slice(from).find(match);
          if (found) {
            finish();
            resolve(found);
          } else if (done) {
            finish();
            reject(new Error(`the stream ended without the frame; got ${JSON.stringify(frames)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no such frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    ended: () => done,
    waitEnd(timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the stream did not end within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}

/** The JSON of a data frame. */
export const dataOf = (frame: Frame): Record<string, unknown> => JSON.parse(frame.data ?? '{}') as Record<string, unknown>;

/** Polls `read` until `ok` holds, or fails with the last value after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
