// A stub HTTP server on loopback for a plugin's outgoing calls (webhooks, CI servers, APIs):
// it records every request it gets and answers from a script, so a test asserts what the
// plugin sent and how it copes with what came back (errors, slowness, redirects).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  /** The path with its query string. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body, and as text. */
  body: Buffer;
  text: string;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface StubAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: string | Buffer | object;
  /** Waits this long before answering (for timeouts). */
  delayMs?: number;
}

/** Answers one request; undefined falls back to the next queued answer, then 200 "ok". */
export type StubHandler = (request: StubRequest) => StubAnswer | undefined | Promise<StubAnswer | undefined>;

export interface StubServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Every request so far, oldest first. */
  readonly requests: readonly StubRequest[];
  /** Queues answers for the next requests, one each, before the default. */
  answerNext(...answers: StubAnswer[]): void;
  /** Replaces the handler asked first for every request. */
  handle(handler: StubHandler | undefined): void;
  /** Waits until `count` requests (matching `predicate`, if given) have arrived. */
  waitForRequests(count: number, predicate?: (request: StubRequest) => boolean, timeoutMs?: number): Promise<StubRequest[]>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function send(res: ServerResponse, answer: StubAnswer): Promise<void> {
  if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
  if (res.destroyed) return;
  const plain = typeof answer.body === 'string' || Buffer.isBuffer(answer.body) || answer.body === undefined;
  const body = plain ? ((answer.body as string | Buffer | undefined) ?? 'ok') : JSON.stringify(answer.body);
  const type = plain ? 'text/plain' : 'application/json';
  res.writeHead(answer.status ?? 200, { 'content-type': type, ...answer.headers });
  res.end(body);
}

/** Starts the stub on a free loopback port. */
export async function startStubServer(handler?: StubHandler): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const queued: StubAnswer[] = [];
  const arrivals = new Set<() => void>();
  let current = handler;
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const request: StubRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
        text: body.toString('utf8'),
        at: Date.now(),
      };
      requests.push(request);
      for (const arrived of [...arrivals]) arrived();
      const answer = (await current?.(request)) ?? queued.shift() ?? {};
      await send(res, answer);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    answerNext: (...answers) => void queued.push(...answers),
    handle: (next) => void (current = next),
    waitForRequests(count, predicate = () => true, timeoutMs = 10_000) {
      const matching = () => requests.filter(predicate);
      if (matching().length >= count) return Promise.resolve(matching());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          arrivals.delete(check);
          reject(new Error(`the stub server got ${matching().length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (matching().length < count) return;
          clearTimeout(timer);
          arrivals.delete(check);
          resolve(matching());
        };
        arrivals.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
