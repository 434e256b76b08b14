// Redis connections: a start-up probe that fails fast with a one-line message, and the
// clients bull and pub/sub share.
import { Redis, type RedisOptions } from 'ioredis';
import { StartupError } from '../errors/index.js';

export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = '';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Connects once, without retrying, so an unreachable Redis stops start-up at once. */
export async function probeRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // The connection's own error (ECONNREFUSED, ENOTFOUND) says more than connect()'s rejection.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = (cause ?? (error as Error)).message;
    throw new StartupError(`cannot reach Redis at ${redactRedisUrl(url)} (redis.url): ${reason}`);
  } finally {
    client.disconnect();
  }
}

/** A long-lived client; blocking and subscriber clients need the bull-compatible options. */
export function createRedis(url: string, role: 'client' | 'subscriber' | 'blocking', onError: (error: Error) => void): Redis {
  const options: RedisOptions = role === 'client' ? {} : { maxRetriesPerRequest: null, enableReadyCheck: false };
  const client = new Redis(url, options);
  client.on('error', onError);
  return client;
}
