import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.ts';
import type { Stores } from '../../shared/store/index.ts';
import { SWEEP_SEGMENTS } from '../../shared/store/accounts.ts';
import { runSegment, startSweep } from '../../shared/sweeps/coordinator.ts';
import { deliverWebhook } from '../../shared/webhooks/deliver.ts';
import { dispatchOnce } from '../../shared/webhooks/dispatcher.ts';
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

/** One dispatcher run at `now`, with the jitter fixed. */
async function dispatchAt(now: Date) {
  return dispatchOnce(stores, now, { allowInsecureLocal: true, random: () => 0.5 });
}

async function nextDue(tenantId: string, endpointId: string): Promise<Date> {
  const [delivery] = await stores.deliveries.listByEndpoint(tenantId, endpointId, 1);
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
    expect(() => new Webhook('whsec_' + Buffer.from('another secret!!').toString('base64')).verify(got[0]!.body, got[0]!.headers as Record<string, string>)).toThrow();
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
    expect((await stores.deliveries.listByEndpoint(tenantId, endpoint.id, 5))[0]).toMatchObject({ status: 'delivered' });
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
});
