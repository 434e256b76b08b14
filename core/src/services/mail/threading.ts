// Message-IDs and headers of notification mails, as Pagure writes them: a ticket's thread
// starts at "<name>-ticket-<uid>@host" (pull requests: "-pull-request-"), a comment's mail is
// "<root>-<comment id>@host", other mails "<root>-e<event sequence>@host", and each answers the
// root, so mail clients thread them and a reply's In-Reply-To names the ticket (the milter's key).
import type { NotifiedTicketKind } from '../../plugins/index.js';

export interface ThreadTicket {
  kind: NotifiedTicketKind;
  uid: string;
  /** The project's name (not its fullname), as in Pagure's mail ids. */
  projectName: string;
}

/** The host part of the forge's Message-IDs: its public URL's host name. */
export function mailHost(publicUrl: string): string {
  try {
    return new URL(publicUrl).hostname.replace(/^\[|\]$/g, '') || 'localhost';
  } catch {
    return 'localhost';
  }
}

/** Pagure's mail id of the ticket (its thread's root), without the host. */
export function ticketMailId(ticket: ThreadTicket): string {
  return `${ticket.projectName}-${ticket.kind === 'issue' ? 'ticket' : 'pull-request'}-${ticket.uid}`;
}

export interface ThreadHeaders {
  messageId: string;
  inReplyTo?: string;
  references?: string[];
}

/**
 * The thread headers of one notification: the ticket's first mail (`first`) is the root;
 * a later one is identified by its comment, or else by its event, and answers the root.
 */
export function threadHeaders(
  ticket: ThreadTicket,
  host: string,
  mail: { first: true } | { commentId?: number; sequence: number },
): ThreadHeaders {
  const root = ticketMailId(ticket);
  const rootId = `<${root}@${host}>`;
  if ('first' in mail) return { messageId: rootId };
  const suffix = mail.commentId !== undefined ? String(mail.commentId) : `e${mail.sequence}`;
  return { messageId: `<${root}-${suffix}@${host}>`, inReplyTo: rootId, references: [rootId] };
}
