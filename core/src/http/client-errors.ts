// Requests Node refuses before the app sees them (a request line or headers over 16 KiB, a
// malformed request): answered with Pagure's error JSON instead of Node's bare status line, so
// API clients read the same shape as for every other bad request.
import type { Socket } from 'node:net';

const REASONS: Record<string, { status: number; text: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, text: 'Request Header Fields Too Large', message: "The request's line or headers are too large" },
  HPE_URI_TOO_LONG: { status: 414, text: 'URI Too Long', message: 'The URL is too long' },
};

/** The 'clientError' listener of the forge's HTTP server. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || (error.code === 'ECONNRESET' && socket.destroyed)) {
    socket.destroy();
    return;
  }
  const reason = REASONS[error.code ?? ''] ?? { status: 400, text: 'Bad Request', message: 'This is not a request the forge can read' };
  const body = JSON.stringify({ error: reason.message, error_code: 'EINVALIDREQ' });
  socket.end(
    `HTTP/1.1 ${reason.status} ${reason.text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
