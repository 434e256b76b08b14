// One MQTT connection per process: a message counts as sent when the broker acknowledged it
// (QoS 1's PUBACK). Connected on first use; a lost connection is forgotten, and the next
// publish connects again (the drain's backoff paces the tries, not the client's).
import mqtt, { type MqttClient } from 'mqtt';
import { tlsOptions, type TlsFiles } from './tls.js';

export class MqttPublisher {
  private client: Promise<MqttClient> | undefined;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly tls?: TlsFiles,
  ) {}

  async publish(topic: string, payload: Buffer): Promise<void> {
    const client = await this.open();
    let timer: NodeJS.Timeout | undefined;
    try {
      // A connection that drops before the PUBACK leaves the publish waiting: the time limit ends it.
      await Promise.race([
        client.publishAsync(topic, payload, { qos: 1 }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the MQTT broker did not acknowledge within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
    } catch (error) {
      await this.forget();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async check(): Promise<void> {
    await this.open();
  }

  private open(): Promise<MqttClient> {
    if (this.client) return this.client;
    const opening: Promise<MqttClient> = (async () => {
      const client = await mqtt.connectAsync(
        this.url,
        {
          connectTimeout: this.timeoutMs,
          reconnectPeriod: 0,
          clean: true,
          ...tlsOptions(this.tls),
        },
        // A connection closed before CONNACK (a TLS handshake the broker refused) fails the try;
        // without this, the promise would wait for a reconnect that never comes.
        false,
      );
      client.on('error', () => undefined);
      client.on('close', () => {
        if (this.client === opening) this.client = undefined;
      });
      return client;
    })().catch((error: unknown) => {
      if (this.client === opening) this.client = undefined;
      throw error;
    });
    this.client = opening;
    return opening;
  }

  private async forget(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    // Forced: nothing is waited for (an unacknowledged message stays in the outbox), and a
    // connection still being made is given up on after a while.
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.then((c) => void c.end(true)).catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(this.timeoutMs, 2_000));
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  close(): Promise<void> {
    return this.forget();
  }
}

/** The MQTT topic of a Pagure topic: <prefix>/pagure/<topic, its dots as slashes>. */
export function mqttTopic(prefix: string, topic: string): string {
  return `${prefix}/pagure/${topic.replaceAll('.', '/')}`;
}
