/**
 * Webhook payload types and signature verification for Softland's outgoing events
 * (Standard Webhooks: https://www.standardwebhooks.com/).
 *
 * Every delivery is a POST whose body is `{ type, timestamp, data }`, signed with the
 * endpoint's secret (`whsec_…`, returned once by `POST /v1/webhook-endpoints`):
 *
 *   webhook-id:        the event id, the same on every retry (deduplicate on it)
 *   webhook-timestamp: when this attempt was sent, whole seconds since the epoch
 *   webhook-signature: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one entry per
 *                      active secret (two during a rotation), separated by spaces
 *
 * The HMAC key is the base64-decoded part of the secret after `whsec_`. Verify the raw
 * body exactly as received, before parsing it:
 *
 *   const event = verifyWebhook(secret, req.headers, rawBody);
 *   if (event.type === 'liquidation.opened') event.data.liquidation…   // narrowed by `type`
 *
 * Node only (node:crypto); no dependency. Importable alone as `@softland/client/webhooks`
 * (no openapi-fetch needed) or from `@softland/client`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { components, webhooks } from './schema.d.ts';

type Schemas = components['schemas'];

/** The body of the webhook `K` as the API document declares it. */
type WebhookBody<K extends keyof webhooks> = webhooks[K]['post'] extends { requestBody?: { content: { 'application/json': infer Body } } } ? Body : never;

/** Every event type Softland sends: `account.tier_changed`, …, `webhook.test`. */
export type WebhookEventType = keyof webhooks & string;

/**
 * Any webhook payload, discriminated by `type`: narrow it with `event.type === '…'` or a
 * `switch`. Derived from the document's `webhooks` section, so a new event type appears
 * here as soon as schema.d.ts is regenerated.
 */
export type WebhookEvent = { [K in WebhookEventType]: WebhookBody<K> }[WebhookEventType];

/** The payload of one event type, e.g. `WebhookEventOf<'liquidation.filled'>`. */
export type WebhookEventOf<T extends WebhookEventType> = Extract<WebhookEvent, { type: T }>;

export type AccountTierChangedEvent = Schemas['AccountTierChangedEvent'];
export type AccountRecoveredEvent = Schemas['AccountRecoveredEvent'];
export type MarketStaleEvent = Schemas['MarketStaleEvent'];
export type AccountUnassessableEvent = Schemas['AccountUnassessableEvent'];
export type LiquidationOpenedEvent = Schemas['LiquidationOpenedEvent'];
export type LiquidationFilledEvent = Schemas['LiquidationFilledEvent'];
export type LiquidationEscalatedEvent = Schemas['LiquidationEscalatedEvent'];
export type LiquidationResolvedEvent = Schemas['LiquidationResolvedEvent'];
export type LiquidationCancelledEvent = Schemas['LiquidationCancelledEvent'];
export type WebhookTestEvent = Schemas['WebhookTestEvent'];

/** Request headers as a Fetch `Headers` (Request.headers) … */
export interface HeaderGetter {
  get(name: string): string | null;
}
/** … or a plain object such as Node's `req.headers` (names in lower case). */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;
export type WebhookHeaders = HeaderGetter | HeaderRecord;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way, in seconds. Default 300 (5 minutes), as Standard Webhooks. */
  readonly toleranceSeconds?: number;
  /** "Now" for the timestamp check (tests); default the current time. */
  readonly now?: Date | number;
}

export type WebhookVerificationErrorCode =
  /** The secret is not `whsec_` followed by base64. */
  | 'invalid_secret'
  /** webhook-id, webhook-timestamp or webhook-signature is missing. */
  | 'missing_header'
  /** webhook-timestamp is not whole seconds since the epoch. */
  | 'invalid_timestamp'
  /** webhook-timestamp is more than the tolerance in the past (a replay) or in the future. */
  | 'timestamp_out_of_tolerance'
  /** No `v1,` signature matches: wrong secret, or the body or headers were altered. */
  | 'invalid_signature'
  /** Signed correctly, but the body is not a JSON event `{ type, timestamp, data }`. */
  | 'invalid_payload';

