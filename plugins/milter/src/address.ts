// Reply addresses: reply+<i|p><project id>-<number>-<mac>-<user>@<domain>. The MAC (HMAC-SHA256
// with a key from the instance secret, 16 hex digits) covers the ticket and the recipient, so
// an address names one person's replies to one issue or pull request and cannot be made up.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ReplyTarget {
  kind: 'issue' | 'pull-request';
  projectId: number;
  id: number;
  /** The recipient the address was made for: only they may reply through it. */
  user: string;
}

const ADDRESS = /^reply\+([ip])(\d{1,12})-(\d{1,12})-([0-9a-f]{16})-([^@\s]{1,255})@(.+)$/i;

export class ReplyAddresses {
  constructor(
    private readonly key: Buffer,
    private readonly domain: string,
  ) {}

  private mac(target: ReplyTarget): string {
    const text = `${target.kind}\n${target.projectId}\n${target.id}\n${target.user}`;
    return createHmac('sha256', this.key).update(text).digest('hex').slice(0, 16);
  }

  /** The address a recipient's replies about a ticket go to. */
  make(target: ReplyTarget): string {
    const kind = target.kind === 'issue' ? 'i' : 'p';
    return `reply+${kind}${target.projectId}-${target.id}-${this.mac(target)}-${target.user}@${this.domain}`;
  }

  /**
   * What an address names: undefined when it is not one of ours ('other'), or is forged or
   * damaged ('forged').
   */
  read(address: string): ReplyTarget | 'other' | 'forged' {
    const match = ADDRESS.exec(address.trim());
    if (!match || match[6]!.toLowerCase() !== this.domain) return 'other';
    const target: ReplyTarget = {
      kind: match[1]!.toLowerCase() === 'i' ? 'issue' : 'pull-request',
      projectId: Number(match[2]),
      id: Number(match[3]),
      user: match[5]!,
    };
    const given = Buffer.from(match[4]!.toLowerCase());
    const expected = Buffer.from(this.mac(target));
    return given.length === expected.length && timingSafeEqual(given, expected) ? target : 'forged';
  }
}
