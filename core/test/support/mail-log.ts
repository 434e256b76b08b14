// Reading the mails a forge "sent": without mail.smtp_url they are written to the log, as
// an admin of a small instance reads them. Give `logger` to createTestForge.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { eventually } from './wait.js';

export interface LoggedMail {
  to: string;
  subject: string;
  text: string;
}

export interface MailLog {
  logger: Logger;
  /** The mails logged to `address` so far, oldest first. */
  mailsTo(address: string): LoggedMail[];
  /** The links to `path` (such as "/settings/email/confirm/") in those mails, oldest first. */
  linksTo(address: string, path: string): string[];
  /** Waits for the `nth` (1-based) such link and answers it. */
  link(address: string, path: string, nth?: number): Promise<string>;
  /** Every other log line so far (requests and the rest), as logged. */
  otherLines(): string[];
}

export function mailLog(): MailLog {
  const mails: LoggedMail[] = [];
  const others: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { mail?: LoggedMail };
        if (entry.mail) mails.push(entry.mail);
        else others.push(line);
      }
      done();
    },
  });
  const mailsTo = (address: string) => mails.filter((mail) => mail.to === address);
  const linksTo = (address: string, path: string) =>
    mailsTo(address).flatMap((mail) =>
      [...mail.text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]).filter((link) => new URL(link).pathname.startsWith(path)),
    );
  return {
    logger: pino({ level: 'info' }, sink),
    mailsTo,
    linksTo,
    link: (address, path, nth = 1) => eventually(() => linksTo(address, path)[nth - 1], `link ${nth} to ${path} mailed to ${address}`),
    otherLines: () => [...others],
  };
}
