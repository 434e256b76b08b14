// The process's one subscription to the forge's live channel, fanned out in memory to the
// streams connected here (never one Redis subscription per browser), with a short replay
// buffer for Last-Event-ID, hub-wide heartbeats, and the periodic re-check of streams that
// follow something private.
import type { ForgeServices, Logger, PubSub } from '@pagurus/core';
import { mayFollow } from './access.js';
import { changesAccess, channelsOf, frameOf, parseMessage, type SseMessage } from './message.js';
import type { EventStream } from './stream.js';

/** The pub/sub channel every process publishes its events on. */
export const PUBSUB_CHANNEL = 'sse.events';

export interface HubOptions {
  heartbeatMs: number;
  replaySize: number;
  recheckMs: number;
}

export interface HubStats {
  streams: number;
  channels: number;
  addresses: number;
  buffered: number;
  subscribed: boolean;
}

export class Hub {
  private readonly streams = new Set<EventStream>();
  private readonly byChannel = new Map<string, Set<EventStream>>();
  private readonly byProject = new Map<number, Set<EventStream>>();
  private readonly perAddress = new Map<string, number>();
  /** The latest messages, oldest first (a ring: `start` is the oldest). */
  private readonly buffer: SseMessage[] = [];
  private start = 0;
  /** The highest sequence pushed out of the buffer: a client behind it missed something. */
  private evictedUpTo = 0;
  private seen = false;
  private unsubscribe: (() => void) | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly services: ForgeServices,
    private readonly log: Logger,
    private readonly options: HubOptions,
  ) {}

  /** Subscribes once for the whole process and starts the timers. */
  open(pubsub: PubSub): void {
    if (this.unsubscribe) return;
    this.unsubscribe = pubsub.subscribe(PUBSUB_CHANNEL, (raw) => {
      const message = parseMessage(raw);
      if (message) this.receive(message);
    });
    const every = (ms: number, fn: () => void) => this.timers.push(setInterval(fn, ms).unref());
    every(this.options.heartbeatMs, () => {
      for (const stream of this.streams) stream.write(': heartbeat\n\n');
    });
    every(this.options.recheckMs, () => {
      for (const stream of this.streams) if (stream.watchesPrivate) this.recheck(stream);
    });
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const stream of [...this.streams]) stream.close();
  }

  /** Whether another stream from this address stays within `max`. */
  admits(address: string, max: number): boolean {
    return (this.perAddress.get(address) ?? 0) < max;
  }

  /** Adds a stream; replays what it missed since `lastSeen` first, if it says. */
  add(stream: EventStream, lastSeen: number | undefined): void {
    this.streams.add(stream);
    this.perAddress.set(stream.address, (this.perAddress.get(stream.address) ?? 0) + 1);
    for (const channel of stream.channels) {
      addTo(this.byChannel, channel.name, stream);
      addTo(this.byProject, channel.project, stream);
    }
    stream.whenClosed(() => this.remove(stream));
    if (lastSeen !== undefined) this.replay(stream, lastSeen);
  }

  private remove(stream: EventStream): void {
    if (!this.streams.delete(stream)) return;
    const left = (this.perAddress.get(stream.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(stream.address, left);
    else this.perAddress.delete(stream.address);
    for (const channel of stream.channels) {
      removeFrom(this.byChannel, channel.name, stream);
      removeFrom(this.byProject, channel.project, stream);
    }
  }

  private replay(stream: EventStream, lastSeen: number): void {
    if (this.evictedUpTo > lastSeen) {
      // Older than the buffer: the page reloads what it shows instead.
      stream.signal('reset');
      return;
    }
    const names = new Set(stream.channels.map((c) => c.name));
    for (const message of this.buffered()) {
      if (message.seq > lastSeen && channelsOf(message).some((c) => names.has(c))) stream.send(message);
    }
  }

  private buffered(): SseMessage[] {
    return [...this.buffer.slice(this.start), ...this.buffer.slice(0, this.start)];
  }

  private remember(message: SseMessage): void {
    // What happened before this process's first message is unknown here: as if evicted.
    if (!this.seen) {
      this.seen = true;
      this.evictedUpTo = Math.max(this.evictedUpTo, message.seq - 1);
    }
    if (this.options.replaySize === 0) {
      this.evictedUpTo = Math.max(this.evictedUpTo, message.seq);
      return;
    }
    if (this.buffer.length < this.options.replaySize) {
      this.buffer.push(message);
      return;
    }
    this.evictedUpTo = Math.max(this.evictedUpTo, this.buffer[this.start]!.seq);
    this.buffer[this.start] = message;
    this.start = (this.start + 1) % this.buffer.length;
  }

  /** One message from any process: to every stream here that follows one of its channels. */
  receive(message: SseMessage): void {
    this.remember(message);
    if (message.project !== null && changesAccess(message.topic)) {
      const onProject = this.byProject.get(message.project) ?? new Set<EventStream>();
      for (const stream of onProject) stream.gate.forget(message.project);
      // Only what the change can hide is checked again: an issue's own streams for an issue
      // event, the project's for a project event; public changes only matter to streams that
      // already follow something private (a public project's crowd is not re-checked).
      const affected = message.kind === 'issue' ? this.byChannel.get(`issue:${message.project}:${message.n}`) : onProject;
      const hides = message.priv.p || message.priv.i;
      for (const stream of affected ?? []) {
        if (!hides && !stream.watchesPrivate) continue;
        stream.watchesPrivate = true;
        this.recheck(stream);
      }
    }
    const targets = new Set<EventStream>();
    for (const channel of channelsOf(message)) for (const stream of this.byChannel.get(channel) ?? []) targets.add(stream);
    if (!targets.size) return;
    const frame = frameOf(message);
    for (const stream of targets) stream.send(message, frame);
  }

  /** Checks again that the stream's viewer may follow all its channels; ends it if not. */
  private recheck(stream: EventStream): void {
    stream.after(async () => {
      const name = stream.gate.viewer.user?.name;
      const user = name ? await this.services.users.byName(name) : null;
      if (name && !user) return this.revoke(stream);
      const viewer = await this.services.access.viewer(user ?? null);
      stream.gate.viewer = viewer;
      for (const channel of stream.channels) {
        if (!(await mayFollow(this.services, viewer, channel))) return this.revoke(stream);
      }
    });
  }

  private revoke(stream: EventStream): void {
    this.log.debug({ channels: stream.channels.map((c) => c.name) }, 'stream closed: access revoked');
    stream.signal('revoked');
    stream.close();
  }

  stats(): HubStats {
    return {
      streams: this.streams.size,
      channels: this.byChannel.size,
      addresses: this.perAddress.size,
      buffered: this.buffer.length,
      subscribed: !!this.unsubscribe,
    };
  }
}

function addTo<K>(map: Map<K, Set<EventStream>>, key: K, stream: EventStream): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(stream);
}

function removeFrom<K>(map: Map<K, Set<EventStream>>, key: K, stream: EventStream): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(stream);
  if (!set.size) map.delete(key);
}
