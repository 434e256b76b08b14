// SSRF protection: a web-hook URL may only reach public addresses, unless the admin
// allows a range (allowed_networks). The check resolves the host once and the request
// connects to that very address, so a DNS answer cannot change between check and use.
import { lookup } from 'node:dns/promises';
import net from 'node:net';

export interface Target {
  url: URL;
  /** The address the request connects to (checked). */
  address: string;
  family: 4 | 6;
}

export class RefusedTarget extends Error {
  override readonly name = 'RefusedTarget';
  /** A temporary DNS failure may pass later; a refused address or scheme never will. */
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

type Cidr = { address: string; prefix: number; family: 'ipv4' | 'ipv6' };

export function parseCidr(value: string): Cidr | undefined {
  const [address = '', bits, ...rest] = value.trim().split('/');
  const version = net.isIP(address);
  if (!version || rest.length) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function blockList(ranges: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const range of ranges) {
    const cidr = parseCidr(range);
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

/** Loopback, link-local, private, shared, documentation, multicast and reserved ranges: never the internet. */
const REFUSED = blockList([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  '64:ff9b::/96',
  '100::/64',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
]);

/** "::ffff:10.0.0.1" (and its hex form) is 10.0.0.1: checked as IPv4 so the mapped form is no way around. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  if (net.isIPv4(address)) return { address, family: 'ipv4' };
  const mapped = /^(?:0*:)*:?ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (mapped) {
    if (mapped[1]) return { address: mapped[1], family: 'ipv4' };
    const high = Number.parseInt(mapped[2]!, 16);
    const low = Number.parseInt(mapped[3]!, 16);
    return { address: [high >> 8, high & 255, low >> 8, low & 255].join('.'), family: 'ipv4' };
  }
  return { address, family: 'ipv6' };
}

export class NetworkGuard {
  private readonly allowed: net.BlockList;

  constructor(allowedNetworks: readonly string[]) {
    this.allowed = blockList(allowedNetworks);
  }

  /** Why the address may not be reached, or undefined when it may. */
  refusal(raw: string): string | undefined {
    const { address, family } = normalise(raw);
    if (this.allowed.check(address, family)) return undefined;
    if (REFUSED.check(address, family)) return `${raw} is a loopback, link-local, private or reserved address`;
    return undefined;
  }

  /** Checks the URL and resolves its host; throws RefusedTarget for anything it may not reach. */
  async check(raw: string): Promise<Target> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new RefusedTarget(`not a URL: ${raw}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new RefusedTarget(`only http and https URLs are allowed, not ${url.protocol}`);
    if (url.username || url.password) throw new RefusedTarget('URLs with credentials are not allowed');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: Array<{ address: string; family: number }>;
    if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) }];
    else {
      try {
        addresses = await lookup(host, { all: true, verbatim: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new RefusedTarget(`cannot resolve ${host}: ${code ?? (error as Error).message}`, code === 'EAI_AGAIN');
      }
    }
    if (!addresses.length) throw new RefusedTarget(`${host} has no address`);
    // Every address must pass: a name that also resolves inward is refused whole.
    for (const { address } of addresses) {
      const why = this.refusal(address);
      if (why) throw new RefusedTarget(host === address ? why : `${host} resolves to ${why}`);
    }
    const first = addresses[0]!;
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }
}