/** Why a delivery was refused; `code` says which check failed. Answer such a request 400. */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode;
  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
  }
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** The HMAC key of a secret: the base64-decoded part after `whsec_` (the prefix is optional, as in the Standard Webhooks libraries). */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  // Buffer.from(…, 'base64') silently skips junk, so check the alphabet first.
  if (encoded.length === 0 || encoded.length % 4 !== 0 || !BASE64.test(encoded)) {
    throw new WebhookVerificationError('invalid_secret', `a webhook secret is ${SECRET_PREFIX} followed by base64 (the endpoint's "secret")`);
  }
  return Buffer.from(encoded, 'base64');
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as HeaderGetter).get === 'function') return (headers as HeaderGetter).get(name) ?? undefined;
  const record = headers as HeaderRecord;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  return typeof value === 'string' ? value : value?.[0];
}

function requiredHeader(headers: WebhookHeaders, name: string): string {
  const value = header(headers, name)?.trim();
  if (!value) throw new WebhookVerificationError('missing_header', `the ${name} header is missing: is this a Softland webhook delivery?`);
  return value;
}

/**
 * Checks a delivery's signature and timestamp and returns its event.
 *
 * @param secret  the endpoint's signing secret (`whsec_…`); during a rotation, pass both the
 *                new and the old one (either matching is enough)
 * @param headers the request's headers: Node's `req.headers` or a Fetch `Headers`
 * @param body    the raw request body exactly as received (string or bytes), not re-serialised JSON
 * @throws WebhookVerificationError when a header is missing, the timestamp is more than
 *         5 minutes off (by default), no signature matches, or the body is not an event
 */
export function verifyWebhook(secret: string | readonly string[], headers: WebhookHeaders, body: string | Uint8Array, options: VerifyWebhookOptions = {}): WebhookEvent {
  const keys = (typeof secret === 'string' ? [secret] : secret).map(secretKey);
  if (keys.length === 0) throw new WebhookVerificationError('invalid_secret', 'at least one webhook secret is needed');
  const id = requiredHeader(headers, 'webhook-id');
  const timestampText = requiredHeader(headers, 'webhook-timestamp');
  const signatures = requiredHeader(headers, 'webhook-signature');

  if (!/^\d{1,15}$/.test(timestampText)) {
    throw new WebhookVerificationError('invalid_timestamp', `webhook-timestamp "${timestampText}" is not whole seconds since the epoch`);
  }
  const timestamp = Number(timestampText);
  const now = options.now === undefined ? Date.now() : options.now instanceof Date ? options.now.getTime() : options.now;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const skew = Math.floor(now / 1000) - timestamp;
  if (Math.abs(skew) > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `webhook-timestamp is ${Math.abs(skew)} s in the ${skew > 0 ? 'past' : 'future'}, more than the ${tolerance} s allowed: a replayed delivery, or this machine's clock is off`,
    );
  }

  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const expected = keys.map((key) => createHmac('sha256', key).update(`${id}.${timestampText}.`, 'utf8').update(bytes).digest());
  const given = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  // Every pair is compared (constant time each), so the time taken does not tell which matched.
  let matched = false;
  for (const signature of given) {
    for (const digest of expected) {
      if (signature.length === digest.length && timingSafeEqual(signature, digest)) matched = true;
    }
  }
  if (!matched) {
    throw new WebhookVerificationError('invalid_signature', 'no webhook-signature matches: the secret is not this endpoint\'s, or the body or headers were altered (verify the raw body, as received)');
  }

  let event: unknown;
  try {
    event = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'the webhook body is not JSON');
  }
  if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string' || !('data' in event)) {
    throw new WebhookVerificationError('invalid_payload', 'the webhook body is not an event { type, timestamp, data }');
  }
  return event as WebhookEvent;
}
