/**
 * API key scopes end to end: the real local server on a free port over the run's DynamoDB
 * Local, driven with plain fetch. A `liquidator` key may only use /v1/liquidations, a
 * `read` key only GET; everything else answers 403 `insufficient_scope` and writes nothing
 * (every table is compared item for item around the refused calls).
 */
import { randomBytes } from 'node:crypto';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../shared/store/client.ts';
import { tableNames } from '../../shared/store/tables.ts';
import { useTestServer } from '../local-server.ts';

const tables = tableNames(`e2e-scopes-${randomBytes(4).toString('hex')}-`);
const { server } = useTestServer('e2e-scopes', {
  tables,
  dispatchIntervalMs: 0,
  // A limit, so that the rate-limit table would show a refused call that was counted.
  tenantRequestsPerSecond: 10_000,
});
let db: DynamoDBClient;
const keys = { admin: '', liquidator: '', read: '', otherAdmin: '', otherRead: '', otherLiquidator: '' };
/** Ids of records the dev tenant's admin key created. */
const ids = { assessment: '', endpoint: '', sweep: '' };

const ACCOUNT = 'acct-scoped';
const book = {
  collateral: [{ asset: 'USD', amount: 50_000 }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
};
const snapshot = (accountId = ACCOUNT) => ({
  accountId,
  asOf: '2026-11-23T12:00:00Z',
  collateral: [{ asset: 'USDC', amount: 25_000 }],
  positions: [{ id: 'p2', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 15, entryPrice: 3_200 }],
  market: { ETH: { price: 3_000 }, USDC: { price: 1 } },
});

async function call(key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { res, status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

/** A 403 insufficient_scope problem in the API's problem format, naming the scope needed. */
function expectRefused(answer: Awaited<ReturnType<typeof call>>, scope: string, needed: string) {
  expect(answer.status).toBe(403);
  expect(answer.res.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
  expect(answer.res.headers.get('WWW-Authenticate')).toContain('insufficient_scope');
  const requestId = answer.res.headers.get('X-Request-Id');
  expect(requestId).toMatch(/^req_/);
  expect(answer.body).toMatchObject({
    type: 'https://softland.dev/problems/insufficient_scope',
    title: 'Insufficient scope',
    status: 403,
    code: 'insufficient_scope',
    requestId,
  });
  expect(answer.body.detail).toContain(`scope ${needed}`);
  expect(answer.body.detail).toContain(`this key's scope is ${scope}`);
}

/** Every item of every table of this server, in a stable order. */
async function everything(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [id, name] of Object.entries(tables)) {
    const items: string[] = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: name, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of page.Items ?? []) items.push(JSON.stringify(Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))));
      start = page.LastEvaluatedKey;
    } while (start);
    out[id] = items.sort();
  }
  return out;
}

/** The tables once background work (the admin's sweep) has settled. */
async function settled(): Promise<Record<string, string[]>> {
  let before = await everything();
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await everything();
    if (JSON.stringify(now) === JSON.stringify(before)) return now;
    before = now;
  }
  throw new Error('the tables never settled');
}

beforeAll(async () => {
  db = createDynamoClient({ endpoint: server.dynamoEndpoint });
  const { apiKeys, tenants } = server.stores;
  keys.admin = server.apiKey;
  keys.liquidator = (await apiKeys.issue(server.tenantId, { scope: 'liquidator' })).secret;
  keys.read = (await apiKeys.issue(server.tenantId, { scope: 'read' })).secret;
  const other = await tenants.create('other exchange');
  keys.otherAdmin = (await apiKeys.issue(other.tenantId)).secret;
  keys.otherRead = (await apiKeys.issue(other.tenantId, { scope: 'read' })).secret;
  keys.otherLiquidator = (await apiKeys.issue(other.tenantId, { scope: 'liquidator' })).secret;

  // The dev tenant's records, made by its admin key as before scopes.
  expect((await call(keys.admin, 'PUT', '/v1/market', { market: { ETH: { price: 3_000 }, USD: { price: 1 } } })).status).toBe(200);
  expect((await call(keys.admin, 'PUT', `/v1/accounts/${ACCOUNT}`, book)).status).toBeLessThan(300);
  const assessed = await call(keys.admin, 'POST', '/v1/assessments', snapshot());
  expect(assessed.status).toBe(201);
  ids.assessment = assessed.body.id;
  const endpoint = await call(keys.admin, 'POST', '/v1/webhook-endpoints', { url: 'https://hooks.example.com/softland', events: ['account.tier_changed'] });
  expect(endpoint.status).toBe(201);
  ids.endpoint = endpoint.body.id;
  const sweep = await call(keys.admin, 'POST', '/v1/sweeps', {});
  expect(sweep.status).toBe(202);
  ids.sweep = sweep.body.id;
});

