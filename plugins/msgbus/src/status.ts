// `pagurus msgbus status`: where each transport's publisher stands, for an admin. The
// outbox (how many messages wait, and since when), what was last sent and the last error
// the workers met, and whether the broker answers this process now.
import type { ForgeApi } from '@pagurus/core';
import { AmqpPublisher } from './amqp.js';
import { MqttPublisher } from './mqtt.js';
import type { MsgbusOptions } from './options.js';

export interface Status {
  transport: 'amqp' | 'mqtt';
  broker: string;
  reachable: boolean;
  problem?: string;
  waiting: number;
  oldestSeconds: number | null;
  sent: number;
  lastSentAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
}

/** The broker's URL without its password. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

/** Where each configured transport stands; none when neither is configured. */
export async function status(forge: ForgeApi, options: MsgbusOptions): Promise<Status[]> {
  const found: Status[] = [];
  const { amqp, mqtt } = options;
  if (amqp) {
    const probe = new AmqpPublisher(amqp.url, amqp.connect_timeout_ms, amqp.tls);
    found.push(
      await transportStatus(
        forge,
        'amqp',
        `${redacted(amqp.url)} exchange ${amqp.exchange}, routing keys ${amqp.topic_prefix}.pagure.<topic>`,
        probe,
      ),
    );
  }
  if (mqtt) {
    const probe = new MqttPublisher(mqtt.url, mqtt.connect_timeout_ms, mqtt.tls);
    found.push(await transportStatus(forge, 'mqtt', `${redacted(mqtt.url)} topics ${mqtt.topic_prefix}/pagure/<topic>`, probe));
  }
  return found;
}

async function transportStatus(
  forge: ForgeApi,
  transport: 'amqp' | 'mqtt',
  broker: string,
  probe: { check(): Promise<void>; close(): Promise<void> },
): Promise<Status> {
  const [outbox, row] = await Promise.all([
    forge.db('msgbus_outbox').where({ transport }).count('* as n').min('created_at as oldest').first() as Promise<
      { n: string | number; oldest: Date | string | null } | undefined
    >,
    forge.db('msgbus_status').where({ transport }).first() as Promise<
      { sent: string | number; last_sent_at: Date | null; last_error: string | null; last_error_at: Date | null } | undefined
    >,
  ]);
  let problem: string | undefined;
  try {
    await probe.check();
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  } finally {
    await probe.close();
  }
  return {
    transport,
    broker,
    reachable: problem === undefined,
    ...(problem === undefined ? {} : { problem }),
    waiting: Number(outbox?.n ?? 0),
    oldestSeconds: outbox?.oldest ? Math.round((Date.now() - new Date(outbox.oldest).getTime()) / 1000) : null,
    sent: Number(row?.sent ?? 0),
    lastSentAt: row?.last_sent_at ? new Date(row.last_sent_at) : null,
    lastError: row?.last_error ?? null,
    lastErrorAt: row?.last_error_at ? new Date(row.last_error_at) : null,
  };
}

export function describe(s: Status): string[] {
  const when = (d: Date | null) => (d ? d.toISOString() : 'never');
  return [
    `${s.transport}: ${s.broker}`,
    `broker: ${s.reachable ? 'reachable' : `not reachable (${s.problem})`}`,
    `outbox: ${s.waiting} waiting${s.oldestSeconds === null ? '' : `, the oldest for ${s.oldestSeconds} s`}`,
    `sent: ${s.sent} in all, the last at ${when(s.lastSentAt)}`,
    `last error: ${s.lastError ? `${s.lastError} (at ${when(s.lastErrorAt)})` : 'none'}`,
  ];
}
