import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.ts';
import type { Stores } from '../../shared/store/index.ts';
import { freshStores } from '../dynamo.ts';
import { numbersIn, snapshotArbitrary } from '../arbitraries.ts';

/**
 * Property-based fuzzing of every endpoint through the real app and DynamoDB Local:
 * valid bodies from the schemas' own generators, then mutated at a random place with
 * hostile values. Whatever comes in: never a 5xx, every error a problem+json naming its
 * code, every success valid JSON whose numbers are all finite.
 */

let app: ReturnType<typeof createApp>;
let stores: Stores;
let key: string;
let endpointId: string;

beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, allowInsecureWebhooks: true, sweepRunner: async () => {}, logError: () => {} });
  key = (await stores.apiKeys.issue((await stores.tenants.create('fuzz')).tenantId)).secret;
  const created = await call('POST', '/v1/webhook-endpoints', JSON.stringify({ url: 'https://hooks.example.com/x', events: ['market.stale'] }));
  endpointId = ((await created.json()) as { id: string }).id;
});

function call(method: string, path: string, body?: string, contentType = 'application/json') {
  return app.request(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': contentType }) },
    ...(body === undefined ? {} : { body }),
  });
}

/** Hostile leaves: extreme numbers, wrong types, odd strings, prototype keys. */
const hostile = fc.oneof(
  fc.constantFrom(1e308, -1e308, 5e-324, -0, 0, 1e12, -1e12, 1e13, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.constantFrom('', '../../etc/passwd', '😀', '\u0000', 'NaN', 'Infinity', '1e309', '__proto__', 'a'.repeat(5000)),
  fc.constant(null),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(JSON.parse('{"__proto__": {"x": 1}}')),
);

/** The value with one randomly chosen place replaced (or a key added) by a hostile value. */
function mutate(value: unknown, choice: number, replacement: unknown): unknown {
  const places: Array<(root: unknown) => unknown> = [];
  const walk = (v: unknown, setter: (x: unknown) => unknown) => {
    places.push(setter);
    if (Array.isArray(v)) v.forEach((item, i) => {
      walk(item, (x) => setter(v.map((y, j) => (j === i ? x : y))));
    });
    else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], (x) => setter({ ...(v as object), [k]: x }));
      places.push(() => setter({ ...(v as object), injected: replacement }));
    }
  };
  walk(value, (x) => x);
  return places[choice % places.length]!(replacement);
}

async function expectSound(res: Response): Promise<void> {
  expect(res.status, `status ${res.status}`).toBeLessThan(500);
  expect(res.headers.get('X-Request-Id')).toMatch(/^req_/);
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  if (res.status >= 400) {
    expect(res.headers.get('Content-Type')).toMatch(/application\/problem\+json/);
    expect(body).toMatchObject({ status: res.status, code: expect.any(String), type: expect.any(String) });
  }
  for (const [path, n] of numbersIn(body)) expect(Number.isFinite(n), path).toBe(true);
}

const mutated = <T>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, fc.nat(), hostile, fc.boolean()).map(([valid, choice, replacement, keep]) => (keep ? valid : mutate(valid, choice, replacement)));

const RUNS = { numRuns: 60 };

describe('fuzzing every endpoint (fast-check)', () => {
  it('POST /v1/assessments', async () => {
    await fc.assert(fc.asyncProperty(mutated(snapshotArbitrary({ maxPositions: 4 })), async (body) => expectSound(await call('POST', '/v1/assessments', JSON.stringify(body)))), RUNS);
  });

  it('PUT /v1/accounts/{accountId} and GET /v1/accounts', async () => {
    const book = snapshotArbitrary({ maxPositions: 3 }).map(({ collateral, positions }) => ({ collateral, positions }));
    await fc.assert(
      fc.asyncProperty(mutated(book), fc.oneof(fc.constant('acct-f'), fc.string({ maxLength: 40 })), async (body, id) => {
        await expectSound(await call('PUT', `/v1/accounts/${encodeURIComponent(id)}`, JSON.stringify(body)));
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('tier', 'limit', 'cursor', 'x'), fc.string({ maxLength: 30 })), async (query) => {
        await expectSound(await call('GET', `/v1/accounts?${new URLSearchParams(query)}`));
      }),
      RUNS,
    );
  });

  it('PUT /v1/market', async () => {
    const market = fc.record({ market: fc.record({ BTC: fc.record({ price: fc.double({ min: 1, max: 1e6, noNaN: true }) }) }), force: fc.constant(true) });
    await fc.assert(fc.asyncProperty(mutated(market), async (body) => expectSound(await call('PUT', '/v1/market', JSON.stringify(body)))), RUNS);
  });

  it('webhook endpoints', async () => {
    const create = fc.record({ url: fc.constantFrom('https://hooks.example.com/a', 'http://127.0.0.1/x'), events: fc.constant(['account.tier_changed']) });
    await fc.assert(fc.asyncProperty(mutated(create), async (body) => expectSound(await call('POST', '/v1/webhook-endpoints', JSON.stringify(body)))), RUNS);
    const patch = fc.record({ enabled: fc.boolean(), events: fc.constant(['market.stale']) });
    await fc.assert(fc.asyncProperty(mutated(patch), async (body) => expectSound(await call('PATCH', `/v1/webhook-endpoints/${endpointId}`, JSON.stringify(body)))), RUNS);
  });

  it('paths and queries of the GET endpoints', async () => {
    const segment = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('..', '%2e%2e', 'asm_01JDZ8X7Q4M5V2N9T3K6P8R1WC', 'swp_01JDZ8X7Q4M5V2N9T3K6P8R1WC', '%00'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/v1/assessments/', '/v1/sweeps/', '/v1/webhook-endpoints/', '/v1/accounts/'), segment, fc.string({ maxLength: 20 }), async (prefix, id, q) => {
        await expectSound(await call('GET', `${prefix}${encodeURIComponent(id)}?limit=${encodeURIComponent(q)}`));
      }),
      RUNS,
    );
  });
});
