// The mails the forge sends and the notificationMail hook's context: here, below the
// services, so the hook catalogue can name them and plugins import them from @pagurus/core.
import type { Knex } from 'knex';
import type { ProjectRecord, UserRecord } from '../domain/index.js';
import type { ForgeEvent } from './events.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** "<id@host>": the same for every try of one message, so a retried send is recognised as one mail. */
  messageId?: string;
  /** The Message-ID this mail answers: for a ticket, its first mail. */
  inReplyTo?: string;
  /** The thread's Message-IDs, oldest first. */
  references?: string[];
  replyTo?: string;
  /** Further headers by name ("X-Pagure-Project"). */
  headers?: Record<string, string>;
}

export type NotifiedTicketKind = 'issue' | 'pull-request';

/** What a notificationMail tap is told about the mail it may change. */
export interface NotificationMailContext {
  /** The event the mail tells of. */
  event: ForgeEvent;
  /** Who the mail goes to (`mail.to` is their default address). */
  recipient: UserRecord;
  project: ProjectRecord;
  ticket: { kind: NotifiedTicketKind; id: number; uid: string; private: boolean };
  /**
   * The transaction the mail is queued in: read the database through it (the embedded
   * database has one connection, which this transaction holds).
   */
  db: Knex;
}
