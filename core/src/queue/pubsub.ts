// Pub/sub for live updates: an in-process emitter in the embedded mode, Redis channels
// (under the configured prefix) when several processes run.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { createRedis } from './redis.js';
import type { PubSub } from './types.js';

export class LocalPubSub implements PubSub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, message: unknown): Promise<void> {
    // A copy, so listeners see what a Redis subscriber would: data, not shared objects.
    this.emitter.emit(channel, JSON.parse(JSON.stringify(message)) as unknown);
  }

  subscribe(channel: string, listener: (message: unknown) => void): () => void {
    this.emitter.on(channel, listener);
    return () => this.emitter.off(channel, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class RedisPubSub implements PubSub {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly local = new EventEmitter().setMaxListeners(0);

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly onError: (error: Error) => void,
  ) {
    this.publisher = createRedis(url, 'client', onError);
    this.subscriber = createRedis(url, 'subscriber', onError);
    this.subscriber.on('message', (channel: string, text: string) => {
      try {
        this.local.emit(channel, JSON.parse(text) as unknown);
      } catch (error) {
        this.onError(error as Error);
      }
    });
  }

  private channel(name: string): string {
    return `${this.prefix}:pubsub:${name}`;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.publisher.publish(this.channel(channel), JSON.stringify(message));
  }

  subscribe(channel: string, listener: (message: unknown) => void): () => void {
    const name = this.channel(channel);
    if (this.local.listenerCount(name) === 0) void this.subscriber.subscribe(name).catch(this.onError);
    this.local.on(name, listener);
    return () => {
      this.local.off(name, listener);
      if (this.local.listenerCount(name) === 0) void this.subscriber.unsubscribe(name).catch(this.onError);
    };
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
