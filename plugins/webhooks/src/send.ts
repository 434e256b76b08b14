// One POST of a web-hook: to the address the guard checked (the host name still goes in
// Host and, for https, in SNI and the certificate check), within a deadline, redirects not
// followed. What the receiver answered is kept short for the delivery log.
import http from 'node:http';
import https from 'node:https';
import type { Target } from './network-guard.js';

/** At most this much of a response is kept (bytes). */
export const EXCERPT_BYTES = 1024;

export interface SendResult {
  /** The HTTP status, or null when no answer came (timeout, refused connection...). */
  status: number | null;
  /** The start of the response body, or what went wrong. */
  excerpt: string;
  durationMs: number;
  timedOut: boolean;
}

export function post(target: Target, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { url } = target;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve({ ...result, durationMs: elapsed() });
    };
    const request = client.request({
      method: 'POST',
      // Connect to the checked address: no second DNS lookup can send us elsewhere.
      host: target.address,
      family: target.family,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      servername: url.protocol === 'https:' && !/^[\d.]+$|:/.test(url.hostname) ? url.hostname : undefined,
      headers: { ...headers, Host: url.host, 'Content-Length': String(Buffer.byteLength(body)) },
      agent: false,
    });
    // One deadline for connecting, sending and the first KB of the answer.
    const timer = setTimeout(() => finish({ status: null, excerpt: `no answer within ${timeoutMs} ms`, timedOut: true }), timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({ status: null, excerpt: `${error.code ?? 'error'}: ${error.message}`.slice(0, EXCERPT_BYTES), timedOut: false }),
    );
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          status: response.statusCode ?? null,
          excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'),
          timedOut: false,
        });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= EXCERPT_BYTES) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.end(body);
  });
}

export type Verdict = 'delivered' | 'retry' | 'failed';

/**
 * 2xx is delivered. 5xx, 408, 429 and no answer at all are worth another try. Any other 4xx
 * will not change by retrying, and a 3xx is not followed (it could point inward), so both fail.
 */
export function verdict(result: SendResult): Verdict {
  const { status } = result;
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || status === 408 || status === 429) return 'retry';
  return 'failed';
}
