import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { createMarketStaleEndpoint } from '../../test/webhook-endpoints.ts';
import { newId } from '../ids.ts';
import { circuitOpenMs } from '../store/webhook-endpoints.ts';
import { dispatchOnce } from './dispatch-outbox.ts';

describe('the dispatcher under a stalled tenant', () => {
  it('delivers a healthy endpoint’s event within 5 s while another tenant has 16 endpoints that never answer', async () => {
    const { stores } = await freshStores();
    // Accepts every connection and never answers: each attempt waits for its full budget.
    const sockets: Socket[] = [];
    const stalled = createTcpServer((socket) => void sockets.push(socket));
    let received: number | undefined;
    const healthy = createHttpServer((req, res) => {
      received ??= Date.now();
      req.resume();
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => healthy.listen(0, '127.0.0.1', r));
    try {
      const a = await stores.tenants.create('stalled-receivers');
      const b = await stores.tenants.create('healthy-receiver');
      for (let i = 0; i < 16; i++) await createMarketStaleEndpoint(stores, a.tenantId, `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/hook-${i}`);
      await createMarketStaleEndpoint(stores, b.tenantId, `http://127.0.0.1:${(healthy.address() as AddressInfo).port}/hook`);
      const event = () => ({ eventId: newId('evt'), type: 'market.stale', createdAt: new Date().toISOString(), data: { sweepId: 'swp_x', reason: 'market_stale', marketAsOf: null } });
      // Tenant A's event is older: the outbox hands its 16 deliveries out first.
      await stores.events.put(a.tenantId, event());
      await new Promise((r) => setTimeout(r, 5));
      await stores.events.put(b.tenantId, event());

      const started = Date.now();
      const run = dispatchOnce(stores, new Date(), { allowInsecureLocal: true });
      while (received === undefined && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(received).toBeDefined();
      expect(received! - started).toBeLessThan(5_000);
      // Let the stalled attempts end now rather than at their 15 s budget.
      for (const s of sockets) s.destroy();
      stalled.close();
      const counts = await run;
      expect(counts.delivered).toBe(1);
      expect(counts.attempted).toBeGreaterThanOrEqual(1);
    } finally {
      stalled.close();
      healthy.close();
    }
  }, 40_000);
});

describe('the circuit breaker per endpoint', () => {
  const marketStale = () => ({ eventId: newId('evt'), type: 'market.stale', createdAt: new Date().toISOString(), data: { sweepId: 'swp_x', reason: 'market_stale', marketAsOf: null } });

  it('opens for 1 minute after 5 consecutive failures, doubling with each further one, at most 1 hour', () => {
    expect([1, 4, 5, 6, 7, 11, 40].map(circuitOpenMs)).toEqual([0, 0, 60_000, 120_000, 240_000, 3_600_000, 3_600_000]);
  });

  it('skips an endpoint whose circuit is open without spending attempts, then closes on the first delivery', async () => {
    const { stores } = await freshStores();
    let answer = 500;
    const attempts: number[] = [];
    const receiver = createHttpServer((req, res) => {
      attempts.push(Date.now());
      req.resume();
      res.writeHead(answer).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const tenant = await stores.tenants.create('failing-receiver');
      await createMarketStaleEndpoint(stores, tenant.tenantId, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
      const [endpointId] = (await stores.webhookEndpoints.list(tenant.tenantId)).map((e) => e.endpointId);
      for (let i = 0; i < 5; i++) await stores.events.put(tenant.tenantId, marketStale());
      const now = new Date();
      expect(await dispatchOnce(stores, now, { allowInsecureLocal: true })).toMatchObject({ attempted: 5, retried: 5, deferred: 0 });
      const open = await stores.webhookEndpoints.circuit(tenant.tenantId, endpointId!);
      expect(open.failures).toBe(5);
      expect(Date.parse(open.openUntil!)).toBe(now.getTime() + 60_000);

      // A new event while open: not attempted, postponed to when the circuit half-opens.
      await stores.events.put(tenant.tenantId, marketStale());
      const later = new Date(now.getTime() + 30_000);
      const skipped = await dispatchOnce(stores, later, { allowInsecureLocal: true });
      // The new delivery, and any of the five whose retry fell due meanwhile.
      expect(skipped.attempted).toBe(0);
      expect(skipped.deferred).toBeGreaterThanOrEqual(1);
      expect(attempts).toHaveLength(5);
      expect(await stores.deliveries.due(later, 50)).toEqual([]);

      // Past it, the receiver is healthy again: delivered, and the circuit closes.
      answer = 200;
      const reopened = await dispatchOnce(stores, new Date(now.getTime() + 61_000), { allowInsecureLocal: true });
      expect(reopened.delivered).toBeGreaterThanOrEqual(1);
      expect(await stores.webhookEndpoints.circuit(tenant.tenantId, endpointId!)).toEqual({ failures: 0, openUntil: null });
    } finally {
      receiver.close();
    }
  });

  it('leaves the deliveries behind a stalled one for a later run instead of waiting on each', async () => {
    const { stores } = await freshStores();
    const sockets: Socket[] = [];
    const stalled = createTcpServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    try {
      const tenant = await stores.tenants.create('stalled-receiver');
      await createMarketStaleEndpoint(stores, tenant.tenantId, `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/hook`);
      for (let i = 0; i < 4; i++) await stores.events.put(tenant.tenantId, marketStale());
      const started = Date.now();
      const counts = await dispatchOnce(stores, new Date(), { allowInsecureLocal: true, timeoutMs: 300 });
      expect(counts).toMatchObject({ attempted: 1, retried: 1, deferred: 3 });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const s of sockets) s.destroy();
      stalled.close();
    }
  });
});
