// A consumer on the real RabbitMQ with its own exchange and queue (so parallel runs never see
// each other's messages), and a loopback TCP proxy between the forge and a broker (RabbitMQ
// or Mosquitto) that a test can cut and restore.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import amqp, { type Channel, type ConsumeMessage } from 'amqplib';

export const RABBIT = { host: '127.0.0.1', port: 5672 };

export class Consumer {
  readonly messages: ConsumeMessage[] = [];
  private constructor(
    private readonly close_: () => Promise<void>,
    readonly exchange: string,
  ) {}

  /** Binds a fresh queue to a fresh topic exchange with `org.fedoraproject.*.pagure.#`. */
  static async start(): Promise<Consumer> {
    const exchange = `pagurus-test-${randomBytes(6).toString('hex')}`;
    const connection = await amqp.connect(`amqp://guest:guest@${RABBIT.host}:${RABBIT.port}/`);
    const channel: Channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchange, 'org.fedoraproject.*.pagure.#');
    const consumer = new Consumer(async () => {
      await channel.deleteExchange(exchange).catch(() => undefined);
      await connection.close();
    }, exchange);
    await channel.consume(
      queue,
      (message) => {
        if (message) consumer.messages.push(message);
      },
      { noAck: true },
    );
    return consumer;
  }

  topics(): string[] {
    return this.messages.map((m) => m.fields.routingKey);
  }

  body(message: ConsumeMessage): Record<string, unknown> {
    return JSON.parse(message.content.toString('utf8')) as Record<string, unknown>;
  }

  close(): Promise<void> {
    return this.close_();
  }
}

/** Pipes `client` to the broker on loopback port `target` and back; both sockets join `sockets` while open. */
export function forward(client: net.Socket, target: number, sockets: Set<net.Socket>): net.Socket {
  const upstream = net.connect(target, RABBIT.host);
  for (const socket of [client, upstream]) {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  }
  client.pipe(upstream);
  upstream.pipe(client);
  return upstream;
}

/** Forwards a loopback port to the broker until cut; restore() takes connections again. */
export class Proxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly upstreams = new Set<net.Socket>();
  private holding = false;
  port = 0;

  /** `target`: the broker's port on loopback (RabbitMQ's by default; Mosquitto is 1883). */
  constructor(private readonly target = RABBIT.port) {}

  async start(): Promise<this> {
    await this.listen();
    return this;
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = forward(client, this.target, this.sockets);
      this.upstreams.add(upstream);
      upstream.on('close', () => this.upstreams.delete(upstream));
      if (this.holding) upstream.pause();
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    return new Promise((resolve) =>
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      }),
    );
  }

  /** The broker takes what it is sent but its answers (confirms) stop coming back. */
  hold(): void {
    this.holding = true;
    for (const upstream of this.upstreams) upstream.pause();
  }

  release(): void {
    this.holding = false;
    for (const upstream of this.upstreams) upstream.resume();
  }

  /** The broker is gone: open connections drop, new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  async restore(): Promise<void> {
    await this.listen();
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
