import { isIPv4, isIPv6 } from 'node:net';
import { WebhookUrlError } from './errors.ts';

/**
 * What kind of address an IP is, as far as webhook targets go. Only `public` may be
 * dialled (and `loopback` in local development); everything else reaches the
 * service's own host, its network, its cloud's metadata service, or nothing.
 */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'unspecified'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'invalid';

type Range = readonly [bytes: readonly number[], prefixLength: number, kind: AddressKind];

/** IPv4 ranges that are not the public internet (RFC 6890 and cloud metadata). */
const IPV4_RANGES: readonly Range[] = [
  [[169, 254, 169, 254], 32, 'metadata'], // AWS, GCP, Azure, OCI, DigitalOcean…
  [[100, 100, 100, 200], 32, 'metadata'], // Alibaba Cloud
  [[255, 255, 255, 255], 32, 'broadcast'],
  [[0, 0, 0, 0], 8, 'unspecified'], // "this network": 0.0.0.0 dials the local host on Linux
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'shared'], // carrier-grade NAT
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'], // IETF protocol assignments
  [[192, 0, 2, 0], 24, 'reserved'], // documentation
  [[192, 88, 99, 0], 24, 'reserved'], // 6to4 relay anycast
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'], // benchmarking
  [[198, 51, 100, 0], 24, 'reserved'], // documentation
  [[203, 0, 113, 0], 24, 'reserved'], // documentation
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

/** IPv6 ranges that are not the public internet, other than those embedding IPv4. */
const IPV6_RANGES: readonly Range[] = [
  [[0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, 'metadata'], // AWS fd00:ec2::254
  [[], 128, 'unspecified'], // ::
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, 'loopback'], // ::1
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'reserved'], // local-use NAT64
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'reserved'], // discard-only
  [[0x20, 0x01, 0x00, 0x00], 32, 'reserved'], // Teredo: the IPv4 inside is obfuscated
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'reserved'], // documentation
  [[0xfc], 7, 'private'], // unique local (fd00::/8 in practice)
  [[0xfe, 0x80], 10, 'link-local'],
  [[0xfe, 0xc0], 10, 'private'], // deprecated site-local
  [[0xff], 8, 'multicast'],
];

/**
 * IPv6 prefixes that carry an IPv4 address which the packet may end up at: mapped
 * (::ffff:0:0/96, how dual-stack sockets spell IPv4), compatible (::/96, deprecated),
 * NAT64 (64:ff9b::/96) and 6to4 (2002::/16). The embedded address is judged instead.
 */
const IPV4_EMBEDDINGS: readonly (readonly [prefix: readonly number[], prefixLength: number, offset: number])[] = [
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, 12],
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 96, 12],
  [[0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96, 12],
  [[0x20, 0x02], 16, 2],
];

