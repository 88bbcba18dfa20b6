/**
 * The SDK's webhook check (openapi/client/webhooks.ts), from its source: the Standard
 * Webhooks test vector, agreement with Softland's signer and the standardwebhooks library,
 * every refusal, and the payload types. The packaged build is exercised end to end by
 * sdk-package.e2e.test.ts.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { newWebhookSecret, webhookHeaders } from '../../shared/webhooks/signing.ts';
import {
  verifyWebhook,
  WebhookVerificationError,
  type components,
  type LiquidationOpenedEvent,
  type WebhookEvent,
  type WebhookEventOf,
  type WebhookEventType,
  type webhooks,
  type WebhookTestEvent,
} from '../../openapi/client/index.ts';

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  headers: { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' },
  body: '{"test": 2432232314}',
  now: new Date(1614265330 * 1000),
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

function signed(event: object, secrets = [newWebhookSecret()], timestamp = nowSeconds()) {
  const body = JSON.stringify(event);
  return { secrets, body, headers: webhookHeaders({ id: 'evt_01', timestamp, body, secrets }) };
}

const testEvent: WebhookTestEvent = { type: 'webhook.test', timestamp: '2026-01-01T00:00:00.000Z', data: { endpointId: 'we_1' } };

function refusal(attempt: () => unknown): string {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as Error).message).not.toBe('');
    return (error as WebhookVerificationError).code;
  }
  return 'accepted';
}

describe('verifyWebhook', () => {
  it('checks the published Standard Webhooks example (signature only: its body is not an event)', () => {
    expect(refusal(() => verifyWebhook(VECTOR.secret, VECTOR.headers, VECTOR.body, { now: VECTOR.now }))).toBe('invalid_payload');
    expect(refusal(() => verifyWebhook(VECTOR.secret, VECTOR.headers, VECTOR.body.replace('2', '3'), { now: VECTOR.now }))).toBe('invalid_signature');
  });

  it("accepts what Softland's signer and the standardwebhooks library sign, as string or bytes, with Node or Fetch headers", () => {
    const { secrets, body, headers } = signed(testEvent);
    const secret = secrets[0]!;
    expect(verifyWebhook(secret, headers, body)).toEqual(testEvent);
    // Bytes at an offset of a larger buffer: only the view is verified.
    const padded = Buffer.from(`xx${body}yy`);
    expect(verifyWebhook(secret, headers, padded.subarray(2, padded.length - 2))).toEqual(testEvent);
    expect(verifyWebhook(secret, new Headers(headers), new TextEncoder().encode(body))).toEqual(testEvent);
    // Header names in any case; a repeated header's first value.
    const mixed = { 'Webhook-Id': headers['webhook-id'], 'WEBHOOK-TIMESTAMP': [headers['webhook-timestamp']], 'webhook-signature': headers['webhook-signature'] };
    expect(verifyWebhook(secret, mixed, body)).toEqual(testEvent);
    // Signed by the library, without the whsec_ prefix (as the library allows).
    const library = new Webhook(secret);
    const at = new Date();
    const librarySigned = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': library.sign('msg_2', at, body) };
    expect(verifyWebhook(secret.slice('whsec_'.length), librarySigned, body)).toEqual(testEvent);
  });

  it('accepts a delivery signed during a rotation with either secret, and either secret of a receiver', () => {
    const [oldSecret, newSecret, other] = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
    const { body, headers } = signed(testEvent, [newSecret, oldSecret]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret, [other, oldSecret], [newSecret, other]]) expect(verifyWebhook(secret, headers, body)).toEqual(testEvent);
    expect(refusal(() => verifyWebhook(other, headers, body))).toBe('invalid_signature');
    expect(refusal(() => verifyWebhook([], headers, body))).toBe('invalid_secret');
  });

  it('refuses altered, unsigned, stale, future and malformed deliveries with a code', () => {
    const { secrets, body, headers } = signed(testEvent);
    const secret = secrets[0]!;
    expect(refusal(() => verifyWebhook(secret, headers, body.replace('we_1', 'we_2')))).toBe('invalid_signature');
    expect(refusal(() => verifyWebhook(secret, { ...headers, 'webhook-id': 'evt_02' }, body))).toBe('invalid_signature');
    expect(refusal(() => verifyWebhook(secret, { ...headers, 'webhook-signature': `v2,${headers['webhook-signature'].slice(3)}` }, body))).toBe('invalid_signature');
    expect(refusal(() => verifyWebhook(secret, { ...headers, 'webhook-signature': 'v1,' }, body))).toBe('invalid_signature');
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      expect(refusal(() => verifyWebhook(secret, { ...headers, [name]: undefined }, body))).toBe('missing_header');
    }
    expect(refusal(() => verifyWebhook(secret, { ...headers, 'webhook-timestamp': '1e9' }, body))).toBe('invalid_timestamp');
    // 5 minutes either way by default; the timestamp is signed too, so it cannot be moved.
    const t = Number(headers['webhook-timestamp']) * 1000;
    expect(verifyWebhook(secret, headers, body, { now: t + 300_000 })).toEqual(testEvent);
    expect(refusal(() => verifyWebhook(secret, headers, body, { now: t + 301_000 }))).toBe('timestamp_out_of_tolerance');
    expect(refusal(() => verifyWebhook(secret, headers, body, { now: new Date(t - 301_000) }))).toBe('timestamp_out_of_tolerance');
    expect(verifyWebhook(secret, headers, body, { now: t + 3_600_000, toleranceSeconds: 3_600 })).toEqual(testEvent);
    expect(refusal(() => verifyWebhook(secret, { ...headers, 'webhook-timestamp': String(nowSeconds() - 1) }, body))).toBe('invalid_signature');
    // Secrets.
    for (const bad of ['', 'whsec_', 'whsec_not base64!', 'whsec_abc', 'sk_live_123']) expect(refusal(() => verifyWebhook(bad, headers, body))).toBe('invalid_secret');
    // Signed, but not an event.
    for (const notAnEvent of ['[]', 'null', '{"type":1,"data":{}}', '{"type":"webhook.test"}', 'not json']) {
      const s = { ...signed({}, [secret]), body: notAnEvent };
      s.headers = webhookHeaders({ id: 'evt_03', timestamp: nowSeconds(), body: notAnEvent, secrets: [secret] });
      expect(refusal(() => verifyWebhook(secret, s.headers, s.body))).toBe('invalid_payload');
    }
  });
});

describe('the webhook payload types', () => {
  it('are a union discriminated by type, one member per webhook of the API document', () => {
    expectTypeOf<WebhookEvent['type']>().toEqualTypeOf<keyof webhooks>();
    expectTypeOf<WebhookEventType>().toEqualTypeOf<keyof webhooks>();
    type Schemas = components['schemas'];
    expectTypeOf<WebhookEvent>().toEqualTypeOf<
      | Schemas['AccountTierChangedEvent']
      | Schemas['AccountRecoveredEvent']
      | Schemas['MarketStaleEvent']
      | Schemas['AccountUnassessableEvent']
      | Schemas['LiquidationOpenedEvent']
      | Schemas['LiquidationFilledEvent']
      | Schemas['LiquidationEscalatedEvent']
      | Schemas['LiquidationResolvedEvent']
      | Schemas['LiquidationCancelledEvent']
      | Schemas['WebhookTestEvent']
    >();
    expectTypeOf<WebhookEventOf<'liquidation.opened'>>().toEqualTypeOf<LiquidationOpenedEvent>();
    expectTypeOf(verifyWebhook).returns.toEqualTypeOf<WebhookEvent>();
  });
});
