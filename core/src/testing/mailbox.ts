// A real SMTP server on loopback for tests: point mail.smtp_url at `url` and read what the
// forge sent, parsed as a mail client would (headers, threading, body).
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's sender and recipients (what the SMTP client said in MAIL FROM and RCPT TO). */
  envelope: { from: string; to: string[] };
  /** The To header's addresses. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  messageId: string | undefined;
  inReplyTo: string | undefined;
  references: string[];
  /** The Reply-To header's address, if any. */
  replyTo: string | undefined;
  /** Every header by lower-case name, as sent (a repeated header: its last value). */
  headers: Record<string, string>;
}

export interface Mailbox {
  /** smtp://127.0.0.1:<port>, for mail.smtp_url. */
  url: string;
  port: number;
  /** Every mail received so far, oldest first. */
  readonly messages: readonly ReceivedMail[];
  /** The mails whose envelope went to `address`, oldest first. */
  mailsTo(address: string): ReceivedMail[];
  /** The first mail (received already or later) that `predicate` accepts; rejects after `deadlineMs` (default 10 s). */
  waitFor(predicate: (mail: ReceivedMail) => boolean, deadlineMs?: number): Promise<ReceivedMail>;
  /** Stops listening (the port is free again: createMailbox({ port }) reopens it). */
  close(): Promise<void>;
}

const addresses = (value: ParsedMail['to']): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((group) => group.value.map((a) => a.address ?? '')).filter(Boolean);

function received(parsed: ParsedMail, envelope: ReceivedMail['envelope']): ReceivedMail {
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines)
    headers[key] = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n\s+/g, ' ')
      .trim();
  const references = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references];
  return {
    envelope,
    to: addresses(parsed.to),
    from: parsed.from?.value[0]?.address ?? '',
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    messageId: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references,
    replyTo: parsed.replyTo?.value[0]?.address,
    headers,
  };
}

/** Starts an SMTP server on 127.0.0.1 (a free port unless `port` is given) that keeps every mail. */
export async function createMailbox(options: { port?: number } = {}): Promise<Mailbox> {
  const messages: ReceivedMail[] = [];
  const arrivals = new EventEmitter();
  const server = new SMTPServer({
    // Plain SMTP without login: nodemailer would otherwise try STARTTLS against a self-signed certificate.
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    closeTimeout: 2000,
    logger: false,
    onData(stream, session, done) {
      const envelope = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      };
      simpleParser(stream)
        .then((parsed) => {
          const mail = received(parsed, envelope);
          messages.push(mail);
          arrivals.emit('mail', mail);
          done();
        })
        .catch((error: Error) => done(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    mailsTo: (address) => messages.filter((m) => m.envelope.to.includes(address)),
    waitFor(predicate, deadlineMs = 10_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onMail = (mail: ReceivedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          arrivals.off('mail', onMail);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          arrivals.off('mail', onMail);
          const seen = messages.map((m) => `${m.envelope.to.join(',')}: ${m.subject}`).join('; ') || 'none';
          reject(new Error(`no matching mail within ${deadlineMs} ms (received: ${seen})`));
        }, deadlineMs);
        arrivals.on('mail', onMail);
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closed;
    },
  };
}
