import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.ts';
import type { Stores } from '../../shared/store/index.ts';
import { SWEEP_SEGMENTS } from '../../shared/store/accounts.ts';
import { runSegment, startSweep } from '../../shared/sweeps/sweep-runs.ts';
import { deliverWebhook } from '../../shared/webhooks/deliver.ts';
import { dispatchOnce } from '../../shared/webhooks/dispatch-outbox.ts';
import { freshStores } from '../dynamo.ts';

/** A real receiver on loopback: records every request and answers what the test scripts. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}
let receiver: Server;
let base: string;
const received = new Map<string, Received[]>();
const scripts = new Map<string, number[]>();

let stores: Stores;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, allowInsecureWebhooks: true, sweepRunner: async () => {}, logError: () => {} });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = req.url!;
      received.set(path, [...(received.get(path) ?? []), { headers: req.headers, body }]);
      const script = scripts.get(path) ?? [];
      res.writeHead(script.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

async function tenant() {
  const t = await stores.tenants.create('hooks');
  const key = (await stores.apiKeys.issue(t.tenantId)).secret;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { tenantId: t.tenantId, call };
}

/** An endpoint at a fresh receiver path, an account at ratio 1.25 (warning), then a move that puts it in tier1. */
async function accountCrossesIntoTier1(path: string, statuses: number[] = []) {
  const { tenantId, call } = await tenant();
  scripts.set(path, statuses);
  const endpoint = await call('POST', '/v1/webhook-endpoints', { url: base + path, events: ['account.tier_changed'] });
  expect(endpoint.status).toBe(201);
  await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } });
  await call('PUT', '/v1/accounts/acct-x', {
    collateral: [{ asset: 'USD', amount: 6_000 }],
    positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
  });
  await call('PUT', '/v1/market', { market: { ETH: { price: 2_880 } } });
  const sweep = await startSweep(stores, tenantId, 'api', async () => {});
  for (let s = 0; s < SWEEP_SEGMENTS; s++) await runSegment(stores, tenantId, sweep.sweepId, s);
  return { tenantId, call, endpoint: endpoint.body as { id: string; secret: string } };
}

