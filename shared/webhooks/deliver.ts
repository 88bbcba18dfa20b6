import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkWebhookUrl } from './address-policy.ts';
import { DeliveryTimeoutError, WebhookUrlError } from './errors.ts';
import { guardedLookup } from './guarded-lookup.ts';
import { parseRetryAfter } from './retry-after.ts';

/** Budget of one attempt, from the DNS lookup to the end of the response. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 15_000;
/** From the DNS lookup to an open connection (TLS included): a receiver that cannot be reached is known sooner. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
/** From the request sent to the response's status line: a receiver that accepts and never answers. */
export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 10_000;

/** At most this much of a response body is read; the rest is dropped with the connection. */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

/** One signed POST to an endpoint. */
export interface DeliveryRequest {
  readonly url: string;
  /** Usually {@link webhookHeaders}; `content-length` is set here. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON payload, exactly as signed. */
  readonly body: string;
}

/**
 * What one attempt came to, which is all the dispatcher needs to decide:
 * - `delivered`: a 2xx; done.
 * - `retry`: try again later (see `nextAttemptAt`), after `retryAfterMs` if the endpoint
 *   asked; `reason` is a stable code (`server_error`, `rate_limited`, `client_error`,
 *   `redirect`, `unexpected_status`, `timeout`, `connect_timeout`, `dns_failed`, `connection_failed`,
 *   `tls_failed`, `network_error`) and `detail` says more for people.
 * - `gone`: 410; the endpoint asked to be disabled.
 * - `refused`: the URL or the address it resolves to breaks the target policy
 *   (`reason` is the {@link WebhookUrlError} code); retrying cannot help.
 */
export type DeliveryResult =
  | { readonly outcome: 'delivered'; readonly status: number }
  | {
      readonly outcome: 'retry';
      readonly status?: number;
      readonly reason: string;
      readonly retryAfterMs?: number;
      readonly detail?: string;
    }
  | { readonly outcome: 'gone'; readonly status: 410 }
  | { readonly outcome: 'refused'; readonly reason: string; readonly detail?: string };

/** Options of {@link deliverWebhook}. */
export interface DeliveryOptions {
  /** Budget for the whole attempt (DNS, connect, TLS, response). Default 15000 ms. */
  readonly timeoutMs?: number;
  /** Budget from the start to an open connection (DNS, TCP, TLS): `connect_timeout` past it. Default 3000 ms. */
  readonly connectTimeoutMs?: number;
  /** Budget from the request sent to the response's status line: `timeout` past it. Default 10000 ms. */
  readonly firstByteTimeoutMs?: number;
  /** Development only: allow `http:` and loopback targets. Default `false`. */
  readonly allowInsecureLocal?: boolean;
  /** The resolver whose answers are checked and dialled. Default `dns.lookup`. */
  readonly lookup?: LookupFunction;
  /** The clock that `Retry-After` dates are read against. Default the system clock. */
  readonly now?: () => Date;
}

/** Maps a response status (and its Retry-After) to a result. */
function statusResult(status: number, retryAfter: string | undefined, now: Date): DeliveryResult {
  if (status >= 200 && status < 300) return { outcome: 'delivered', status };
  if (status === 410) return { outcome: 'gone', status };
  const reason =
    status >= 300 && status < 400
      ? 'redirect' // never followed: the target could be anywhere, including inside
      : status === 429
        ? 'rate_limited'
        : status >= 500 && status < 600
          ? 'server_error'
          : status >= 400 && status < 500
            ? 'client_error'
            : 'unexpected_status';
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  return retryAfterMs === undefined
    ? { outcome: 'retry', status, reason }
    : { outcome: 'retry', status, reason, retryAfterMs };
}

/** Maps a failure before any response to a result. */
function errorResult(error: unknown): DeliveryResult {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const detail = error instanceof Error ? error.message || code : String(error);
  if (code === 'forbidden_address') return { outcome: 'refused', reason: code, detail };
  if (code === 'timeout') return { outcome: 'retry', reason: 'timeout', detail };
  if (code === 'connect_timeout') return { outcome: 'retry', reason: 'connect_timeout', detail };
  if (code === 'dns_failed' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') {
    return { outcome: 'retry', reason: 'dns_failed', detail };
  }
  if (/^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE)$/.test(code)) {
    return { outcome: 'retry', reason: 'connection_failed', detail };
  }
  if (/^ERR_(TLS|SSL)_|CERT|SELF_SIGNED|UNABLE_TO_/.test(code)) return { outcome: 'retry', reason: 'tls_failed', detail };
  return { outcome: 'retry', reason: 'network_error', detail };
}

/**
 * Sends one webhook attempt. The URL is checked against the target policy first, and
 * every address its host resolves to is checked again as the connection is made.
 * Redirects are never followed, the attempt is cut off after `timeoutMs`, and at most
 * {@link MAX_RESPONSE_BODY_BYTES} of the answer are read. Never throws for anything the
 * endpoint or the network does: every such case is a {@link DeliveryResult}.
 */
export async function deliverWebhook(request: DeliveryRequest, options: DeliveryOptions = {}): Promise<DeliveryResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) throw new RangeError('timeoutMs is a positive number');
  const allowInsecureLocal = options.allowInsecureLocal === true;
  let url: URL;
  try {
    url = checkWebhookUrl(request.url, { allowInsecureLocal });
  } catch (error) {
    if (error instanceof WebhookUrlError) return { outcome: 'refused', reason: error.code, detail: error.message };
    throw error;
  }
  const now = options.now ?? (() => new Date());
  const body = Buffer.from(request.body, 'utf8');

  return new Promise<DeliveryResult>((resolve) => {
    // Once the status line is in, it decides the outcome whatever happens to the body.
    let answered: DeliveryResult | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: DeliveryResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };

    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname + url.search,
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(body.length) },
      lookup: guardedLookup({ lookup: options.lookup, allowLoopback: allowInsecureLocal }),
      // A fresh connection per attempt: nothing pooled is shared between endpoints, and
      // every connection goes through the guarded lookup.
      agent: false,
    });

    timer = setTimeout(() => finish(answered ?? errorResult(new DeliveryTimeoutError(timeoutMs))), timeoutMs);
    // Tighter budgets inside the whole one: reaching the receiver, then its first answer.
    const connectBudget = Math.min(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, timeoutMs);
    const connectTimer = setTimeout(() => finish(errorResult(new DeliveryTimeoutError(connectBudget, 'connect_timeout'))), connectBudget);
    let firstByteTimer: NodeJS.Timeout | undefined;
    req.on('socket', (socket) => {
      const connected = () => {
        clearTimeout(connectTimer);
        const budget = options.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS;
        firstByteTimer = setTimeout(() => finish(answered ?? errorResult(new DeliveryTimeoutError(budget))), budget);
      };
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', connected);
    });
    req.on('close', () => {
      clearTimeout(connectTimer);
      clearTimeout(firstByteTimer);
    });

    req.on('error', (error) => finish(answered ?? errorResult(error)));
    req.on('response', (res) => {
      clearTimeout(firstByteTimer);
      const result = statusResult(res.statusCode ?? 0, res.headers['retry-after'], now());
      answered = result;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= MAX_RESPONSE_BODY_BYTES) finish(result);
      });
      res.on('end', () => finish(result));
      res.on('error', () => finish(result));
    });
    req.end(body);
  });
}
