/**
 * Errors raised by the webhook delivery core. Each carries a stable `code` so the
 * dispatcher and the API can branch on it (and show it) without parsing messages.
 */
export class WebhookError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookError';
    this.code = code;
  }
}

/** Why a URL is not an acceptable webhook target. */
export type WebhookUrlErrorCode =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'credentials_in_url'
  | 'forbidden_address';

/**
 * The endpoint URL breaks the target policy (https only, no credentials, no internal
 * addresses). Raised when an endpoint is registered and again before every delivery.
 */
export class WebhookUrlError extends WebhookError {
  declare readonly code: WebhookUrlErrorCode;

  constructor(code: WebhookUrlErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'WebhookUrlError';
  }
}

/**
 * A hostname resolved to an address the policy forbids. Raised from inside the
 * connection's DNS lookup, so it fires on the address actually dialled (DNS rebinding).
 */
export class ForbiddenAddressError extends WebhookError {
  /** The host name that was being resolved. */
  readonly hostname: string;
  /** The first forbidden address among those it resolved to. */
  readonly address: string;

  constructor(hostname: string, address: string) {
    super('forbidden_address', `${hostname} resolves to ${address}, which webhooks may not reach`);
    this.name = 'ForbiddenAddressError';
    this.hostname = hostname;
    this.address = address;
  }
}

/** The attempt took longer than its time budget (connect + response). */
export class DeliveryTimeoutError extends WebhookError {
  constructor(timeoutMs: number, code: 'timeout' | 'connect_timeout' = 'timeout') {
    super(code, code === 'connect_timeout' ? `no connection within ${timeoutMs} ms` : `no complete response within ${timeoutMs} ms`);
    this.name = 'DeliveryTimeoutError';
  }
}

/** A signing secret is not `whsec_` followed by non-empty base64. */
export class WebhookSecretError extends WebhookError {
  constructor(message: string) {
    super('invalid_secret', message);
    this.name = 'WebhookSecretError';
  }
}