afterAll(async () => {
  db?.destroy();
});

/** Every route of today's API, with a body where it takes one. */
const routes = () => [
  { method: 'POST', path: '/v1/assessments', body: snapshot('acct-refused') },
  { method: 'GET', path: `/v1/assessments/${ids.assessment}` },
  { method: 'GET', path: `/v1/accounts/${ACCOUNT}/assessments` },
  { method: 'PUT', path: '/v1/accounts/acct-refused', body: book },
  { method: 'GET', path: `/v1/accounts/${ACCOUNT}` },
  { method: 'DELETE', path: `/v1/accounts/${ACCOUNT}` },
  { method: 'GET', path: '/v1/accounts' },
  { method: 'PUT', path: '/v1/market', body: { market: { ETH: { price: 2_900 } } } },
  { method: 'GET', path: '/v1/market' },
  { method: 'POST', path: '/v1/sweeps', body: {} },
  { method: 'GET', path: `/v1/sweeps/${ids.sweep}` },
  { method: 'POST', path: '/v1/webhook-endpoints', body: { url: 'https://hooks.example.com/refused', events: ['market.stale'] } },
  { method: 'GET', path: '/v1/webhook-endpoints' },
  { method: 'GET', path: `/v1/webhook-endpoints/${ids.endpoint}` },
  { method: 'PATCH', path: `/v1/webhook-endpoints/${ids.endpoint}`, body: { events: ['market.stale'] } },
  { method: 'DELETE', path: `/v1/webhook-endpoints/${ids.endpoint}` },
  { method: 'POST', path: `/v1/webhook-endpoints/${ids.endpoint}/rotate-secret`, body: {} },
  { method: 'POST', path: `/v1/webhook-endpoints/${ids.endpoint}/test`, body: {} },
  { method: 'GET', path: `/v1/webhook-endpoints/${ids.endpoint}/deliveries` },
  { method: 'POST', path: `/v1/webhook-endpoints/${ids.endpoint}/deliveries/dlv_01JDZ8X7Q4M5V2N9T3K6P8R1WC/retry`, body: {} },
];

