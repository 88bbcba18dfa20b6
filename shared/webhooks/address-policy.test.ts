import { describe, expect, it } from 'vitest';
import {
  allowInsecureLocalFromEnv,
  checkWebhookUrl,
  classifyAddress,
  isForbiddenAddress,
  type AddressKind,
} from './address-policy.ts';
import { WebhookUrlError, type WebhookUrlErrorCode } from './errors.ts';

const KINDS: readonly (readonly [string, AddressKind])[] = [
  // IPv4
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  ['192.169.0.1', 'public'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'shared'],
  ['100.127.255.255', 'shared'],
  ['169.254.0.1', 'link-local'],
  ['169.254.169.254', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['203.0.113.9', 'reserved'],
  // IPv6
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001:82b::200e', 'public'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fd00::1', 'private'],
  ['fc00::1', 'private'],
  ['fdff:ffff::1', 'private'],
  ['fd00:ec2::254', 'metadata'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  ['fec0::1', 'private'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['2001::1', 'reserved'],
  ['100::1', 'reserved'],
  // IPv4 inside IPv6: judged by the IPv4 address
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['::ffff:8.8.8.8', 'public'],
  ['::127.0.0.1', 'loopback'],
  ['64:ff9b::a9fe:a9fe', 'metadata'],
  ['64:ff9b::8.8.8.8', 'public'],
  ['64:ff9b:1::1', 'reserved'],
  ['2002:c0a8:0101::1', 'private'],
  ['2002:0808:0808::1', 'public'],
  // not addresses
  ['localhost', 'invalid'],
  ['', 'invalid'],
  ['256.1.1.1', 'invalid'],
  ['1.2.3', 'invalid'],
];

describe('classifyAddress', () => {
  it.each(KINDS)('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });
});

describe('isForbiddenAddress', () => {
  it.each(KINDS)('%s (%s)', (ip, kind) => {
    expect(isForbiddenAddress(ip)).toBe(kind !== 'public');
    expect(isForbiddenAddress(ip, { allowLoopback: true })).toBe(kind !== 'public' && kind !== 'loopback');
  });
});

describe('checkWebhookUrl', () => {
  const refused: readonly (readonly [string, WebhookUrlErrorCode])[] = [
    ['not a url', 'invalid_url'],
    ['/relative/path', 'invalid_url'],
    // Parsed only after repair (into https://x/…): not what was written.
    ['https:///x', 'invalid_url'],
    ['https:x.example.com/hook', 'invalid_url'],
    ['https:\\\\x.example.com/hook', 'invalid_url'],
    ['https://x.example.com/a b', 'invalid_url'],
    [`https://example.com/${'a'.repeat(2100)}`, 'invalid_url'],
    ['http://example.com/hook', 'scheme_not_allowed'],
    ['ftp://example.com/hook', 'scheme_not_allowed'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['https://user:pass@example.com/hook', 'credentials_in_url'],
    ['https://user@example.com/hook', 'credentials_in_url'],
    ['https://127.0.0.1/', 'forbidden_address'],
    ['https://127.0.0.1./', 'forbidden_address'],
    ['https://[::1]/', 'forbidden_address'],
    ['https://169.254.169.254/latest/meta-data/', 'forbidden_address'],
    ['https://10.1.2.3/', 'forbidden_address'],
    ['https://[::ffff:127.0.0.1]/', 'forbidden_address'],
    ['https://[fd00:ec2::254]/', 'forbidden_address'],
    ['https://0/', 'forbidden_address'], // the URL parser reads "0" as 0.0.0.0
    ['https://0x7f.1/', 'forbidden_address'], // …and this as 127.0.0.1
    ['https://2130706433/', 'forbidden_address'],
    ['https://localhost/', 'forbidden_address'],
    ['https://api.localhost/', 'forbidden_address'],
  ];

  it.each(refused)('refuses %s (%s)', (url, code) => {
    expect(() => checkWebhookUrl(url)).toThrow(WebhookUrlError);
    expect(() => checkWebhookUrl(url)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(/\w/) }));
  });

  const accepted = [
    'https://example.com/hook',
    'https://hooks.example.com:8443/a/b?c=d',
    'https://8.8.8.8/',
    'https://[2606:4700::1111]/',
  ];
  it.each(accepted)('accepts %s', (url) => {
    expect(checkWebhookUrl(url).href).toBe(new URL(url).href);
  });

  it('with allowInsecureLocal, accepts http and loopback but nothing more', () => {
    const local = { allowInsecureLocal: true };
    const failsWith = (code: WebhookUrlErrorCode) => expect.objectContaining({ code });
    for (const url of ['http://localhost:3000/hook', 'http://127.0.0.1:8080/', 'http://[::1]/', 'https://127.0.0.1/']) {
      expect(() => checkWebhookUrl(url, local)).not.toThrow();
    }
    expect(() => checkWebhookUrl('http://example.com/', local)).not.toThrow();
    for (const url of ['http://169.254.169.254/', 'http://10.1.2.3/', 'http://192.168.0.1/', 'http://[fd00::1]/']) {
      expect(() => checkWebhookUrl(url, local)).toThrow(failsWith('forbidden_address'));
    }
    expect(() => checkWebhookUrl('http://0.0.0.0/', local)).toThrow(failsWith('forbidden_address'));
    expect(() => checkWebhookUrl('ftp://localhost/', local)).toThrow(failsWith('scheme_not_allowed'));
    expect(() => checkWebhookUrl('http://a:b@localhost/', local)).toThrow(failsWith('credentials_in_url'));
  });
});

describe('allowInsecureLocalFromEnv', () => {
  it('is on only for SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL=1', () => {
    expect(allowInsecureLocalFromEnv({ SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL: '1' })).toBe(true);
    for (const value of [undefined, '', '0', 'true', 'yes', ' 1']) {
      expect(allowInsecureLocalFromEnv({ SOFTLAND_WEBHOOKS_ALLOW_INSECURE_LOCAL: value })).toBe(false);
    }
    expect(allowInsecureLocalFromEnv({})).toBe(false);
  });
});
