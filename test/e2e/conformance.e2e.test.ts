/**
 * Conformance of the live API to its committed OpenAPI document (openapi/openapi.json).
 *
 * The real local server runs over the run's DynamoDB Local, behind Stoplight Prism's
 * validating proxy (`prism proxy … --errors false`: every request is forwarded, every answer
 * passed back as the server gave it). A tour calls every operation of the document through
 * Prism, with its success statuses and every error status that can be provoked from outside
 * (400, 401, 403, 404, 409 where no race is needed, 413, 415, 422). Prism reports in
 * `sl-violations` how each request and each answer break the document:
 * - any response violation fails the suite, and so does a status the document does not list
 *   for the operation, or a status other than the one the tour expects;
 * - request violations are expected for the deliberately bad requests, and only for them: a
 *   400 for a request Prism finds valid means the server refuses what the document allows;
 * - Prism cannot carry bodies above the 4 MiB limit (see `direct`): those 413s go straight to
 *   the server and their answers are validated here against the same document.
 * The webhooks the server sends during the tour (every event type of the document) reach a
 * verifying receiver and are validated with ajv against the document's `webhooks` section.
 * Finally the tour must have stopped at every operation the document has, with every status
 * it lists (but 429 and 503): a new route, or a new status, without a tour stop fails.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../local-server.ts';
import { startPrismProxy, violationsOf, type PrismProxy, type PrismViolation } from '../prism.ts';
import { useVerifyingReceiver } from '../webhook-receiver.ts';

const DOCUMENT_PATH = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));

interface OpenApiOperation {
  operationId: string;
  responses: Record<string, unknown>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { schema: { $ref: string } } } } } }>;
  components: Record<string, unknown>;
}
const document = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')) as OpenApiDocument;

interface DocumentedResponse {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, { schema: unknown }>;
}

/** One operation of the document. */
interface Operation {
  readonly operationId: string;
  readonly method: string;
  readonly template: string;
  readonly statuses: readonly string[];
}
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const operations = new Map<string, Operation>();
for (const [template, item] of Object.entries(document.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!HTTP_METHODS.has(method)) continue;
    operations.set(op.operationId, { operationId: op.operationId, method: method.toUpperCase(), template, statuses: Object.keys(op.responses) });
  }
}

/**
 * Documented statuses the tour does not provoke, and why. Everything else the document lists
 * for an operation must come up in the tour (checked at the end).
 */
const NOT_PROVOKED: Record<string, string> = {
  '429': 'needs a tenant rate limit spent (functions/api/app.test.ts)',
  '503': 'needs DynamoDB down (test/e2e/faults.e2e.test.ts)',
};
/** 409s that need a race (idempotency_in_progress, a concurrent change), per operation. */
const RACY_409 = new Set(['createAssessment', 'putMarket', 'createWebhookEndpoint', 'updateWebhookEndpoint', 'rotateWebhookSecret', 'sendTestWebhook', 'createSweep']);

const DEFAULT_CODES: Record<number, string> = { 400: 'invalid_request', 401: 'unauthorized', 403: 'insufficient_scope', 404: 'resource_missing', 413: 'body_too_large', 415: 'unsupported_media_type' };

/** One call of the tour, as Prism judged it. */
interface TourCall {
  readonly operationId: string;
  readonly label: string;
  readonly method: string;
  readonly template: string;
  readonly generated: boolean;
  readonly beyondSchema: boolean;
  readonly url: string;
  readonly status: number;
  /** The problem's `code`, for error answers. */
  readonly code: string | undefined;
  readonly violations: readonly PrismViolation[];
}
const tour: TourCall[] = [];

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

interface CallOptions {
  /** API key; `null` for none. Default the dev tenant's admin key. */
  key?: string | null;
  path?: Record<string, string | number>;
  query?: Record<string, string | number>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * The problem `code` an error answer must carry. Default by status: 400 invalid_request,
   * 401 unauthorized, 403 insufficient_scope, 404 resource_missing, 413 body_too_large,
   * 415 unsupported_media_type (docs/api.md, "Errors"); 409 and 422 name theirs.
   */
  code?: string;
  /** A 400 by a rule the document's schemas cannot express (a cursor the listing did not issue): no request violation expected. */
  beyondSchema?: boolean;
  /** A call the tour derives from the document itself (the 401/403 rounds, probes): it does not count as a tour stop. */
  generated?: boolean;
  /** Sent as is, with this content type. */
  raw?: { body: string; contentType: string };
  idempotencyKey?: string;
  /**
   * Straight to the server, the answer validated here against the document instead of by
   * Prism: for bodies above the 4 MiB limit. The server answers 413 without reading the body
   * and resets the connection half a second later; Prism 5.16 (node-fetch 2) is still
   * writing the body then, gets EPIPE as an unhandled socket error and exits.
   */
  direct?: boolean;
}

const { server } = useTestServer('e2e-conf', { dispatchIntervalMs: 100, allowInsecureWebhooks: true });
const receiver = useVerifyingReceiver<{ type: string }>();
/** The server's own address (127.0.0.1, not localhost: Prism dials what localhost resolves to first). */
let upstream: string;
let prism: PrismProxy;
const keys = { admin: '', read: '', liquidator: '', stranger: '' };

/**
 * Calls `operationId` through Prism, records the answer and Prism's violations, and checks
 * (softly) the status is `expected` (`documented`: any status the operation lists, checked at the end).
 */
