import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { benchPortfolio } from '../../bench/portfolios.ts';
import { createDynamoClient } from '../../shared/store/client.ts';
import { createStores, type Stores } from '../../shared/store/index.ts';
import { AssessmentSchema } from '../../shared/schemas/assessment.ts';
import { createApp } from './app.ts';

let stores: Stores;
let names: Awaited<ReturnType<typeof freshStores>>['names'];
let app: ReturnType<typeof createApp>;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  ({ stores, names } = await freshStores());
  app = createApp({ stores, logError: () => {} });
  keyA = (await stores.apiKeys.issue((await stores.tenants.create('A')).tenantId)).secret;
  keyB = (await stores.apiKeys.issue((await stores.tenants.create('B')).tenantId)).secret;
});

const snapshot = (over: Record<string, unknown> = {}) => ({
  accountId: 'acct-42',
  asOf: '2026-11-23T12:00:00Z',
  collateral: [{ asset: 'USDC', amount: 25_000 }],
  positions: [{ id: 'p2', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 15, entryPrice: 3_200 }],
  market: { ETH: { price: 3_000 }, USDC: { price: 1 } },
  ...over,
});

function post(body: unknown, key = keyA, headers: Record<string, string> = {}) {
  return app.request('/v1/assessments', {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const get = (path: string, key = keyA) => app.request(path, { headers: { Authorization: `Bearer ${key}` } });

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
  expect(res.headers.get('X-Request-Id')).toMatch(/^req_/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: expect.stringContaining(code), requestId: res.headers.get('X-Request-Id') });
  return body as { errors?: Array<{ field: string }> };
}

describe('POST /v1/assessments', () => {
  it('assesses, records, and answers 201 with the assessment', async () => {
    const res = await post(snapshot());
    expect(res.status).toBe(201);
    expect(res.headers.get('X-Request-Id')).toMatch(/^req_/);
    const body = AssessmentSchema.parse(await res.json());
    expect(res.headers.get('Location')).toBe(`/v1/assessments/${body.id}`);
    expect(body).toMatchObject({ accountId: 'acct-42', equity: 22_000, tier: 'healthy' });
    const again = await get(`/v1/assessments/${body.id}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(JSON.parse(JSON.stringify(body)));
  });

  it('names every failing field in a 400 problem and records nothing', async () => {
    const problem = await expectProblem(await post(snapshot({ accountId: 'acct-bad', market: { ETH: { price: -1 } } })), 400, 'invalid_request');
    expect(problem.errors!.map((e) => e.field)).toEqual(expect.arrayContaining(['market.ETH.price', 'collateral[0].asset']));
    const list = (await (await get('/v1/accounts/acct-bad/assessments')).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  it('refuses malformed JSON, other content types, prototype keys and huge bodies', async () => {
    await expectProblem(await post('{"accountId":'), 400, 'malformed_json');
    await expectProblem(await post(snapshot(), keyA, { 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type');
    const polluted = await expectProblem(await post('{"__proto__": {"x": 1}, "accountId": "a"}'), 400, 'invalid_request');
    expect(polluted.errors![0]!.field).toBe('__proto__');
    const small = createApp({ stores, maxBodyBytes: 1_000, logError: () => {} });
    const res = await small.request('/v1/assessments', {
      method: 'POST',
      headers: { Authorization: `Bearer ${keyA}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(benchPortfolio(50)),
    });
    await expectProblem(res, 413, 'body_too_large');
  });

  it('reads an empty body as {}: a required one names the fields it misses', async () => {
    const problem = await expectProblem(await post(''), 400, 'invalid_request');
    expect(problem.errors!.map((e) => e.field)).toEqual(expect.arrayContaining(['accountId', 'positions']));
    expect((await post('   ')).status).toBe(400);
  });

  it('reports a mark price no volatility fits, naming the field', async () => {
    const body = snapshot({
      positions: [{ id: 'c', instrument: { type: 'option', underlying: 'ETH', right: 'call', strike: 1_000, expiry: '2026-12-25T08:00:00Z' }, quantity: 1, markPrice: 1 }],
    });
    const problem = await expectProblem(await post(body), 400, 'no_volatility_fits');
    expect(problem.errors![0]!.field).toBe('positions[0].markPrice');
  });
});

