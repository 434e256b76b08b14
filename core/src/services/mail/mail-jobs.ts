// The mail.send job: one message to one address, retried while the SMTP server is away.
// Its data is the mail in plain values (headers as "Name: value" lines), ready to send.
import type { JobRegistry, Mail } from '../../plugins/index.js';
import type { Mailer } from '../mail.js';

export const MAIL_JOBS = { send: 'mail.send' } as const;

/** About 17 minutes of retries (1 s, 2 s, 4 s... between tries) before a mail is given up. */
export const MAIL_SEND_ATTEMPTS = 11;
export const MAIL_SEND_BACKOFF_MS = 1000;

export type MailJobData = {
  to: string;
  subject: string;
  text: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  replyTo: string | null;
  headers: string[];
};

export function mailJobData(mail: Mail): MailJobData {
  return {
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    messageId: mail.messageId ?? null,
    inReplyTo: mail.inReplyTo ?? null,
    references: mail.references ?? [],
    replyTo: mail.replyTo ?? null,
    headers: Object.entries(mail.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
  };
}

export function mailFromJobData(data: MailJobData): Mail {
  const mail: Mail = { to: data.to, subject: data.subject, text: data.text };
  if (data.messageId) mail.messageId = data.messageId;
  if (data.inReplyTo) mail.inReplyTo = data.inReplyTo;
  if (data.references.length) mail.references = data.references;
  if (data.replyTo) mail.replyTo = data.replyTo;
  if (data.headers.length) {
    mail.headers = Object.fromEntries(
      data.headers.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1).trim()];
      }),
    );
  }
  return mail;
}

export function defineMailJobs(registry: JobRegistry, mailer: Mailer): void {
  registry.define<MailJobData>({
    name: MAIL_JOBS.send,
    durable: true,
    attempts: MAIL_SEND_ATTEMPTS,
    backoffMs: MAIL_SEND_BACKOFF_MS,
    async run(data) {
      await mailer.send(mailFromJobData(data));
    },
  });
}
