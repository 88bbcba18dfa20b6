import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WebhookSecretError } from './errors.ts';
import { newWebhookSecret, signatureHeader, webhookHeaders } from './signing.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('newWebhookSecret', () => {
  it('is whsec_ + base64 of 24 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    expect(new Set(Array.from({ length: 50 }, newWebhookSecret)).size).toBe(50);
  });
});

describe('signatureHeader', () => {
  it('matches the published Standard Webhooks example', () => {
    // The example of the Standard Webhooks / Svix documentation.
    expect(
      signatureHeader({
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('agrees with the standardwebhooks library on arbitrary bodies', () => {
    const secret = newWebhookSecret();
    const timestamp = nowSeconds();
    for (const body of ['{}', '{"type":"tier.changed","data":{"é":"ü ✓"}}', 'x'.repeat(10_000)]) {
      const header = signatureHeader({ id: 'msg_1', timestamp, body, secrets: [secret] });
      expect(header).toBe(new Webhook(secret).sign('msg_1', new Date(timestamp * 1000), body));
    }
  });

  it('signs with every secret during a rotation, and each one verifies', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"type":"ping","timestamp":"2026-01-01T00:00:00.000Z","data":null}';
    const headers = webhookHeaders({ id: 'msg_rot', timestamp: nowSeconds(), body, secrets: [newSecret, oldSecret] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('covers the id, the timestamp and the body', () => {
    const secret = newWebhookSecret();
    const timestamp = nowSeconds();
    const headers = webhookHeaders({ id: 'msg_a', timestamp, body: '{"a":1}', secrets: [secret] });
    const hook = new Webhook(secret);
    expect(() => hook.verify('{"a":2}', headers)).toThrow(WebhookVerificationError);
    expect(() => hook.verify('{"a":1}', { ...headers, 'webhook-id': 'msg_b' })).toThrow(WebhookVerificationError);
    expect(() => hook.verify('{"a":1}', { ...headers, 'webhook-timestamp': String(timestamp + 1) })).toThrow(
      WebhookVerificationError,
    );
  });

  it('refuses malformed secrets, ids and timestamps', () => {
    const ok = { id: 'msg_1', timestamp: 1, body: '{}', secrets: [newWebhookSecret()] };
    expect(() => signatureHeader({ ...ok, secrets: [] })).toThrow(WebhookSecretError);
    expect(() => signatureHeader({ ...ok, secrets: ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] })).toThrow(WebhookSecretError);
    expect(() => signatureHeader({ ...ok, secrets: ['whsec_'] })).toThrow(WebhookSecretError);
    expect(() => signatureHeader({ ...ok, secrets: ['whsec_not base64!'] })).toThrow(WebhookSecretError);
    expect(() => signatureHeader({ ...ok, id: 'a.b' })).toThrow(/webhook id/);
    expect(() => signatureHeader({ ...ok, id: 'a b' })).toThrow(/webhook id/);
    expect(() => signatureHeader({ ...ok, timestamp: 1.5 })).toThrow(RangeError);
    expect(() => signatureHeader({ ...ok, timestamp: -1 })).toThrow(RangeError);
  });
});

describe('webhookHeaders', () => {
  it('has the Standard Webhooks headers, the content type and the user agent', () => {
    const secret = newWebhookSecret();
    const headers = webhookHeaders({ id: 'msg_h', timestamp: 1700000000, body: '{}', secrets: [secret] });
    expect(headers).toEqual({
      'webhook-id': 'msg_h',
      'webhook-timestamp': '1700000000',
      'webhook-signature': signatureHeader({ id: 'msg_h', timestamp: 1700000000, body: '{}', secrets: [secret] }),
      'content-type': 'application/json',
      'user-agent': 'Softland-Webhooks/1',
    });
  });
});
