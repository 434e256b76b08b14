// One browser's event stream: the response it holds open, the channels it follows, and
// the gate that decides, for its viewer, which private events it may receive. Frames are
// written in the order they arrive, even when a private one waits for a lookup.
import type { ServerResponse } from 'node:http';
import type { ChannelSpec, EventGate } from './access.js';
import { frameOf, type SseMessage } from './message.js';

/** A slow reader holding more than this unread is dropped: it reconnects and resumes. */
const MAX_UNREAD_BYTES = 1 << 20;

export class EventStream {
  closed = false;
  /** Pending work (a lookup, the replay), when frames must wait their turn. */
  private tail: Promise<void> | undefined;
  private readonly onClose: Array<() => void> = [];

  constructor(
    readonly res: ServerResponse,
    readonly channels: readonly ChannelSpec[],
    readonly gate: EventGate,
    /** The client's address, for the per-address cap. */
    readonly address: string,
    /** The stream follows something private: its access is checked again now and then. */
    public watchesPrivate: boolean,
  ) {
    res.on('close', () => this.close());
  }

  /** Runs `fn` on close (once). */
  whenClosed(fn: () => void): void {
    if (this.closed) fn();
    else this.onClose.push(fn);
  }

  write(text: string): void {
    if (this.closed) return;
    this.res.write(text);
    if (this.res.writableLength > MAX_UNREAD_BYTES) this.close();
  }

  /** Sends the message if the viewer may see it, after anything still pending. */
  send(message: SseMessage, frame: string = frameOf(message)): void {
    if (this.closed) return;
    if (!this.tail) {
      const allowed = this.gate.allows(message);
      if (allowed === true) return this.write(frame);
      if (allowed === false) return;
      return this.after(() => allowed.then((ok) => (ok ? this.write(frame) : undefined)));
    }
    this.after(async () => {
      if (await this.gate.allows(message)) this.write(frame);
    });
  }

  /** Queues work behind what is pending; frames stay in order. */
  after(work: () => Promise<void>): void {
    const run: Promise<void> = (this.tail ?? Promise.resolve())
      .then(() => (this.closed ? undefined : work()))
      .catch(() => this.close())
      .finally(() => {
        if (this.tail === run) this.tail = undefined;
      });
    this.tail = run;
  }

  /** Sends a named event (`revoked`, `reset`) that the page script acts on. */
  signal(name: string): void {
    this.write(`event: ${name}\ndata: {}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.res.writableEnded) this.res.end();
    for (const fn of this.onClose.splice(0)) fn();
  }
}
