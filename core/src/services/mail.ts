// Outgoing mail: SMTP through nodemailer when mail.smtp_url is set, otherwise the log,
// so a small instance without mail still shows password-reset links to its admin.
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Mail } from '../plugins/index.js';

export type { Mail } from '../plugins/index.js';

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export class LogMailer implements Mailer {
  constructor(private readonly log: Logger) {}

  async send(mail: Mail): Promise<void> {
    this.log.info({ mail }, `mail to ${mail.to} (no mail.smtp_url configured, so it is logged instead)`);
  }
}

export class SmtpMailer implements Mailer {
  private readonly transport: nodemailer.Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url);
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
      inReplyTo: mail.inReplyTo,
      references: mail.references,
      replyTo: mail.replyTo,
      headers: mail.headers,
    });
  }
}
