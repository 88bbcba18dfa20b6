import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { newId } from '../ids.ts';
import type { Stores } from '../store/index.ts';
import { dispatchOnce } from './dispatcher.ts';
import { newWebhookSecret } from './signing.ts';

async function endpoint(stores: Stores, tenantId: string, url: string): Promise<void> {
  const now = new Date().toISOString();
  const made = await stores.webhookEndpoints.create(
    tenantId,
    {
      endpointId: newId('we'),
      url,
      events: ['market.stale'],
      description: null,
      enabled: true,
      disabledReason: null,
      secrets: [{ secret: newWebhookSecret(), expiresAt: null }],
      createdAt: now,
      updatedAt: now,
      version: 1,
    },
    16,
  );
  expect(made).toBe('created');
}

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
      for (let i = 0; i < 16; i++) await endpoint(stores, a.tenantId, `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/hook-${i}`);
      await endpoint(stores, b.tenantId, `http://127.0.0.1:${(healthy.address() as AddressInfo).port}/hook`);
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
