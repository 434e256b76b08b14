// One reply, from the raw mail to the comment, with the SMTP code the sender's MTA is given:
// 250 once the comment is stored; 550 for an address that is not ours, forged, or written by
// someone else than its recipient (or that the MTA's SPF/DKIM checks failed); 554 for a mail
// that is not a reply or says nothing new; 552 over the size limit; 451 when the forge cannot
// store it now (the database is down): the MTA tries again later. Nothing is half-written:
// the comment is one write, made last.
import { isForgeError, type ForgeApi } from '@pagurus/core';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { ReplyAddresses, ReplyTarget } from './address.js';
import type { MilterOptions } from './options.js';
import type { Preferences } from './preferences.js';
import { replyText } from './reply-text.js';

export interface Answer {
  code: 250 | 451 | 550 | 552 | 554;
  message: string;
}

export interface Envelope {
  /** RCPT TO addresses (the pipe mode's --recipient); the To and Cc headers when none are known. */
  recipients: string[];
}

const answer = (code: Answer['code'], message: string): Answer => ({ code, message });

export class Receiver {
  constructor(
    private readonly forge: ForgeApi,
    private readonly options: MilterOptions,
    private readonly addresses: ReplyAddresses,
    private readonly preferences: Preferences,
  ) {}

  /** An RCPT TO, checked before the data comes: refused unless it is a reply address of ours that checks. */
  recipient(address: string): Answer | undefined {
    const target = this.addresses.read(address);
    if (target === 'other') return answer(550, `5.1.1 <${address}>: no such recipient here`);
    if (target === 'forged') return answer(550, `5.1.1 <${address}>: not a valid reply address`);
    return undefined;
  }

  async receive(raw: Buffer, envelope: Envelope): Promise<Answer> {
    if (raw.length > this.options.max_bytes) return answer(552, `5.3.4 The reply is over ${this.options.max_bytes} bytes`);
    let mail: ParsedMail;
    try {
      mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true });
    } catch {
      return answer(554, '5.6.0 Not a mail that can be read');
    }
    const target = this.targetOf(mail, envelope);
    if (!target || typeof target === 'string') {
      return answer(
        550,
        target === 'forged' ? '5.1.1 Not a valid reply address' : '5.1.1 No reply address of this forge among the recipients',
      );
    }
    const failed = authenticationFailure(mail);
    if (failed) return answer(550, `5.7.1 The sender did not pass ${failed}`);
    if (!mail.inReplyTo && !mail.references) return answer(554, '5.6.0 Not a reply to a notification (no In-Reply-To or References)');
    const text = replyText(mail);
    if (!text) return answer(554, '5.6.0 The reply has no text of its own');
    try {
      return await this.comment(target, mail, text);
    } catch (error) {
      if (isForgeError(error) && error.status < 500) return answer(550, `5.7.1 ${error.message}`);
      this.forge.log.error({ err: error }, 'a reply by mail could not be stored; the sender is told to try again later');
      return answer(451, '4.3.0 The forge cannot take the reply now; try again later');
    }
  }

  private targetOf(mail: ParsedMail, envelope: Envelope): ReplyTarget | 'forged' | undefined {
    const headers = [mail.to, mail.cc].flatMap((list) => (Array.isArray(list) ? list : list ? [list] : []));
    const candidates = envelope.recipients.length
      ? envelope.recipients
      : headers.flatMap((list) => list.value.map((one) => one.address ?? ''));
    let forged = false;
    for (const address of candidates) {
      const target = this.addresses.read(address);
      if (typeof target === 'object') return target;
      if (target === 'forged') forged = true;
    }
    return forged ? 'forged' : undefined;
  }

  private async comment(target: ReplyTarget, mail: ParsedMail, text: string): Promise<Answer> {
    const from = mail.from?.value[0]?.address ?? '';
    const user = from ? await this.forge.services.users.byEmail(from) : undefined;
    if (!user || user.name !== target.user) return answer(550, `5.7.1 Only ${target.user} may reply through this address`);
    if (!(await this.preferences.of(user.id)).replies) return answer(550, '5.7.1 You turned replies by mail off in your settings');
    const project = await this.forge.services.projects.byId(target.projectId);
    if (!project) return answer(550, '5.1.1 The project of this reply address is gone');
    const viewer = await this.forge.services.access.viewer(user);
    if (target.kind === 'issue') await this.forge.services.comments.onIssue(viewer, project, target.id, text);
    else await this.forge.services.comments.onPullRequest(viewer, project, target.id, text);
    this.forge.log.info({ project: project.id, [target.kind]: target.id, user: user.name }, 'a reply by mail became a comment');
    return answer(250, `2.0.0 Commented on ${target.kind} #${target.id}`);
  }
}

/** "SPF" or "DKIM" when the MTA's Authentication-Results header says the sender failed it. */
function authenticationFailure(mail: ParsedMail): string | undefined {
  const header = mail.headers.get('authentication-results');
  const text = (Array.isArray(header) ? header.join(';') : typeof header === 'string' ? header : '').toLowerCase();
  if (/\bspf=(fail|softfail)\b/.test(text)) return 'SPF';
  if (/\bdkim=fail\b/.test(text)) return 'DKIM';
  return undefined;
}
