// `pagurus msgbus status`: where the publisher stands, for an admin. The outbox (how many
// messages wait, and since when), what was last sent and the last error the workers met,
// and whether the broker answers this process now.
import type { ForgeApi } from '@pagurus/core';
import { AmqpPublisher } from './amqp.js';
import type { MsgbusOptions } from './options.js';

export interface Status {
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

export async function status(forge: ForgeApi, options: MsgbusOptions): Promise<Status | undefined> {
  const amqp = options.amqp;
  if (!amqp) return undefined;
  const [outbox, row] = await Promise.all([
    forge
      .db('msgbus_outbox')
      .count<Array<{ n: string | number }>>('* as n')
      .min<Array<{ oldest: Date | string | null }>>('created_at as oldest')
      .first(),
    forge.db('msgbus_status').where({ transport: 'amqp' }).first() as Promise<
      { sent: string | number; last_sent_at: Date | null; last_error: string | null; last_error_at: Date | null } | undefined
    >,
  ]);
  const probe = new AmqpPublisher(amqp.url, amqp.connect_timeout_ms);
  let problem: string | undefined;
  try {
    await probe.check();
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  } finally {
    await probe.close();
  }
  const oldest = (outbox as { oldest?: Date | string | null } | undefined)?.oldest;
  return {
    broker: `${redacted(amqp.url)} exchange ${amqp.exchange}, routing keys ${amqp.topic_prefix}.pagure.<topic>`,
    reachable: problem === undefined,
    ...(problem === undefined ? {} : { problem }),
    waiting: Number((outbox as { n?: string | number } | undefined)?.n ?? 0),
    oldestSeconds: oldest ? Math.round((Date.now() - new Date(oldest).getTime()) / 1000) : null,
    sent: Number(row?.sent ?? 0),
    lastSentAt: row?.last_sent_at ? new Date(row.last_sent_at) : null,
    lastError: row?.last_error ?? null,
    lastErrorAt: row?.last_error_at ? new Date(row.last_error_at) : null,
  };
}

export function describe(s: Status): string[] {
  const when = (d: Date | null) => (d ? d.toISOString() : 'never');
  return [
    `amqp: ${s.broker}`,
    `broker: ${s.reachable ? 'reachable' : `not reachable (${s.problem})`}`,
    `outbox: ${s.waiting} waiting${s.oldestSeconds === null ? '' : `, the oldest for ${s.oldestSeconds} s`}`,
    `sent: ${s.sent} in all, the last at ${when(s.lastSentAt)}`,
    `last error: ${s.lastError ? `${s.lastError} (at ${when(s.lastErrorAt)})` : 'none'}`,
  ];
}
