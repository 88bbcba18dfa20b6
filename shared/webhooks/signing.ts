import { createHmac, randomBytes } from 'node:crypto';
import { WebhookError, WebhookSecretError } from './errors.ts';

/** Prefix of every signing secret, as Standard Webhooks writes them. */
export const SECRET_PREFIX = 'whsec_';

/** Random bytes in a new secret: Standard Webhooks asks for 24 to 64. */
const SECRET_BYTES = 24;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A new signing secret: `whsec_` + base64 of 24 random bytes (32 characters). */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The HMAC key of a secret: the base64-decoded part after `whsec_`. */
function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new WebhookSecretError(`a webhook secret starts with ${SECRET_PREFIX}`);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') silently skips junk, so check the alphabet first.
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) {
    throw new WebhookSecretError(`a webhook secret is ${SECRET_PREFIX} followed by base64`);
  }
  return Buffer.from(encoded, 'base64');
}

/** What is signed for one attempt. */
export interface SignatureInput {
  /** The message id (`webhook-id`): the same on every retry, so receivers can deduplicate. */
  readonly id: string;
  /** When this attempt is sent, in whole seconds since the epoch (`webhook-timestamp`). */
  readonly timestamp: number;
  /** The exact request body that is sent. */
  readonly body: string;
  /**
   * The endpoint's current secrets; during a rotation the new and the old one, so a
   * receiver that knows either accepts the message. At least one.
   */
  readonly secrets: readonly string[];
}

function checkInput(input: SignatureInput): void {
  // The id and the timestamp are joined with dots and sent as header values.
  if (!/^[\x21-\x7e]+$/.test(input.id) || input.id.includes('.')) {
    throw new WebhookError('invalid_message_id', 'a webhook id is printable ASCII without spaces or dots');
  }
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new RangeError('a webhook timestamp is whole seconds since the epoch');
  }
  if (input.secrets.length === 0) throw new WebhookSecretError('at least one secret signs a webhook');
}

/**
 * The `webhook-signature` value: one `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * per secret, separated by spaces.
 */
export function signatureHeader(input: SignatureInput): string {
  checkInput(input);
  const signed = `${input.id}.${input.timestamp}.${input.body}`;
  return input.secrets
    .map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(signed, 'utf8').digest('base64')}`)
    .join(' ');
}

/** The headers of one delivery attempt. */
export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
  readonly 'content-type': 'application/json';
  readonly 'user-agent': 'Softland-Webhooks/1';
  readonly [name: string]: string;
}

/** The Standard Webhooks headers (plus content type and user agent) for one attempt. */
export function webhookHeaders(input: SignatureInput): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signatureHeader(input),
    'content-type': 'application/json',
    'user-agent': 'Softland-Webhooks/1',
  };
}