function inPrefix(address: readonly number[], prefix: readonly number[], prefixLength: number): boolean {
  for (let bit = 0; bit < prefixLength; bit += 8) {
    const mask = prefixLength - bit >= 8 ? 0xff : (0xff << (8 - (prefixLength - bit))) & 0xff;
    if (((address[bit / 8] ?? 0) & mask) !== ((prefix[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

function kindIn(address: readonly number[], ranges: readonly Range[]): AddressKind {
  for (const [prefix, length, kind] of ranges) if (inPrefix(address, prefix, length)) return kind;
  return 'public';
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** The 16 bytes of a valid IPv6 address (zone id, if any, removed). */
function ipv6Bytes(ip: string): number[] {
  let text = ip.replace(/%.*$/, '');
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail.push(...ipv4Bytes(dotted[1]!));
    text = `${text.slice(0, -dotted[1]!.length)}0:0`; // keep the group count right
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Classifies an IPv4 or IPv6 address (`::ffff:127.0.0.1` counts as 127.0.0.1). */
export function classifyAddress(ip: string): AddressKind {
  if (isIPv4(ip)) return kindIn(ipv4Bytes(ip), IPV4_RANGES);
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!isIPv6(bare)) return 'invalid';
  const bytes = ipv6Bytes(bare);
  const own = kindIn(bytes, IPV6_RANGES);
  if (own !== 'public') return own;
  for (const [prefix, length, offset] of IPV4_EMBEDDINGS) {
    if (inPrefix(bytes, prefix, length)) return kindIn(bytes.slice(offset, offset + 4), IPV4_RANGES);
  }
  return 'public';
}

/** Options of {@link isForbiddenAddress}. */
export interface AddressPolicyOptions {
  /** Let loopback addresses (127/8, ::1) through, for local development. Default `false`. */
  readonly allowLoopback?: boolean;
}

/**
 * Whether a webhook may not be sent to this address: anything but a public unicast
 * address (and loopback, when allowed). Text that is not an IP address is forbidden.
 */
export function isForbiddenAddress(ip: string, options: AddressPolicyOptions = {}): boolean {
  const kind = classifyAddress(ip);
  return !(kind === 'public' || (kind === 'loopback' && options.allowLoopback === true));
}

/** Options of {@link checkWebhookUrl}. */
export interface WebhookUrlOptions {
  /**
   * Local development only: accept `http:` and loopback targets (`localhost`, 127/8,
   * ::1). Private, link-local and metadata addresses stay refused. Default `false`.
   */
  readonly allowInsecureLocal?: boolean;
}

/** Longest URL accepted; longer ones are almost certainly not an endpoint. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Checks an endpoint URL against the target policy and returns it parsed. The
 * host name is not resolved here (it can change after registration): delivery
 * checks the resolved addresses at connect time. Throws {@link WebhookUrlError}.
 */
export function checkWebhookUrl(url: string, options: WebhookUrlOptions = {}): URL {
  const allowInsecureLocal = options.allowInsecureLocal === true;
  if (url.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new WebhookUrlError('invalid_url', `a webhook URL has at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  // Only what reads as a URL as written: `https:///x` or `https:x` parse only after the
  // parser repairs them (into https://x/), which is not what the exchange typed.
  if (/^https?:/i.test(url) && (!/^https?:\/\/[^/?#\\\s]/i.test(url) || /[\s\\]/.test(url))) {
    throw new WebhookUrlError('invalid_url', 'the webhook URL is not an absolute URL written as one (scheme://host/…)');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new WebhookUrlError('invalid_url', 'the webhook URL is not an absolute URL', { cause });
  }
  if (parsed.protocol !== 'https:' && !(allowInsecureLocal && parsed.protocol === 'http:')) {
    throw new WebhookUrlError(
      'scheme_not_allowed',
      allowInsecureLocal ? 'a webhook URL uses https or http' : 'a webhook URL uses https',
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new WebhookUrlError('credentials_in_url', 'a webhook URL carries no user name or password');
  }
  // The URL parser has already turned 0x7f.1, 2130706433 and friends into dotted quads.
  const host = parsed.hostname.replace(/\.$/, '').toLowerCase();
  if (host === '') throw new WebhookUrlError('invalid_url', 'the webhook URL has no host');
  const literal = isIPv4(host) || (host.startsWith('[') && host.endsWith(']'));
  if (literal && isForbiddenAddress(host, { allowLoopback: allowInsecureLocal })) {
    throw new WebhookUrlError('forbidden_address', `webhooks may not be sent to ${host} (${classifyAddress(host)})`);
  }
  // RFC 6761: these names always mean this host; refusing them early gives a clearer error.
  if (!allowInsecureLocal && (host === 'localhost' || host.endsWith('.localhost'))) {
    throw new WebhookUrlError('forbidden_address', `webhooks may not be sent to ${host} (loopback)`);
  }
  return parsed;
}

/** Whether `SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL=1` (development only) is set. */
export function allowInsecureLocalFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL === '1';
}
