// A real web-hook receiver on loopback: records every POST, answers as the test says
// (a status, or holding the request open), and can go down and come back on its port.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: { topic: string; msg: Record<string, unknown>; msg_id: string; timestamp: number; i: number };
}

/** A status to answer, or 'hang' to keep the request open (until the receiver stops). */
export type Answer = number | 'hang';

export class Receiver {
  readonly requests: Received[] = [];
  answer: (request: Received) => Answer = () => 200;
  private server: Server | undefined;
  private readonly held = new Set<ServerResponse>();
  private port = 0;

  /** Listens (again, on the same port once it has one); does nothing while it is up. */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Received['json'];
        try {
          json = JSON.parse(body) as Received['json'];
        } catch {
          json = { topic: '', msg: {}, msg_id: '', timestamp: 0, i: 0 };
        }
        const received = { path: req.url ?? '', headers: req.headers, body, json };
        this.requests.push(received);
        const answer = this.answer(received);
        if (answer === 'hang') {
          this.held.add(res);
          return;
        }
        res.writeHead(answer, { 'Content-Type': 'text/plain' }).end(`answered ${answer}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Goes down: new connections are refused, held requests are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.held) res.destroy();
    this.held.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  on(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }
}

/** Polls `check` until it returns something truthy, or fails after `timeoutMs` saying what it waited for. */
type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 25_000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
