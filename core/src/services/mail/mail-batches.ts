// The storm guard: a bulk change (a script closing 500 issues) must not send 500 mails to one
// person. Each address has a window (mail.batch_window_seconds, from the first mail it sends);
// its first mail.batch_after notifications go at once, the rest of the window's are held in the
// database, and when the window ends the mail.digest job sends them together as one mail and
// starts the next window. Held mails commit with the mail subscriber's cursor, so a crash
// loses none: the digest job is queued again for whatever is still held when jobs start.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { JobRegistry, Mail } from '../../plugins/index.js';
import type { ServiceContext } from '../context.js';
import { MAIL_JOBS, mailJobData } from './mail-jobs.js';
import { mailHost } from './threading.js';

export const MAIL_DIGEST_JOB = 'mail.digest';

/** How much of one held mail's text the digest keeps (its last line, the link, is always kept). */
const HELD_TEXT_MAX = 1500;

interface WindowRow {
  started_at: Date | string;
  sent: number;
}

interface HeldRow {
  id: number;
  subject: string;
  text: string;
  held_at: Date | string;
}

/** The text kept of a held mail: all of it, or its start, an ellipsis and its last line. */
export function heldExcerpt(text: string, max = HELD_TEXT_MAX): string {
  if (text.length <= max) return text;
  const trimmed = text.replace(/\s+$/, '');
  const lastBreak = trimmed.lastIndexOf('\n');
  const last = lastBreak >= 0 ? trimmed.slice(lastBreak + 1) : '';
  return `${trimmed.slice(0, Math.max(0, max - last.length - 8)).trimEnd()}\n[…]\n${last}\n`;
}

export class MailBatches {
  constructor(private readonly ctx: ServiceContext) {}

  private get windowMs(): number {
    return this.ctx.config.mail.batchWindowSeconds * 1000;
  }

  /**
   * Sends `mail` (queues mail.send under `sendKey`) or, past the address's count for its
   * window, holds it for the window's digest. Runs in the mail subscriber's transaction:
   * the address's window row stays locked until it commits.
   */
  async route(trx: Knex.Transaction, mail: Mail, sendKey: string): Promise<'sent' | 'held'> {
    const address = mail.to;
    const now = Date.now();
    const window = (await trx('mail_windows').where({ address }).forUpdate().first('started_at', 'sent')) as WindowRow | undefined;
    const startedAt = window ? new Date(window.started_at).getTime() : 0;
    if (!window || now - startedAt >= this.windowMs) {
      await trx('mail_windows')
        .insert({ address, started_at: new Date(now), sent: 1 })
        .onConflict('address')
        .merge(['started_at', 'sent']);
    } else if (window.sent < this.ctx.config.mail.batchAfter) {
      await trx('mail_windows').where({ address }).increment('sent', 1);
    } else {
      await trx('mail_held').insert({ address, subject: mail.subject, text: heldExcerpt(mail.text) });
      // One digest per window: the key makes every later hold of the window a no-op.
      await this.ctx.jobs.enqueue(
        MAIL_DIGEST_JOB,
        { address },
        { key: `${address}:${startedAt}`, delayMs: Math.max(0, startedAt + this.windowMs - now) },
      );
      return 'held';
    }
    // With the subscriber's transaction: written to the job outbox with its cursor, queued once it commits.
    await this.ctx.jobs.enqueue(MAIL_JOBS.send, mailJobData(mail), { key: sendKey, trx });
    return 'sent';
  }

  /** The mail.digest job: sends what is held for `address` as one mail; the next window starts. */
  async digest(address: string): Promise<number> {
    return this.ctx.db.transaction(async (trx) => {
      // Waits for a mail subscriber still holding a mail for this address, so its mail is seen.
      await trx('mail_windows').where({ address }).forUpdate().first('address');
      const held = (await trx('mail_held')
        .where({ address })
        .orderBy('id')
        .forUpdate()
        .select('id', 'subject', 'text', 'held_at')) as HeldRow[];
      if (!held.length) return 0;
      await trx('mail_held')
        .whereIn(
          'id',
          held.map((h) => h.id),
        )
        .delete();
      await trx('mail_windows').insert({ address, started_at: new Date(), sent: 1 }).onConflict('address').merge(['started_at', 'sent']);
      // Written to the job outbox with the deletion of the held mails, queued once it commits
      // (under a key of the first held mail, so a replay queues it once).
      await this.ctx.jobs.enqueue(MAIL_JOBS.send, mailJobData(this.digestMail(address, held)), {
        key: `digest:${address}:${held[0]!.id}`,
        trx,
      });
      this.ctx.log.info({ to: address, mails: held.length }, 'sent held notification mails as one digest');
      return held.length;
    });
  }

  /** Queues a digest for every address with held mail (at start: a lost digest job is made again). */
  async sweep(): Promise<number> {
    const rows = (await this.ctx.db('mail_held').groupBy('address').select('address').min({ first: 'id' })) as Array<{
      address: string;
      first: number;
    }>;
    for (const row of rows)
      await this.ctx.jobs.enqueue(MAIL_DIGEST_JOB, { address: row.address }, { key: `sweep:${row.address}:${row.first}` });
    return rows.length;
  }

  private digestMail(address: string, held: HeldRow[]): Mail {
    const site = this.ctx.config.url.replace(/\/+$/, '');
    const { batchAfter, batchWindowSeconds } = this.ctx.config.mail;
    const minutes = Math.max(1, Math.round(batchWindowSeconds / 60));
    const intro =
      `${held.length} more notification${held.length === 1 ? '' : 's'} arrived for you after the first ${batchAfter} ` +
      `within ${minutes} minute${minutes === 1 ? '' : 's'}; here they are together, oldest first.\n` +
      `To answer one, follow its link.\n`;
    const items = held.map((h) => `-------- ${h.subject}\n\n${h.text.replace(/\s+$/, '')}\n`);
    const tag = createHash('sha256').update(address).digest('hex').slice(0, 12);
    return {
      to: address,
      subject: `[${this.ctx.config.instanceName}] ${held.length} notification${held.length === 1 ? '' : 's'} held back`,
      text: `${intro}\n${items.join('\n')}`,
      messageId: `<digest-${held[0]!.id}-${tag}@${mailHost(site)}>`,
      headers: { 'X-Auto-Response-Suppress': 'All', 'X-Pagure': site },
    };
  }
}

export function defineMailDigestJob(registry: JobRegistry, batches: MailBatches): void {
  registry.define<{ address: string }>({
    name: MAIL_DIGEST_JOB,
    attempts: 5,
    run: async (data) => ({ mails: await batches.digest(data.address) }),
  });
}
