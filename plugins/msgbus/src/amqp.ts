// One AMQP connection per process, with a confirm channel: a message counts as sent when the
// broker confirmed it. Connected on first use; a lost connection is forgotten, and the next
// publish connects again.
import amqp, { type ConfirmChannel, type Options } from 'amqplib';
import { tlsOptions, type TlsFiles } from './tls.js';

export class AmqpPublisher {
  private channel: Promise<ConfirmChannel> | undefined;
  private closeConnection: (() => Promise<void>) | undefined;
  private declared = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly tls?: TlsFiles,
  ) {}

  get connected(): boolean {
    return this.channel !== undefined;
  }

  /** Publishes one message and resolves once the broker confirmed it; rejects if it did not. */
  async publish(exchange: string, routingKey: string, content: Buffer, properties: Options.Publish): Promise<void> {
    const channel = await this.open();
    if (!this.declared.has(exchange)) {
      // amq.topic exists already; another name is made as a durable topic exchange.
      if (!exchange.startsWith('amq.')) await channel.assertExchange(exchange, 'topic', { durable: true });
      this.declared.add(exchange);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        channel.publish(exchange, routingKey, content, properties, (error: unknown) =>
          error ? reject(error instanceof Error ? error : new Error(`the broker refused the message: ${String(error)}`)) : resolve(),
        );
      });
    } catch (error) {
      await this.forget();
      throw error;
    }
  }

  /** Connects (if it is not), to see that the broker answers. */
  async check(): Promise<void> {
    await this.open();
  }

  private open(): Promise<ConfirmChannel> {
    this.channel ??= (async () => {
      const connection = await amqp.connect(this.url, { timeout: this.timeoutMs, ...tlsOptions(this.tls) });
      connection.on('error', () => undefined);
      connection.on('close', () => void this.forget());
      this.closeConnection = () => connection.close();
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      channel.on('close', () => void this.forget());
      return channel;
    })().catch(async (error: unknown) => {
      await this.forget();
      throw error;
    });
    return this.channel;
  }

  private async forget(): Promise<void> {
    const close = this.closeConnection;
    this.channel = undefined;
    this.closeConnection = undefined;
    this.declared.clear();
    // A broker that stopped answering must not hold up a shutdown: closing gives up after a while.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      close?.().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(this.timeoutMs, 2_000));
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.forget();
  }
}