/** Every page of a listing, following nextCursor, checking that only the last page says it is the last. */
async function allPages(call: Awaited<ReturnType<typeof tenant>>['call'], path: string, limit: number) {
  const pages: Array<{ data: Array<{ id: string; createdAt: string }>; hasMore: boolean; nextCursor: string | null }> = [];
  let cursor: string | null = null;
  do {
    const res = await call('GET', `${path}?limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    expect(res.status).toBe(200);
    pages.push(res.body);
    expect(res.body.hasMore).toBe(res.body.nextCursor !== null);
    cursor = res.body.nextCursor;
  } while (cursor !== null && pages.length < 50);
  return pages;
}

/** Cursors a client could forge: none may reach DynamoDB (whose ValidationException would be a 500). */
const forgedCursors = (tenantId: string) =>
  ['garbage', 'bnVsbA', '[]', { tenantId: { S: tenantId } }, { tenantId: { S: tenantId }, endpointId: { N: '1' } }, { tenantId: { S: tenantId }, endpointId: { S: '' } }].map((c) =>
    typeof c === 'string' ? c : Buffer.from(JSON.stringify(c)).toString('base64url'),
  );

const expectBadCursor = (res: { status: number; body: any }) =>
  expect(res).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [expect.objectContaining({ field: 'cursor' })] } });

/** One dispatcher run at `now`, with the jitter fixed. */
async function dispatchAt(now: Date) {
  return dispatchOnce(stores, now, { allowInsecureLocal: true, random: () => 0.5 });
}

async function nextDue(tenantId: string, endpointId: string): Promise<Date> {
  const [delivery] = (await stores.deliveries.listByEndpoint(tenantId, endpointId, { limit: 1 })).items;
  return new Date(delivery!.nextAttemptAt!);
}

describe('webhooks, end to end (DynamoDB Local, real HTTP receiver)', () => {
  it('a swept price move into tier1 sends exactly one signed account.tier_changed', async () => {
    const { endpoint } = await accountCrossesIntoTier1('/one');
    await dispatchAt(new Date());
    await dispatchAt(new Date());
    const got = received.get('/one')!;
    expect(got).toHaveLength(1);
    const payload = new Webhook(endpoint.secret).verify(got[0]!.body, got[0]!.headers as Record<string, string>) as { type: string; data: { to: string; liquidation: { steps: unknown[] } } };
    expect(payload).toMatchObject({ type: 'account.tier_changed', data: { accountId: 'acct-x', from: 'warning', to: 'tier1' } });
    expect(payload.data.liquidation.steps.length).toBeGreaterThan(0);
    expect(() => new Webhook(`whsec_${Buffer.from('another secret!!').toString('base64')}`).verify(got[0]!.body, got[0]!.headers as Record<string, string>)).toThrow();
  });

  it('a receiver that fails three times gets the event on the fourth attempt, with the same webhook-id', async () => {
    const { tenantId, call, endpoint } = await accountCrossesIntoTier1('/flaky', [500, 503, 500]);
    let now = new Date();
    await dispatchAt(now);
    for (let i = 0; i < 3; i++) {
      now = await nextDue(tenantId, endpoint.id);
      await dispatchAt(now);
    }
    const got = received.get('/flaky')!;
    expect(got).toHaveLength(4);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const deliveries = await call('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(deliveries.body.data).toEqual([expect.objectContaining({ status: 'delivered', attempts: 4, lastStatus: 200 })]);
  });

  it('a receiver answering 410 gets its endpoint disabled', async () => {
    const { call, endpoint } = await accountCrossesIntoTier1('/gone', [410]);
    await dispatchAt(new Date());
    expect((await call('GET', `/v1/webhook-endpoints/${endpoint.id}`)).body).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });
    const deliveries = await call('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(deliveries.body.data[0]).toMatchObject({ status: 'failed', lastStatus: 410 });
  });

  it('a dispatcher killed mid-delivery loses nothing and duplicates nothing beyond the same webhook-id', async () => {
    const { tenantId, endpoint } = await accountCrossesIntoTier1('/crash');
    const now = new Date();
    // Sends, then "dies" before it can record the outcome.
    const dying: typeof deliverWebhook = async (request, options) => {
      await deliverWebhook(request, options);
      throw new Error('killed');
    };
    await expect(dispatchOnce(stores, now, { allowInsecureLocal: true, deliver: dying })).rejects.toThrow('killed');
    // While the dead dispatcher's lease holds, nobody sends again.
    await dispatchAt(new Date(now.getTime() + 1_000));
    expect(received.get('/crash')).toHaveLength(1);
    // After it lapses, the delivery is attempted again, with the same id, and completes.
    await dispatchAt(new Date(now.getTime() + 60_000));
    await dispatchAt(new Date(now.getTime() + 120_000));
    const got = received.get('/crash')!;
    expect(got).toHaveLength(2);
    expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
    expect(got[1]!.body).toBe(got[0]!.body);
    expect((await stores.deliveries.listByEndpoint(tenantId, endpoint.id, { limit: 5 })).items[0]).toMatchObject({ status: 'delivered' });
  });

  it('signs with the old and the new secret during a rotation; sends test events; retries failed deliveries by hand', async () => {
    const { tenantId, call } = await tenant();
    const created = (await call('POST', '/v1/webhook-endpoints', { url: `${base}/rotate`, events: ['account.tier_changed'] })).body;
    const rotated = await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    const queued = await call('POST', `/v1/webhook-endpoints/${created.id}/test`);
    expect(queued).toMatchObject({ status: 202, body: { eventType: 'webhook.test', status: 'pending' } });
    await dispatchAt(new Date());
    const [message] = received.get('/rotate')!;
    for (const secret of [created.secret, rotated.body.secret]) {
      expect(new Webhook(secret).verify(message!.body, message!.headers as Record<string, string>)).toMatchObject({ type: 'webhook.test' });
    }

    scripts.set('/rotate', [410]);
    await call('POST', `/v1/webhook-endpoints/${created.id}/test`);
    await dispatchAt(new Date());
    const failed = (await call('GET', `/v1/webhook-endpoints/${created.id}/deliveries`)).body.data.find((d: { status: string }) => d.status === 'failed');
    await call('PATCH', `/v1/webhook-endpoints/${created.id}`, { enabled: true });
    const retried = await call('POST', `/v1/webhook-endpoints/${created.id}/deliveries/${failed.id}/retry`);
    expect(retried).toMatchObject({ status: 202, body: { status: 'pending' } });
    await dispatchAt(new Date());
    expect(await stores.deliveries.get(tenantId, failed.id)).toMatchObject({ status: 'delivered' });
    expect((await call('POST', `/v1/webhook-endpoints/${created.id}/deliveries/${failed.id}/retry`)).status).toBe(409);
  });

  it('refuses endpoints that are not https or point at internal addresses (unless local development allows it)', async () => {
    const strict = createApp({ stores, logError: () => {} });
    const t = await stores.tenants.create('strict');
    const key = (await stores.apiKeys.issue(t.tenantId)).secret;
    for (const url of ['http://example.com/hook', 'https://127.0.0.1/hook', 'https://169.254.169.254/latest', 'https://10.0.0.8/hook', 'https://[::1]/hook']) {
      const res = await strict.request('/v1/webhook-endpoints', {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url, events: ['account.tier_changed'] }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('url');
    }
  });

  it('pages webhook endpoints with limit and cursor; hasMore is false on the last page; forged cursors are 400', async () => {
    const { tenantId, call } = await tenant();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await call('POST', '/v1/webhook-endpoints', { url: `${base}/page-${i}`, events: ['market.stale'] })).body.id);
    const pages = await allPages(call, '/v1/webhook-endpoints', 1);
    expect(pages.map((p) => p.data.length)).toEqual([1, 1, 1]);
    expect(pages.flatMap((p) => p.data.map((e) => e.id)).sort()).toEqual(ids.sort());
    expect((await call('GET', '/v1/webhook-endpoints?limit=3')).body).toMatchObject({ hasMore: false, nextCursor: null });

    const other = await tenant();
    await other.call('POST', '/v1/webhook-endpoints', { url: `${base}/page-other`, events: ['market.stale'] });
    await other.call('POST', '/v1/webhook-endpoints', { url: `${base}/page-other`, events: ['market.stale'] });
    const foreign = (await other.call('GET', '/v1/webhook-endpoints?limit=1')).body.nextCursor;
    for (const cursor of [foreign, ...forgedCursors(tenantId)]) expectBadCursor(await call('GET', `/v1/webhook-endpoints?cursor=${encodeURIComponent(cursor)}`));
    expect((await call('GET', '/v1/webhook-endpoints?limit=101')).status).toBe(400);
    // Digits only, and no parameter the listing does not know: refused, not read some other way or ignored.
    for (const query of ['limit=0x10', 'limit=1e1', 'limit=%205', 'limit[]=1', 'limt=5']) {
      const answer = await call('GET', `/v1/webhook-endpoints?${query}`);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
      expect(answer.body.errors[0].field).toMatch(/^lim/);
    }
    expect((await call('GET', '/v1/accounts?limit=0x10')).status).toBe(400);
  });

  it("pages an endpoint's deliveries newest first, so old ones stay reachable; another endpoint's cursor is 400", async () => {
    const { tenantId, call } = await tenant();
    const endpoint = (await call('POST', '/v1/webhook-endpoints', { url: `${base}/many`, events: ['market.stale'] })).body;
    const sibling = (await call('POST', '/v1/webhook-endpoints', { url: `${base}/many`, events: ['market.stale'] })).body;
    const queued = [];
    for (let i = 0; i < 12; i++) queued.push((await call('POST', `/v1/webhook-endpoints/${endpoint.id}/test`)).body.id);
    const path = `/v1/webhook-endpoints/${endpoint.id}/deliveries`;
    const pages = await allPages(call, path, 5);
    expect(pages.map((p) => p.data.length)).toEqual([5, 5, 2]);
    const listed = pages.flatMap((p) => p.data);
    expect(listed.map((d) => d.id).sort()).toEqual(queued.sort());
    expect(listed.map((d) => d.createdAt)).toEqual(listed.map((d) => d.createdAt).sort().reverse());
    expect((await call('GET', `${path}?limit=12`)).body).toMatchObject({ hasMore: false, nextCursor: null });

    const first = (await call('GET', `${path}?limit=5`)).body.nextCursor;
    expectBadCursor(await call('GET', `/v1/webhook-endpoints/${sibling.id}/deliveries?cursor=${encodeURIComponent(first)}`));
    for (const cursor of forgedCursors(tenantId)) expectBadCursor(await call('GET', `${path}?cursor=${encodeURIComponent(cursor)}`));
  });

  it('keeps only the current secret and the previous one in its grace period, however often it is rotated', async () => {
    const { tenantId, call } = await tenant();
    const created = (await call('POST', '/v1/webhook-endpoints', { url: `${base}/rotations`, events: ['market.stale'] })).body;
    const secrets: string[] = [created.secret];
    for (let i = 0; i < 5; i++) secrets.push((await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`)).body.secret);
    expect((await stores.webhookEndpoints.get(tenantId, created.id))!.secrets.map((s) => s.secret)).toEqual([secrets[5], secrets[4]]);

    await call('POST', `/v1/webhook-endpoints/${created.id}/test`);
    await dispatchAt(new Date());
    const [message] = received.get('/rotations')!;
    const headers = message!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of secrets.slice(4)) expect(new Webhook(secret).verify(message!.body, headers)).toMatchObject({ type: 'webhook.test' });
    expect(() => new Webhook(secrets[3]!).verify(message!.body, headers)).toThrow();

    const immediate = await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`, { graceSeconds: 0 });
    expect((await stores.webhookEndpoints.get(tenantId, created.id))!.secrets.map((s) => s.secret)).toEqual([immediate.body.secret]);
  });

  it('caps the endpoints of a tenant at 16 with 422 limit_exceeded', async () => {
    const { call } = await tenant();
    const ids = [];
    for (let i = 0; i < 16; i++) {
      const res = await call('POST', '/v1/webhook-endpoints', { url: `${base}/cap`, events: ['market.stale'] });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const refused = await call('POST', '/v1/webhook-endpoints', { url: `${base}/cap`, events: ['market.stale'] });
    expect(refused).toMatchObject({ status: 422, body: { code: 'limit_exceeded', errors: [expect.objectContaining({ field: expect.any(String), message: expect.stringContaining('16') })] } });
    await call('DELETE', `/v1/webhook-endpoints/${ids[0]}`);
    expect((await call('POST', '/v1/webhook-endpoints', { url: `${base}/cap`, events: ['market.stale'] })).status).toBe(201);
  });

  it('holds the cap exactly when 80 creates race on a tenant with no endpoint (a count and a write would store far more)', async () => {
    const { tenantId, call } = await tenant();
    const answers = await Promise.all(Array.from({ length: 80 }, () => call('POST', '/v1/webhook-endpoints', { url: `${base}/race`, events: ['market.stale'] })));
    const created = answers.filter((a) => a.status === 201).length;
    expect(answers.every((a) => a.status === 201 || (a.status === 422 && a.body.code === 'limit_exceeded') || (a.status === 409 && a.body.code === 'conflict'))).toBe(true);
    expect(created).toBe(16);
    expect(await stores.webhookEndpoints.count(tenantId)).toBe(created);
    // Deletes count out: the freed places can be taken again, and no more.
    const listed = (await stores.webhookEndpoints.list(tenantId)).map((e) => e.endpointId);
    for (const id of listed.slice(0, 3)) expect((await call('DELETE', `/v1/webhook-endpoints/${id}`)).status).toBe(200);
    const again = await Promise.all(Array.from({ length: 40 }, () => call('POST', '/v1/webhook-endpoints', { url: `${base}/race`, events: ['market.stale'] })));
    expect(await stores.webhookEndpoints.count(tenantId)).toBeLessThanOrEqual(16);
    expect(again.filter((a) => a.status === 201).length).toBe((await stores.webhookEndpoints.count(tenantId)) - (created - 3));
  });
});