describe('API key scopes over HTTP', () => {
  it('refuses every route but /v1/liquidations to a liquidator key, and every write to a read key, writing nothing', async () => {
    const before = await settled();
    for (const { method, path, body } of routes()) {
      // An Idempotency-Key on POSTs: a refused call must not claim it.
      const headers: Record<string, string> = method === 'POST' ? { 'Idempotency-Key': `refused-${method}-${path}` } : {};
      expectRefused(await call(keys.liquidator, method, path, body, headers), 'liquidator', method === 'GET' ? 'read or admin' : 'admin');
      if (method !== 'GET') expectRefused(await call(keys.read, method, path, body, headers), 'read', 'admin');
    }
    // Another tenant's scoped keys are refused the same way, before any lookup.
    expectRefused(await call(keys.otherLiquidator, 'GET', `/v1/accounts/${ACCOUNT}`), 'liquidator', 'read or admin');
    expectRefused(await call(keys.otherRead, 'DELETE', `/v1/accounts/${ACCOUNT}`), 'read', 'admin');
    // Not one item changed: no record, no rate-limit count, no idempotency claim, no event.
    expect(await everything()).toEqual(before);
  });

  it('lets a liquidator key through to /v1/liquidations, and a read key to its GETs only', async () => {
    expect(await call(keys.liquidator, 'GET', '/v1/liquidations?status=open')).toMatchObject({ status: 200, body: { object: 'list', data: [] } });
    expect(await call(keys.read, 'GET', '/v1/liquidations')).toMatchObject({ status: 200, body: { object: 'list' } });
    const fill = { stepId: 'step_1_1', quantity: 1, price: 1 };
    const missing = '/v1/liquidations/liq_01JDZ8X7Q4M5V2N9T3K6P8R1WC';
    expect(await call(keys.liquidator, 'GET', missing)).toMatchObject({ status: 404, body: { code: 'resource_missing' } });
    expect(await call(keys.liquidator, 'POST', `${missing}/fills`, fill)).toMatchObject({ status: 404, body: { code: 'resource_missing' } });
    expectRefused(await call(keys.read, 'POST', `${missing}/fills`, fill), 'read', 'liquidator or admin');
    // The prefix is matched on whole path segments.
    expectRefused(await call(keys.liquidator, 'GET', '/v1/liquidationsX'), 'liquidator', 'read or admin');
  });

  it('answers every GET to a read key as to the admin key', async () => {
    const gets = routes().filter((r) => r.method === 'GET');
    expect(gets.length).toBe(9);
    for (const { path } of gets) {
      const [read, admin] = [await call(keys.read, 'GET', path), await call(keys.admin, 'GET', path)];
      expect({ path, status: read.status }).toEqual({ path, status: 200 });
      expect(read.body).toEqual(admin.body);
    }
    const head = await fetch(`${server.url}/v1/market`, { method: 'HEAD', headers: { Authorization: `Bearer ${keys.read}` } });
    expect(head.status).toBe(200);
  });

  it("shows no key of another tenant anything, whatever its scope", async () => {
    for (const key of [keys.otherRead, keys.otherAdmin]) {
      expect((await call(key, 'GET', `/v1/accounts/${ACCOUNT}`)).status).toBe(404);
      expect((await call(key, 'GET', `/v1/assessments/${ids.assessment}`)).status).toBe(404);
      expect((await call(key, 'GET', `/v1/webhook-endpoints/${ids.endpoint}`)).status).toBe(404);
      expect((await call(key, 'GET', `/v1/sweeps/${ids.sweep}`)).status).toBe(404);
      expect((await call(key, 'GET', '/v1/market')).status).toBe(404);
      expect((await call(key, 'GET', '/v1/accounts')).body.data).toEqual([]);
      expect((await call(key, 'GET', `/v1/accounts/${ACCOUNT}/assessments`)).body.data).toEqual([]);
    }
    expect((await call(keys.otherAdmin, 'DELETE', `/v1/accounts/${ACCOUNT}`)).status).toBe(404);
  });

  it('keeps 401 for unknown and revoked keys, whatever the route', async () => {
    for (const path of ['/v1/liquidations', '/v1/accounts']) {
      const answer = await call(`sk_${'x'.repeat(43)}`, 'GET', path);
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('unauthorized');
    }
    const revoked = await server.stores.apiKeys.issue(server.tenantId, { scope: 'read' });
    expect((await call(revoked.secret, 'GET', '/v1/market')).status).toBe(200);
    await server.stores.apiKeys.revoke(server.tenantId, revoked.keyId);
    expect((await call(revoked.secret, 'GET', '/v1/market')).status).toBe(401);
  });

  it('leaves the admin key able to do everything, with the Idempotency-Keys the refused calls sent', async () => {
    const path = '/v1/assessments';
    const replayed = await call(keys.admin, 'POST', path, snapshot('acct-after'), { 'Idempotency-Key': `refused-POST-${path}` });
    expect(replayed.status).toBe(201); // not 422: the refused call with another body claimed nothing
    expect(replayed.res.headers.get('Idempotent-Replayed')).toBeNull();
    expect((await call(keys.admin, 'PATCH', `/v1/webhook-endpoints/${ids.endpoint}`, { events: ['market.stale'] })).status).toBe(200);
    expect((await call(keys.admin, 'DELETE', `/v1/webhook-endpoints/${ids.endpoint}`)).status).toBe(200);
    expect((await call(keys.admin, 'DELETE', `/v1/accounts/${ACCOUNT}`)).status).toBe(200);
    expect((await call(keys.read, 'GET', `/v1/accounts/${ACCOUNT}`)).status).toBe(404);
  });
});
