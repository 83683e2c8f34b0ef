// SSRF guard for webhook targets: a subscriber must not make the server call into its own network.
// A URL is refused when its host is, or resolves to, a non-public address (private, loopback,
// link-local, CGNAT, multicast, unspecified, documentation/benchmark ranges; IPv4 and IPv6, with
// IPv4-mapped and NAT64 IPv6 judged by their IPv4), unless WEBHOOK_ALLOWED_HOSTS names the host.
// Checked when subscribing and again at every attempt, where the connection's own DNS lookup goes
// through `guardedLookup`, so a name re-pointed at a private address after the check (DNS
// rebinding) is refused at connect time too.
import dns from 'node:dns';
import net from 'node:net';

const BLOCKED_V4 = [
  ['0.0.0.0', 8], // "this network", incl. unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
] as const;

const BLOCKED_V6 = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const;

const blocked = new net.BlockList();
for (const [address, prefix] of BLOCKED_V4) blocked.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of BLOCKED_V6) blocked.addSubnet(address, prefix, 'ipv6');

/** The IPv4 address embedded in an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIPv4(address: string): string | null {
  const groups = expandIPv6(address);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return null;
  return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tail included). */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** Whether an IP address (either family) is one a webhook may be delivered to. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedIPv4(address);
  if (v4 !== null) return isPublicAddress(v4);
  return !blocked.check(address, 'ipv6');
}

export type Lookup = (hostname: string) => Promise<string[]>;

const systemLookup: Lookup = async (hostname) => (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export class TargetGuard {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    allowedHosts: string,
    private readonly lookup: Lookup = systemLookup,
  ) {
    this.allowed = new Set(
      allowedHosts
        .split(',')
        .map((h) => normaliseHost(h.trim()))
        .filter(Boolean),
    );
  }

  /** Why `url` may not be a webhook target, or null when it may. */
  async refusal(url: string): Promise<string | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'is not a valid URL';
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https URL';
    if (parsed.username || parsed.password) return 'must not carry credentials';
    const host = normaliseHost(parsed.hostname);
    if (this.allowed.has(host)) return null;
    if (net.isIP(host)) return isPublicAddress(host) ? null : `points at a private or reserved address (${host}); WEBHOOK_ALLOWED_HOSTS can allow it`;
    let addresses: string[];
    try {
      addresses = await this.lookup(host);
    } catch {
      return `host ${host} does not resolve`;
    }
    const inside = addresses.find((a) => !isPublicAddress(a));
    if (addresses.length === 0) return `host ${host} does not resolve`;
    return inside ? `host ${host} resolves to a private or reserved address (${inside}); WEBHOOK_ALLOWED_HOSTS can allow it` : null;
  }

  /**
   * A `lookup` for http.request: resolves like the system does, but fails the connection when the
   * host is not allowed and any of its addresses is not public.
   */
  readonly guardedLookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = !this.allowed.has(normaliseHost(hostname)) && addresses.some((a) => !isPublicAddress(a.address));
      if (refused) return callback(Object.assign(new Error(`${hostname} resolves to a private or reserved address`), { code: 'EWEBHOOKTARGET' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** Lower case, IPv6 brackets dropped, trailing dot dropped. */
function normaliseHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}