describe('authentication and isolation', () => {
  it('refuses missing, malformed and unknown keys with 401', async () => {
    await expectProblem(await app.request('/v1/assessments/asm_01JDZ8X7Q4M5V2N9T3K6P8R1WC'), 401, 'unauthorized');
    await expectProblem(await app.request('/v1/accounts/a/assessments', { headers: { Authorization: 'Basic xyz' } }), 401, 'unauthorized');
    await expectProblem(await get('/v1/accounts/a/assessments', `sk_${'x'.repeat(43)}`), 401, 'unauthorized');
  });

  it("never shows one tenant another tenant's records", async () => {
    const created = (await (await post(snapshot({ accountId: 'acct-private' }))).json()) as { id: string };
    await expectProblem(await get(`/v1/assessments/${created.id}`, keyB), 404, 'resource_missing');
    const list = (await (await get('/v1/accounts/acct-private/assessments', keyB)).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  it('stops accepting a revoked key', async () => {
    const tenant = await stores.tenants.create('C');
    const key = await stores.apiKeys.issue(tenant.tenantId);
    expect((await get('/v1/accounts/a/assessments', key.secret)).status).toBe(200);
    await stores.apiKeys.revoke(tenant.tenantId, key.keyId);
    await expectProblem(await get('/v1/accounts/a/assessments', key.secret), 401, 'unauthorized');
  });
});

describe('listing', () => {
  it('pages newest first with a cursor, and validates limit and cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await (await post(snapshot({ accountId: 'acct-pages' }))).json()) as { id: string }).id);
    const first = (await (await get('/v1/accounts/acct-pages/assessments?limit=2')).json()) as { data: Array<{ id: string }>; hasMore: boolean; nextCursor: string };
    expect(first).toMatchObject({ object: 'list', hasMore: true });
    const second = (await (await get(`/v1/accounts/acct-pages/assessments?limit=2&cursor=${first.nextCursor}`)).json()) as { data: Array<{ id: string }>; hasMore: boolean };
    expect([...first.data, ...second.data].map((s) => s.id)).toEqual(ids.reverse());
    expect((await expectProblem(await get('/v1/accounts/acct-pages/assessments?limit=500'), 400, 'invalid_request')).errors![0]!.field).toBe('limit');
    expect((await expectProblem(await get('/v1/accounts/acct-pages/assessments?cursor=nope'), 400, 'invalid_request')).errors![0]!.field).toBe('cursor');
    expect((await expectProblem(await get('/v1/assessments/not-an-id'), 400, 'invalid_request')).errors![0]!.field).toBe('id');
  });
});

describe('Idempotency-Key', () => {
  it('answers the same key and body with the same assessment', async () => {
    const first = await post(snapshot(), keyA, { 'Idempotency-Key': 'order-1' });
    const second = await post(snapshot(), keyA, { 'Idempotency-Key': 'order-1' });
    expect(second.status).toBe(201);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(((await second.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
  });

  it('refuses the same key with another body (422) and while in flight (409)', async () => {
    await post(snapshot(), keyA, { 'Idempotency-Key': 'order-2' });
    await expectProblem(await post(snapshot({ accountId: 'other' }), keyA, { 'Idempotency-Key': 'order-2' }), 422, 'idempotency_key_reused');
    // Another tenant may use the same key freely.
    expect((await post(snapshot({ accountId: 'other' }), keyB, { 'Idempotency-Key': 'order-2' })).status).toBe(201);
    const tenantId = (await stores.apiKeys.authenticate(keyA))!.tenantId;
    const body = JSON.stringify(snapshot());
    const { createHash } = await import('node:crypto');
    await stores.idempotency.claim({ tenantId, key: 'order-3', requestHash: createHash('sha256').update('POST /v1/assessments\n').update(body).digest('hex') });
    const res = await post(body, keyA, { 'Idempotency-Key': 'order-3' });
    await expectProblem(res, 409, 'idempotency_in_progress');
    expect(res.headers.get('Retry-After')).toBe('1');
  });

  it('replays a 400 for the same bad request', async () => {
    const bad = snapshot({ market: {} });
    const first = await expectProblem(await post(bad, keyA, { 'Idempotency-Key': 'bad-1' }), 400, 'invalid_request');
    const again = await post(bad, keyA, { 'Idempotency-Key': 'bad-1' });
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect((await again.json()) as object).toMatchObject({ errors: first.errors });
  });

  it('lists the first 100 failing fields of a large 400, counts the rest, and replays it in full naming the replaying request', async () => {
    const positions = Array.from({ length: 3_000 }, (_, i) => ({ id: `p${i}`, instrument: { type: 'perpetual', underlying: 'eth' }, quantity: 'lots', leverage: 10 }));
    const bad = snapshot({ positions });
    const first = await post(bad, keyA, { 'Idempotency-Key': 'big-bad-1' });
    const { requestId: _, ...firstBody } = (await expectProblem(first, 400, 'invalid_request')) as Record<string, unknown>;
    // Three failing fields per position (underlying, quantity, leverage): 9,000 in all.
    expect(firstBody).toMatchObject({ errorsOmitted: 8_900, detail: expect.stringMatching(/; and 8995 more$/) });
    expect(firstBody['errors']).toHaveLength(100);
    const again = await post(bad, keyA, { 'Idempotency-Key': 'big-bad-1' });
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    // expectProblem checks that the body's requestId is the replay's X-Request-Id.
    const { requestId: replayId, ...againBody } = (await expectProblem(again, 400, 'invalid_request')) as Record<string, unknown>;
    expect(replayId).not.toBe(first.headers.get('X-Request-Id'));
    expect(againBody).toEqual(firstBody);
  });

  it('stores no 409 conflict: a retry with the same key runs again', async () => {
    // The first save loses a race, as when two rotations of one endpoint overlap.
    let refusals = 0;
    const endpoints = stores.webhookEndpoints;
    const racing = Object.assign(Object.create(endpoints) as typeof endpoints, {
      save: (tenantId: string, endpoint: Parameters<typeof endpoints.save>[1]) => (refusals-- > 0 ? Promise.resolve(false) : endpoints.save(tenantId, endpoint)),
    });
    const racy = createApp({ stores: { ...stores, webhookEndpoints: racing }, allowInsecureWebhooks: true, logError: () => {} });
    const call = (path: string, body: unknown, key: string) =>
      racy.request(path, { method: 'POST', headers: { Authorization: `Bearer ${keyA}`, 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify(body) });
    const created = (await (await call('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook', events: ['market.stale'] }, 'we-create-1')).json()) as { id: string };
    refusals = 1;
    const rotate = () => call(`/v1/webhook-endpoints/${created.id}/rotate-secret`, {}, 'rotate-1');
    const refused = await rotate();
    await expectProblem(refused, 409, 'conflict');
    expect(refused.headers.get('Retry-After')).toBe('1');
    const retry = await rotate();
    expect(retry.status).toBe(200);
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull();
    const replay = await rotate();
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
    // The same answer, but for the secret: shown once, never kept for replay.
    const { secret: _secret, ...answered } = (await retry.json()) as Record<string, unknown>;
    expect(await replay.json()).toEqual(answered);
  });
});

describe('optional bodies', () => {
  const call = (path: string, body: string, key: string) =>
    app.request(path, { method: 'POST', headers: { Authorization: `Bearer ${keyA}`, 'Content-Type': 'application/json', 'Idempotency-Key': key }, body });

  it('rotate-secret takes an empty body with a JSON content type, as generated clients send it', async () => {
    const insecure = createApp({ stores, allowInsecureWebhooks: true, logError: () => {} });
    const created = (await (
      await insecure.request('/v1/webhook-endpoints', {
        method: 'POST',
        headers: { Authorization: `Bearer ${keyA}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'opt-create-1' },
        body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['market.stale'] }),
      })
    ).json()) as { id: string };
    const rotated = await call(`/v1/webhook-endpoints/${created.id}/rotate-secret`, '', 'opt-rotate-1');
    expect(rotated.status).toBe(200);
    expect(((await rotated.json()) as { secret: string }).secret).toMatch(/^whsec_/);
  });

  it('POST /v1/sweeps takes no body, an empty one or {}, and names any field sent', async () => {
    expect((await call('/v1/sweeps', '', 'opt-sweep-1')).status).toBe(202);
    expect((await call('/v1/sweeps', '{}', 'opt-sweep-2')).status).toBe(202);
    const problem = await expectProblem(await call('/v1/sweeps', '{"accounts":["a"]}', 'opt-sweep-3'), 400, 'invalid_request');
    expect(problem.errors!.map((e) => e.field)).toEqual(['accounts']);
  });
});

describe('per-tenant rate limit', () => {
  it('answers 429 rate_limited with Retry-After once the tenant has spent its second, other tenants unaffected', async () => {
    const limited = createApp({ stores, tenantRequestsPerSecond: 1, logError: () => {} });
    const statuses: number[] = [];
    let throttled: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await limited.request('/v1/accounts/a/assessments', { headers: { Authorization: `Bearer ${keyA}` } });
      statuses.push(res.status);
      if (res.status === 429) throttled = res;
    }
    // One per second: at most two succeed even if the calls straddle a second boundary.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(2);
    await expectProblem(throttled!, 429, 'rate_limited');
    expect(throttled!.headers.get('Retry-After')).toBe('1');
    expect((await limited.request('/v1/accounts/a/assessments', { headers: { Authorization: `Bearer ${keyB}` } })).status).toBe(200);
  });
});

describe('errors everywhere are problems', () => {
  it('unknown routes', async () => {
    await expectProblem(await app.request('/nope'), 404, 'route_not_found');
    await expectProblem(await get('/v1/nope'), 404, 'route_not_found');
  });

  it('503 with Retry-After when the database is away, and no 201 for an unrecorded call', async () => {
    const dead = createStores(createDynamoClient({ endpoint: 'http://127.0.0.1:9' }), names);
    const halfDead = createApp({ stores: { ...dead, apiKeys: stores.apiKeys }, logError: () => {} });
    const res = await halfDead.request('/v1/assessments', {
      method: 'POST',
      headers: { Authorization: `Bearer ${keyA}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(snapshot()),
    });
    await expectProblem(res, 503, 'service_unavailable');
    expect(res.headers.get('Retry-After')).toBe('1');
  });
});

describe('meta', () => {
  it('serves health and the OpenAPI 3.1 document without a key (the pages without their assets: 404)', async () => {
    expect(await (await app.request('/health')).json()).toMatchObject({ status: 'ok' });
    const doc = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/assessments', '/v1/assessments/{id}', '/v1/accounts/{accountId}/assessments', '/health']));
    expect((await app.request('/docs')).status).toBe(404);
  });

  it('readiness reads the database: 200 when it answers, 503 problem when it does not, while liveness stays 200', async () => {
    expect(await (await app.request('/health/ready')).json()).toMatchObject({ status: 'ok', database: 'ok' });
    const dead = createApp({ stores: createStores(createDynamoClient({ endpoint: 'http://127.0.0.1:9' }), names), logError: () => {} });
    await expectProblem(await dead.request('/health/ready'), 503, 'service_unavailable');
    expect((await dead.request('/health')).status).toBe(200);
  });
});