async function call(operationId: string, expected: number | 'documented', label: string, options: CallOptions = {}): Promise<Answer> {
  const op = operations.get(operationId);
  if (!op) throw new Error(`no operation ${operationId} in the document`);
  const path = op.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = options.path?.[name];
    if (value === undefined) throw new Error(`${operationId}: no value for path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const query = options.query ? `?${new URLSearchParams(Object.entries(options.query).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
  const url = (options.direct ? upstream : prism.url) + path + query;
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? keys.admin : options.key;
  if (key !== null) headers['Authorization'] = `Bearer ${key}`;
  if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
  let body: string | undefined;
  if (options.raw) {
    headers['Content-Type'] = options.raw.contentType;
    body = options.raw.body;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(url, { method: op.method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown = text;
  if (/json/.test(res.headers.get('content-type') ?? '') && text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // kept as text: Prism reports a body that does not parse
    }
  }
  const violations = options.direct ? validateAnswer(op, res.status, res.headers, parsed) : violationsOf(res.headers);
  tour.push({ operationId, label: options.direct ? `${label}, direct` : label, method: op.method, template: op.template, generated: options.generated ?? false, beyondSchema: options.beyondSchema ?? false, url: path + query, status: res.status, code: (parsed as { code?: string } | undefined)?.code, violations });
  // Soft: a wrong status fails the suite but the tour goes on, so one run lists every deviation.
  if (expected === 'documented') return { status: res.status, headers: res.headers, body: parsed };
  expect.soft(res.status, `${operationId} (${label}) answered ${res.status}: ${text.slice(0, 500)}`).toBe(expected);
  const code = options.code ?? DEFAULT_CODES[expected];
  if (res.status === expected && expected >= 400 && code) expect.soft((parsed as { code?: string }).code, `${operationId} (${label}): the problem's code`).toBe(code);
  return { status: res.status, headers: res.headers, body: parsed };
}

/** The document's schemas for ajv: `#/components/…` references resolve against DOC_ID. */
const DOC_ID = 'https://softland.test/openapi.json';
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema({ $id: DOC_ID, components: document.components });
/** A validator for a schema of the document (a `$ref` into it, or an inline schema with such references). */
function schemaValidator(schema: unknown): ValidateFunction {
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${DOC_ID}#/`)) as object);
}

/**
 * What Prism checks of an answer, for the calls that cannot go through it: the status is
 * documented for the operation, the content type is one of the response's, the body
 * matches its schema and the documented required headers are there.
 */
function validateAnswer(op: Operation, status: number, headers: Headers, body: unknown): PrismViolation[] {
  const response = (document.paths[op.template]![op.method.toLowerCase()]!.responses as Record<string, DocumentedResponse>)[String(status)];
  if (!response) return [{ location: ['response'], severity: 'Warning', message: `Unable to match the returned status code with those defined in the document: ${op.statuses.join(',')}` }];
  const violations: PrismViolation[] = [];
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    if (header.required && !headers.has(name)) violations.push({ location: ['response', 'headers'], severity: 'Error', message: `must have required header ${name}` });
  }
  if (!response.content) return violations;
  const mediaType = (headers.get('content-type') ?? '').split(';')[0]!.trim();
  const content = response.content[mediaType];
  if (!content) return [...violations, { location: ['response'], severity: 'Error', message: `The received media type "${mediaType}" does not match ${Object.keys(response.content).join(', ')}` }];
  const validate = schemaValidator(content.schema);
  if (!validate(body)) violations.push({ location: ['response', 'body'], severity: 'Error', message: ajv.errorsText(validate.errors) });
  return violations;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Well-formed ids of records that do not exist. */
const MISSING = {
  assessment: 'asm_01JDZ8X7Q4M5V2N9T3K6P8R1WC',
  endpoint: 'we_01JDZ8X7Q4M5V2N9T3K6P8R1WC',
  delivery: `dlv_${'0'.repeat(32)}_01JDZ8X7Q4M5V2N9T3K6P8R1WC`,
  sweep: 'swp_01JDZ8X7Q4M5V2N9T3K6P8R1WC',
  liquidation: 'liq_01JDZ8X7Q4M5V2N9T3K6P8R1WC',
};
/** More than the 4 MiB body limit, as JSON (Prism parses it before forwarding). */
const TOO_LARGE = JSON.stringify({ padding: 'x'.repeat(4 * 1024 * 1024 + 1024) });
const NOT_JSON = { body: 'not json', contentType: 'text/plain' };

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** Long 10 ETH perpetual with 6,000 USD: warning at 3,000, tier1 at 2,880 (README, "Liquidations"). */
const ethLong = {
  profile: 'default',
  collateral: [{ asset: 'USD', amount: 6_000 }],
  positions: [{ id: 'eth-perp', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
};

/** Records made along the tour, for later stops and for the 401/403 rounds. */
const ids = {
  assessment: '',
  endpoint: '',
  disabledEndpoint: '',
  testDelivery: '',
  failedDelivery: '',
  sweep: '',
  liquidation: '',
  profileVersion: 0,
  strangerEndpoint: '',
};
const HOOK_PATH = '/hooks/conformance';
const DISABLED_HOOK_PATH = '/hooks/disabled';
const ACCOUNT = 'acct-conformance';
const CANCELLED_ACCOUNT = 'acct-cancelled';
const ESCALATED_ACCOUNT = 'acct-escalated';
const STRANGER_HOOK_PATH = '/hooks/stranger';
const PROFILE = 'conformance-profile';

beforeAll(async () => {
  keys.admin = server.apiKey;
  keys.read = (await server.stores.apiKeys.issue(server.tenantId, { scope: 'read' })).secret;
  keys.liquidator = (await server.stores.apiKeys.issue(server.tenantId, { scope: 'liquidator' })).secret;
  const stranger = await server.stores.tenants.create('conformance stranger');
  keys.stranger = (await server.stores.apiKeys.issue(stranger.tenantId)).secret;
  upstream = server.url.replace('//localhost:', '//127.0.0.1:');
  prism = await startPrismProxy({ document: DOCUMENT_PATH, upstream });
});

afterAll(async () => {
  await prism?.stop();
});

describe('the API through Prism’s validating proxy', () => {
  it('health', async () => {
    await call('getHealth', 200, 'liveness, no key', { key: null });
    await call('getReadiness', 200, 'readiness, no key', { key: null });
  });

  it('webhook endpoints, test events and deliveries', async () => {
    const events = ['account.tier_changed', 'account.recovered', 'market.stale', 'account.unassessable', 'liquidation.opened', 'liquidation.filled', 'liquidation.escalated', 'liquidation.resolved', 'liquidation.cancelled'];
    const created = await call('createWebhookEndpoint', 201, 'every event to the receiver', {
      body: { url: receiver.url + HOOK_PATH, events, description: 'conformance tour' },
      idempotencyKey: 'conf-create-endpoint',
    });
    ids.endpoint = created.body.id;
    receiver.secrets.set(HOOK_PATH, created.body.secret);
    await call('createWebhookEndpoint', 201, 'replayed (secret not kept)', { body: { url: receiver.url + HOOK_PATH, events, description: 'conformance tour' }, idempotencyKey: 'conf-create-endpoint' });
    await call('createWebhookEndpoint', 422, 'idempotency_key_reused', { code: 'idempotency_key_reused', body: { url: `${receiver.url}/other`, events }, idempotencyKey: 'conf-create-endpoint' });
    await call('createWebhookEndpoint', 400, 'no events', { body: { url: `${receiver.url}/other`, events: [] } });
    await call('createWebhookEndpoint', 415, 'text/plain', { raw: NOT_JSON });
    await call('createWebhookEndpoint', 413, 'body above 4 MiB', { raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });
    const disabled = await call('createWebhookEndpoint', 201, 'an endpoint to disable', { body: { url: receiver.url + DISABLED_HOOK_PATH, events: ['market.stale'] } });
    ids.disabledEndpoint = disabled.body.id;
    receiver.secrets.set(DISABLED_HOOK_PATH, disabled.body.secret);

    await call('getWebhookEndpoint', 200, 'the endpoint', { path: { id: ids.endpoint } });
    await call('getWebhookEndpoint', 404, 'unknown id', { path: { id: MISSING.endpoint } });
    await call('getWebhookEndpoint', 400, 'malformed id', { path: { id: 'we_bad' } });
    await call('listWebhookEndpoints', 200, 'first page of one', { query: { limit: 1 } });
    await call('listWebhookEndpoints', 400, 'limit=0', { query: { limit: 0 } });

    await call('updateWebhookEndpoint', 200, 'new description', { path: { id: ids.endpoint }, body: { description: 'conformance tour, updated' } });
    await call('updateWebhookEndpoint', 200, 'disable', { path: { id: ids.disabledEndpoint }, body: { enabled: false, description: null } });
    await call('updateWebhookEndpoint', 404, 'unknown id', { path: { id: MISSING.endpoint }, body: { description: 'x' } });
    await call('updateWebhookEndpoint', 400, 'enabled not a boolean', { path: { id: ids.endpoint }, body: { enabled: 'yes' } });
    await call('updateWebhookEndpoint', 415, 'text/plain', { path: { id: ids.endpoint }, raw: NOT_JSON });
    await call('updateWebhookEndpoint', 413, 'body above 4 MiB', { path: { id: ids.endpoint }, raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });

    const rotated = await call('rotateWebhookSecret', 200, 'with a grace period', { path: { id: ids.endpoint }, body: { graceSeconds: 3_600 }, idempotencyKey: 'conf-rotate' });
    receiver.secrets.set(HOOK_PATH, rotated.body.secret);
    await call('rotateWebhookSecret', 200, 'no body', { path: { id: ids.disabledEndpoint } });
    await call('rotateWebhookSecret', 422, 'idempotency_key_reused', { code: 'idempotency_key_reused', path: { id: ids.endpoint }, body: { graceSeconds: 0 }, idempotencyKey: 'conf-rotate' });
    await call('rotateWebhookSecret', 400, 'negative grace', { path: { id: ids.endpoint }, body: { graceSeconds: -1 } });
    await call('rotateWebhookSecret', 404, 'unknown id', { path: { id: MISSING.endpoint }, body: {} });
    await call('rotateWebhookSecret', 415, 'text/plain', { path: { id: ids.endpoint }, raw: NOT_JSON });
    await call('rotateWebhookSecret', 413, 'body above 4 MiB', { path: { id: ids.endpoint }, raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });

    const test = await call('sendTestWebhook', 202, 'queued', { path: { id: ids.endpoint }, idempotencyKey: 'conf-test' });
    ids.testDelivery = test.body.id;
    await call('sendTestWebhook', 422, 'idempotency_key_reused (another endpoint)', { code: 'idempotency_key_reused', path: { id: ids.disabledEndpoint }, idempotencyKey: 'conf-test' });
    await call('sendTestWebhook', 400, 'malformed id', { path: { id: 'we_bad' } });
    await call('sendTestWebhook', 404, 'unknown id', { path: { id: MISSING.endpoint } });
    await call('sendTestWebhook', 415, 'text/plain', { path: { id: ids.endpoint }, raw: NOT_JSON });
    await call('sendTestWebhook', 413, 'body above 4 MiB', { path: { id: ids.endpoint }, raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });
    // The disabled endpoint's test delivery fails at its first attempt (endpoint_disabled).
    const doomed = await call('sendTestWebhook', 202, 'to the disabled endpoint', { path: { id: ids.disabledEndpoint } });
    ids.failedDelivery = doomed.body.id;

    await call('listWebhookDeliveries', 200, 'the test delivery', { path: { id: ids.endpoint } });
    await call('listWebhookDeliveries', 404, 'unknown endpoint', { path: { id: MISSING.endpoint } });
    await call('listWebhookDeliveries', 400, 'limit=0', { path: { id: ids.endpoint }, query: { limit: 0 } });
    await until('the disabled endpoint’s delivery to fail', async () => {
      const page = await call('listWebhookDeliveries', 200, 'polling the failing delivery', { path: { id: ids.disabledEndpoint } });
      return page.body.data.some((d: { id: string; status: string }) => d.id === ids.failedDelivery && d.status === 'failed') ? true : undefined;
    });
    await receiver.eventAt(HOOK_PATH, 'webhook.test');

    const retry = { id: ids.disabledEndpoint, deliveryId: ids.failedDelivery };
    await call('retryWebhookDelivery', 202, 'a failed delivery', { path: retry, idempotencyKey: 'conf-retry' });
    await call('retryWebhookDelivery', 422, 'idempotency_key_reused (another delivery)', { code: 'idempotency_key_reused', path: { id: ids.endpoint, deliveryId: ids.testDelivery }, idempotencyKey: 'conf-retry' });
    await call('retryWebhookDelivery', 409, 'delivery_not_failed', { code: 'delivery_not_failed', path: { id: ids.endpoint, deliveryId: ids.testDelivery } });
    await call('retryWebhookDelivery', 404, 'unknown delivery', { path: { id: ids.endpoint, deliveryId: MISSING.delivery } });
    await call('retryWebhookDelivery', 400, 'malformed delivery id', { path: { id: ids.endpoint, deliveryId: 'dlv_bad' } });
    await call('retryWebhookDelivery', 415, 'text/plain', { path: retry, raw: NOT_JSON });
    await call('retryWebhookDelivery', 413, 'body above 4 MiB', { path: retry, raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });

    await call('deleteWebhookEndpoint', 200, 'the disabled endpoint', { path: { id: ids.disabledEndpoint } });
    await call('deleteWebhookEndpoint', 404, 'already deleted', { path: { id: ids.disabledEndpoint } });
    await call('deleteWebhookEndpoint', 400, 'malformed id', { path: { id: 'we_bad' } });
  });

  it('market data and registered accounts', async () => {
    await call('putMarket', 200, 'ETH at 3,000', { body: { market: { ETH: { price: 3_000 }, USD: { price: 1 } } } });
    await call('putMarket', 400, 'negative price', { body: { market: { ETH: { price: -1 } } } });
    await call('putMarket', 415, 'text/plain', { raw: NOT_JSON });
    await call('putMarket', 413, 'body above 4 MiB', { raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });
    await call('putMarket', 422, 'price_move_too_large', { code: 'price_move_too_large', body: { market: { ETH: { price: 1_000 } } } });
    await call('getMarket', 200, 'the market');
    await call('getMarket', 404, 'a tenant without market data', { key: keys.stranger });

    await call('putAccount', 201, 'registered', { path: { accountId: ACCOUNT }, body: ethLong });
    await call('putAccount', 200, 'replaced', { path: { accountId: ACCOUNT }, body: ethLong });
    // Two more in the same state: one to delete during its liquidation, one to escalate.
    await call('putAccount', 201, 'an account whose liquidation is cancelled', { path: { accountId: CANCELLED_ACCOUNT }, body: ethLong });
    await call('putAccount', 201, 'an account whose liquidation escalates', { path: { accountId: ESCALATED_ACCOUNT }, body: ethLong });
    // Collateral the market does not price: registered, not assessable (account.unassessable).
    await call('putAccount', 201, 'collateral the market does not price', { path: { accountId: 'acct-unpriced' }, body: { collateral: [{ asset: 'DOGE', amount: 1_000 }], positions: [] } });
    await call('putAccount', 400, 'position without instrument', { path: { accountId: ACCOUNT }, body: { collateral: [], positions: [{ id: 'x', quantity: 1 }] } });
    await call('putAccount', 415, 'text/plain', { path: { accountId: ACCOUNT }, raw: NOT_JSON });
    await call('putAccount', 413, 'body above 4 MiB', { path: { accountId: ACCOUNT }, raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });
    await call('getAccount', 200, 'the account', { path: { accountId: ACCOUNT } });
    await call('getAccount', 404, 'unknown account', { path: { accountId: 'acct-nobody' } });
    await call('getAccount', 400, 'malformed account id', { path: { accountId: '-bad' } });
    // The account's full assessment now, not recorded; 422 for the account the market does not price.
    const now = await call('getAccountAssessment', 200, 'the account assessed now', { path: { accountId: ACCOUNT } });
    expect(now.body).toMatchObject({ object: 'assessment', accountId: ACCOUNT, tier: 'warning' });
    await call('getAccountAssessment', 200, 'read key', { key: keys.read, path: { accountId: ACCOUNT } });
    await call('getAccountAssessment', 404, 'unknown account', { path: { accountId: 'acct-nobody' } });
    await call('getAccountAssessment', 400, 'malformed account id', { path: { accountId: '-bad' } });
    await call('getAccountAssessment', 422, 'collateral the market does not price', { code: 'account_unassessable', path: { accountId: 'acct-unpriced' } });
    // Its liquidation ladder now (the same assessment, revalued along each underlying's price grid); 422 as above.
    const ladder = await call('getAccountLadder', 200, 'the default grid', { path: { accountId: ACCOUNT } });
    expect(ladder.body).toMatchObject({ object: 'liquidation_ladder', accountId: ACCOUNT, tier: 'warning' });
    expect(ladder.body.underlyings.ETH.points).toHaveLength(41);
    await call('getAccountLadder', 200, 'five points within 10%', { path: { accountId: ACCOUNT }, query: { points: 5, range: 0.1 } });
    await call('getAccountLadder', 200, 'read key', { key: keys.read, path: { accountId: ACCOUNT } });
    await call('getAccountLadder', 404, 'unknown account', { path: { accountId: 'acct-nobody' } });
    await call('getAccountLadder', 400, 'more than 201 points', { path: { accountId: ACCOUNT }, query: { points: 203 } });
    await call('getAccountLadder', 400, 'a range of 95%', { path: { accountId: ACCOUNT }, query: { range: 0.95 } });
    // Odd only, so the current price is the middle point: a rule the document says in words, not in its schema.
    await call('getAccountLadder', 400, 'an even number of points', { path: { accountId: ACCOUNT }, query: { points: 4 }, beyondSchema: true });
    await call('getAccountLadder', 422, 'collateral the market does not price', { code: 'account_unassessable', path: { accountId: 'acct-unpriced' } });
    // The counts per reported tier: the three ETH longs in warning, the DOGE account not assessed.
    const summary = await call('getRiskSummary', 200, 'the counts');
    expect(summary.body).toMatchObject({ object: 'risk_summary', accounts: 4, tiers: { healthy: 0, warning: 3, tier1: 0 }, unassessed: 1 });
    await call('getRiskSummary', 200, 'read key', { key: keys.read });
    await call('getRiskSummary', 400, 'a parameter it does not take', { query: { tier: 'warning' }, beyondSchema: true });
    await call('listAccounts', 200, 'every account');
    await call('listAccounts', 200, 'warning tier', { query: { tier: 'warning', limit: 5 } });
    await call('listAccounts', 400, 'unknown tier', { query: { tier: 'bogus' } });
    const first = await call('listAccounts', 200, 'first page of one', { query: { limit: 1 } });
    expect(first.body).toMatchObject({ hasMore: true });
    await call('listAccounts', 200, 'the next page', { query: { limit: 1, cursor: first.body.nextCursor } });
    await call('listAccounts', 400, 'a cursor it did not issue', { query: { cursor: 'not-a-cursor' }, beyondSchema: true });

    await call('putAccount', 201, 'an account to delete', { path: { accountId: 'acct-doomed' }, body: { collateral: [{ asset: 'USD', amount: 1_000 }], positions: [] } });
    await call('deleteAccount', 200, 'deleted', { path: { accountId: 'acct-doomed' } });
    await call('deleteAccount', 404, 'already deleted', { path: { accountId: 'acct-doomed' } });
    await call('deleteAccount', 400, 'malformed account id', { path: { accountId: '-bad' } });
  });

  it('assessments', async () => {
    const snapshot = example('tier1-perpetuals');
    const first = await call('createAssessment', 201, 'tier1 perpetuals, with a plan', { body: snapshot, idempotencyKey: 'conf-assess' });
    ids.assessment = first.body.id;
    const replay = await call('createAssessment', 201, 'replayed', { body: snapshot, idempotencyKey: 'conf-assess' });
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    await call('createAssessment', 201, 'hedged options', { body: example('healthy-hedged-options') });
    await call('createAssessment', 201, 'insolvent', { body: example('insolvent') });
    await call('createAssessment', 422, 'idempotency_key_reused', { code: 'idempotency_key_reused', body: { ...snapshot, accountId: 'acct-other' }, idempotencyKey: 'conf-assess' });
    await call('createAssessment', 400, 'negative price', { body: { ...snapshot, market: { ETH: { price: -1 } } } });
    await call('createAssessment', 415, 'text/plain', { raw: NOT_JSON });
    await call('createAssessment', 413, 'body above 4 MiB', { raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });

    await call('getAssessment', 200, 'the assessment', { path: { id: ids.assessment } });
    await call('getAssessment', 404, 'unknown id', { path: { id: MISSING.assessment } });
    await call('getAssessment', 400, 'malformed id', { path: { id: 'asm_bad' } });
    await call('listAccountAssessments', 200, 'the account’s assessments', { path: { accountId: String(snapshot['accountId']) }, query: { limit: 1 } });
    await call('listAccountAssessments', 400, 'limit=0', { path: { accountId: String(snapshot['accountId']) }, query: { limit: 0 } });
  });

  it('liquidations', async () => {
    await call('putMarket', 200, 'ETH at 2,880: three accounts fall into tier1', { body: { market: { ETH: { price: 2_880 } } } });
    type Step = { stepId: string; quantity: number; remaining: number; referencePrice: number };
    type Liquidation = { id: string; accountId: string; status: string; steps: Step[] };
    const opened = await until('the three liquidations to open', async () => {
      const page = await call('listLiquidations', 200, 'active liquidations', { key: keys.liquidator, query: { status: 'active' } });
      const byAccount = new Map((page.body.data as Liquidation[]).map((l) => [l.accountId, l]));
      return [ACCOUNT, CANCELLED_ACCOUNT, ESCALATED_ACCOUNT].every((a) => byAccount.has(a)) ? byAccount : undefined;
    });
    const liquidation = opened.get(ACCOUNT)!;
    ids.liquidation = liquidation.id;
    const step = liquidation.steps[0]!;
    await call('listLiquidations', 200, 'first page of one, read key', { key: keys.read, query: { limit: 1 } });
    await call('listLiquidations', 400, 'unknown status', { query: { status: 'bogus' } });
    await call('getLiquidation', 200, 'the liquidation', { key: keys.liquidator, path: { id: ids.liquidation } });
    await call('getLiquidation', 404, 'unknown id', { path: { id: MISSING.liquidation } });
    await call('getLiquidation', 400, 'malformed id', { path: { id: 'liq_bad' } });

    // Deleting an account cancels its liquidation (liquidation.cancelled).
    await call('deleteAccount', 200, 'during its liquidation', { path: { accountId: CANCELLED_ACCOUNT } });
    await call('getLiquidation', 200, 'cancelled', { path: { id: opened.get(CANCELLED_ACCOUNT)!.id } });

    const fills = { id: ids.liquidation };
    await call('createLiquidationFill', 201, 'half the step', {
      key: keys.liquidator,
      path: fills,
      body: { stepId: step.stepId, quantity: step.quantity / 2, price: step.referencePrice },
      idempotencyKey: 'conf-fill',
    });
    await call('createLiquidationFill', 201, 'replayed', { key: keys.liquidator, path: fills, body: { stepId: step.stepId, quantity: step.quantity / 2, price: step.referencePrice }, idempotencyKey: 'conf-fill' });
    await call('createLiquidationFill', 422, 'idempotency_key_reused', { code: 'idempotency_key_reused', key: keys.liquidator, path: fills, body: { stepId: step.stepId, quantity: step.quantity / 4, price: step.referencePrice }, idempotencyKey: 'conf-fill' });
    await call('createLiquidationFill', 409, 'quantity_exceeds_remaining', { code: 'quantity_exceeds_remaining', key: keys.liquidator, path: fills, body: { stepId: step.stepId, quantity: step.quantity, price: step.referencePrice } });
    await call('createLiquidationFill', 422, 'price_worse_than_auction', { code: 'price_worse_than_auction', key: keys.liquidator, path: fills, body: { stepId: step.stepId, quantity: step.quantity / 10, price: 1 } });
    await call('createLiquidationFill', 422, 'unknown_step', { code: 'unknown_step', key: keys.liquidator, path: fills, body: { stepId: 'step_9_9', quantity: 0.01, price: step.referencePrice } });
    await call('createLiquidationFill', 400, 'negative quantity', { key: keys.liquidator, path: fills, body: { stepId: step.stepId, quantity: -1, price: step.referencePrice } });
    await call('createLiquidationFill', 404, 'unknown liquidation', { key: keys.liquidator, path: { id: MISSING.liquidation }, body: { stepId: step.stepId, quantity: 0.01, price: step.referencePrice } });
    await call('createLiquidationFill', 415, 'text/plain', { key: keys.liquidator, path: fills, raw: NOT_JSON });
    await call('createLiquidationFill', 413, 'body above 4 MiB', { key: keys.liquidator, path: fills, raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });
    const half = await call('getLiquidation', 200, 'after the fill', { key: keys.liquidator, path: { id: ids.liquidation } });
    // The rest of the step resolves it (README, "Liquidations"); then it takes no more.
    const rest = (half.body as Liquidation).steps.find((s) => s.stepId === step.stepId)!.remaining;
    const resolved = await call('createLiquidationFill', 201, 'the rest of the step', { key: keys.liquidator, path: fills, body: { stepId: step.stepId, quantity: rest, price: step.referencePrice } });
    expect(resolved.body.liquidation.status).toBe('resolved');
    await call('createLiquidationFill', 409, 'liquidation_closed', { code: 'liquidation_closed', key: keys.liquidator, path: fills, body: { stepId: step.stepId, quantity: 0.01, price: step.referencePrice } });

    // 2,850 puts the third account below tier3's 1.0 (equity 4,500 against 4,560): a worse tier escalates its liquidation.
    await call('putMarket', 200, 'ETH at 2,850: a worse tier', { body: { market: { ETH: { price: 2_850 } } } });
    await until('the liquidation to escalate', async () => {
      const answer = await call('getLiquidation', 200, 'polling the escalation', { path: { id: opened.get(ESCALATED_ACCOUNT)!.id } });
      return answer.body.status === 'escalated' ? true : undefined;
    });
    for (const type of ['liquidation.opened', 'account.tier_changed', 'liquidation.filled', 'liquidation.resolved', 'liquidation.cancelled', 'liquidation.escalated']) await receiver.eventAt(HOOK_PATH, type);
  });

  it('risk profiles', async () => {
    const spec = { extends: 'default', description: 'conformance tour', tiers: { tier1: 1.2, tier2: 1.1, tier3: 1.0 }, targetMarginRatio: 1.4 };
    const published = await call('putRiskProfile', 201, 'a new profile', { path: { name: PROFILE }, body: spec });
    ids.profileVersion = published.body.version;
    await call('putRiskProfile', 200, 'unchanged', { path: { name: PROFILE }, body: spec });
    await call('putRiskProfile', 409, 'profile_built_in', { code: 'profile_built_in', path: { name: 'default' }, body: spec });
    await call('putRiskProfile', 400, 'negative tier threshold', { path: { name: PROFILE }, body: { ...spec, tiers: { tier1: -1 } } });
    await call('putRiskProfile', 415, 'text/plain', { path: { name: PROFILE }, raw: NOT_JSON });
    await call('putRiskProfile', 413, 'body above 4 MiB', { path: { name: PROFILE }, raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });
    await call('listRiskProfiles', 200, 'built-ins and ours');
    await call('getRiskProfile', 200, 'ours', { path: { name: PROFILE } });
    await call('getRiskProfile', 200, 'a built-in', { path: { name: 'default' } });
    await call('getRiskProfile', 404, 'unknown name', { path: { name: 'no-such-profile' } });
    await call('getRiskProfile', 400, 'malformed name', { path: { name: '-bad' } });
    await call('getRiskProfileVersion', 200, 'the published version', { path: { name: PROFILE, version: ids.profileVersion } });
    await call('getRiskProfileVersion', 404, 'unknown version', { path: { name: PROFILE, version: 999 } });
    await call('getRiskProfileVersion', 400, 'version 0', { path: { name: PROFILE, version: 0 } });

    // Assessments under a tenant profile (profileVersion set) and under a dynamic scenario range (scenarioRange filled in).
    const dynamic = {
      extends: 'default',
      portfolio: { scenarioRange: { mode: 'dynamic', model: 'ewma', confidence: 0.99, horizonHours: 24, floor: 0.05, cap: 0.5, antiProcyclicality: null } },
    };
    await call('putRiskProfile', 201, 'a dynamic scenario range', { path: { name: 'conformance-dynamic' }, body: dynamic });
    for (const profile of [PROFILE, 'conformance-dynamic']) {
      const assessed = await call('createAssessment', 201, `under ${profile}`, { body: { ...example('tier1-perpetuals'), accountId: 'acct-profiled', profile } });
      expect(assessed.body.profile).toBe(profile);
    }
  });

  it('sweeps', async () => {
    const sweep = await call('createSweep', 202, 'sweep now', { body: {}, idempotencyKey: 'conf-sweep' });
    ids.sweep = sweep.body.id;
    await call('createSweep', 202, 'no body');
    await call('createSweep', 422, 'idempotency_key_reused', { code: 'idempotency_key_reused', body: { unexpected: true }, idempotencyKey: 'conf-sweep' });
    await call('createSweep', 400, 'a parameter it does not take', { body: { unexpected: true } });
    await call('createSweep', 415, 'text/plain', { raw: NOT_JSON });
    await call('createSweep', 413, 'body above 4 MiB', { raw: { body: TOO_LARGE, contentType: 'application/json' }, direct: true });
    await call('getSweep', 200, 'the sweep', { path: { id: ids.sweep } });
    await call('getSweep', 404, 'unknown id', { path: { id: MISSING.sweep } });
    await call('getSweep', 400, 'malformed id', { path: { id: 'swp_bad' } });
    await until('the sweep to finish', async () => {
      const answer = await call('getSweep', 200, 'polling the sweep', { path: { id: ids.sweep } });
      return answer.body.status === 'running' ? undefined : true;
    });
    // A tenant without market data: its sweep ends at once, market_missing (market.stale).
    const endpoint = await call('createWebhookEndpoint', 201, 'another tenant’s endpoint', { key: keys.stranger, body: { url: receiver.url + STRANGER_HOOK_PATH, events: ['market.stale'] } });
    ids.strangerEndpoint = endpoint.body.id;
    receiver.secrets.set(STRANGER_HOOK_PATH, endpoint.body.secret);
    const refused = await call('createSweep', 202, 'a tenant without market data', { key: keys.stranger, body: {} });
    expect(refused.body).toMatchObject({ status: 'completed', reason: 'market_missing' });
    await receiver.eventAt(STRANGER_HOOK_PATH, 'market.stale');
  });

  it('401 without a key and 403 outside the key’s scope, on every operation that lists them; unknown query parameters', async () => {
    /** Path parameters naming records of the tour, per template. */
    const pathOf = (template: string): Record<string, string | number> => {
      if (template.startsWith('/v1/assessments/')) return { id: ids.assessment };
      if (template.startsWith('/v1/accounts/')) return { accountId: ACCOUNT };
      if (template.startsWith('/v1/webhook-endpoints/')) return { id: ids.endpoint, deliveryId: ids.testDelivery };
      if (template.startsWith('/v1/sweeps/')) return { id: ids.sweep };
      if (template.startsWith('/v1/liquidations/')) return { id: ids.liquidation };
      if (template.startsWith('/v1/risk-profiles/')) return { name: PROFILE, version: ids.profileVersion };
      return {};
    };
    for (const op of operations.values()) {
      const path = pathOf(op.template);
      // No body: both refusals come before the body is read.
      if (op.statuses.includes('401')) {
        await call(op.operationId, 401, 'no key', { key: null, path, generated: true });
        await call(op.operationId, 401, 'unknown key', { key: `sk_${'x'.repeat(43)}`, path, generated: true });
      }
      if (op.statuses.includes('403')) {
        const [key, scope] = op.method === 'GET' ? [keys.liquidator, 'liquidator'] : [keys.read, 'read'];
        await call(op.operationId, 403, `${scope} key`, { key, path, generated: true });
      }
      // Listings refuse an unknown parameter (400); the others may ignore it: either way, a documented status.
      if (op.method === 'GET') await call(op.operationId, 'documented', 'unknown query parameter', { key: op.template.startsWith('/health') ? null : keys.admin, path, query: { unexpected: 1 }, generated: true });
    }
  });

  it('answers only what the document allows (Prism reports no response violation)', () => {
    const unrouted = tour.filter((c) => c.violations.some((v) => v.location[0] === 'request' && /route not found|not resolved/i.test(v.message)));
    expect(unrouted.map((c) => `${c.method} ${c.url}`), 'requests Prism could not route (their answers go unvalidated)').toEqual([]);
    const violations = tour.flatMap((c) =>
      c.violations
        .filter((v) => v.location[0] !== 'request')
        .map((v) => `${c.operationId} (${c.label}) ${c.method} ${c.url} → ${c.status}: [${v.severity}] ${v.location.join('.')}: ${v.message}`),
    );
    expect(violations, `Prism's last log lines:\n${prism.logs().slice(-40).join('\n')}`).toEqual([]);
  });

  it('answers every call with a status its operation documents', () => {
    const undocumented = tour.filter((c) => !operations.get(c.operationId)!.statuses.includes(String(c.status))).map((c) => `${c.operationId} (${c.label}) → ${c.status}`);
    expect(undocumented).toEqual([]);
  });

  it('refuses with 400 only requests the document refuses, and accepts the ones it allows', () => {
    // The tour's own stops: an unknown query parameter breaks no OpenAPI rule (a document cannot forbid one), yet the
    // listings refuse it on purpose (docs/api.md, "Pagination").
    const viaPrism = tour.filter((c) => !c.label.endsWith(', direct') && !c.generated);
    const requestViolations = (c: TourCall) => c.violations.filter((v) => v.location[0] === 'request');
    // A 400 for a request Prism finds valid: the server refuses what the document allows.
    expect(viaPrism.filter((c) => c.status === 400 && !c.beyondSchema && requestViolations(c).length === 0).map((c) => `${c.operationId} (${c.label}) ${c.method} ${c.url}`)).toEqual([]);
    // A success for a request Prism finds invalid: the tour meant it to be valid, or the server takes what the document refuses.
    expect(
      viaPrism
        .filter((c) => c.status < 300 && requestViolations(c).length > 0)
        .map((c) => `${c.operationId} (${c.label}) → ${c.status}: ${requestViolations(c).map((v) => `${v.location.join('.')}: ${v.message}`).join('; ')}`),
    ).toEqual([]);
  });

  it('tours every operation of the document, with every status that can be provoked', () => {
    // The tour's own stops only: the 401/403 rounds walk the document and would cover a new operation by themselves.
    const documented = [...operations.values()].map((op) => `${op.method} ${op.template}`).sort();
    const toured = [...new Set(tour.filter((c) => !c.generated).map((c) => `${c.method} ${c.template}`))].sort();
    expect(toured, 'operations of openapi/openapi.json without a stop in the tour (or stops for operations it no longer has)').toEqual(documented);
    const missing: string[] = [];
    for (const op of operations.values()) {
      const seen = new Set(tour.filter((c) => c.operationId === op.operationId).map((c) => String(c.status)));
      for (const status of op.statuses) {
        if (status in NOT_PROVOKED || (status === '409' && RACY_409.has(op.operationId))) continue;
        if (!seen.has(status)) missing.push(`${op.operationId} ${status}`);
      }
    }
    expect(missing, 'documented statuses the tour never provoked').toEqual([]);
  });

  it('sends webhooks that match the document’s webhooks section', async () => {
    const validators = new Map<string, ValidateFunction>();
    for (const [type, webhook] of Object.entries(document.webhooks)) validators.set(type, schemaValidator(webhook.post.requestBody.content['application/json'].schema));
    const invalid: string[] = [];
    const received = new Set<string>();
    for (const [path, endpoint, key] of [
      [HOOK_PATH, ids.endpoint, keys.admin],
      [STRANGER_HOOK_PATH, ids.strangerEndpoint, keys.stranger],
    ] as const) {
      // Every event the tour caused has been delivered: the endpoint's deliveries say which, the receiver has them.
      const deliveries = await until(`every delivery to ${path} to settle`, async () => {
        const page = await call('listWebhookDeliveries', 200, 'settling deliveries', { key, path: { id: endpoint }, query: { limit: 100 } });
        const data = page.body.data as Array<{ eventType: string; status: string }>;
        return data.every((d) => d.status === 'delivered') ? data : undefined;
      });
      const counts = new Map<string, number>();
      for (const d of deliveries) counts.set(d.eventType, (counts.get(d.eventType) ?? 0) + 1);
      for (const [type, n] of counts) {
        received.add(type);
        const validate = validators.get(type);
        for (let nth = 1; nth <= n; nth++) {
          const event = await receiver.eventAt(path, type, nth);
          if (!validate) invalid.push(`${type}: no webhook of this type in the document`);
          else if (!validate(event)) invalid.push(`${type} #${nth}: ${ajv.errorsText(validate.errors, { separator: '; ' })} — ${JSON.stringify(event).slice(0, 300)}`);
        }
      }
    }
    // What the tour provokes on purpose; the document's other events, if any, are validated all the same.
    expect([...received].sort()).toEqual(
      expect.arrayContaining(['webhook.test', 'account.tier_changed', 'market.stale', 'account.unassessable', 'liquidation.opened', 'liquidation.filled', 'liquidation.escalated', 'liquidation.resolved', 'liquidation.cancelled']),
    );
    expect(invalid).toEqual([]);
    expect(receiver.unverified).toEqual([]);
  });
});

/** ajv-formats as a function whatever the module interop makes of its default export. */
function addFormats(ajv: Ajv2020): void {
  const plugin = addFormatsPlugin as unknown as { default?: (a: Ajv2020) => void } & ((a: Ajv2020) => void);
  (plugin.default ?? plugin)(ajv);
}
