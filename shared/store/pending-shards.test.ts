/**
 * The dispatcher's sharded pending keys (pending-shards.ts): new items spread over
 * PENDING_SHARDS index partitions, and items written before the shards, with the legacy
 * key `pending`, are still read, claimed and delivered exactly once, in order.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import { createMarketStaleEndpoint } from '../../test/webhook-endpoints.ts';
import { newId } from '../ids.ts';
import { dispatchOnce } from '../webhooks/dispatch-outbox.ts';
import { deliveryIdOf } from './deliveries.ts';
import type { OutboxEvent } from './events.ts';
import { LEGACY_PENDING, PENDING_KEYS, PENDING_SHARDS, pendingKeyOf } from './pending-shards.ts';

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A receiver answering 200 that records each webhook-id in arrival order. */
async function receiver(): Promise<{ url: string; ids: string[] }> {
  const ids: string[] = [];
  const server = createServer((req, res) => {
    ids.push(String(req.headers['webhook-id']));
    req.resume();
    res.writeHead(200).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, ids };
}

const marketStale = (createdAt: string): OutboxEvent => ({ eventId: newId('evt'), type: 'market.stale', createdAt, data: { sweepId: 'swp_x', reason: 'market_stale', marketAsOf: null } });

async function setup() {
  const fresh = await freshStores();
  const tenant = await fresh.stores.tenants.create('pending-shards');
  const hook = await receiver();
  await createMarketStaleEndpoint(fresh.stores, tenant.tenantId, hook.url);
  const [endpoint] = await fresh.stores.webhookEndpoints.list(tenant.tenantId);
  const tenantId = tenant.tenantId;
  const { db, names } = fresh;

  /** An outbox event as the code before the shards wrote it: `dispatchState` = `pending`. */
  const putLegacyEvent = async (e: OutboxEvent, pending = true) =>
    db.send(
      new PutItemCommand({
        TableName: names.events,
        Item: {
          tenantId: { S: tenantId },
          eventId: { S: e.eventId },
          type: { S: e.type },
          createdAt: { S: e.createdAt },
          createdKey: { S: `${e.createdAt}#${e.eventId}` },
          data: { S: JSON.stringify(e.data) },
          ...(pending ? { dispatchState: { S: LEGACY_PENDING } } : {}),
        },
      }),
    );
  /** A delivery as the code before the shards wrote it: `dueState` = `pending`, due at `due`. */
  const putLegacyDelivery = async (e: OutboxEvent, due: string) => {
    const deliveryId = deliveryIdOf(e.eventId, endpoint!.endpointId);
    await db.send(
      new PutItemCommand({
        TableName: names.deliveries,
        Item: {
          tenantId: { S: tenantId },
          deliveryId: { S: deliveryId },
          endpointId: { S: endpoint!.endpointId },
          eventId: { S: e.eventId },
          eventType: { S: e.type },
          status: { S: 'pending' },
          attempts: { N: '0' },
          createdAt: { S: due },
          nextAttemptAt: { S: due },
          dueState: { S: LEGACY_PENDING },
          dueKey: { S: `${due}#${tenantId}#${deliveryId}` },
          endpointKey: { S: `${tenantId}#${endpoint!.endpointId}` },
          createdKey: { S: `${due}#${deliveryId}` },
        },
      }),
    );
    return deliveryId;
  };
  const rawDelivery = async (deliveryId: string) =>
    (await db.send(new GetItemCommand({ TableName: names.deliveries, Key: { tenantId: { S: tenantId }, deliveryId: { S: deliveryId } }, ConsistentRead: true }))).Item;
  return { ...fresh, tenantId, endpointId: endpoint!.endpointId, hook, putLegacyEvent, putLegacyDelivery, rawDelivery };
}

describe('the pending keys', () => {
  it('are pending#<n> with n a stable hash of the id mod PENDING_SHARDS, and spread over every shard', () => {
    expect(PENDING_SHARDS).toBe(16);
    expect(PENDING_KEYS).toHaveLength(PENDING_SHARDS + 1);
    expect(PENDING_KEYS.at(-1)).toBe('pending');
    const ids = Array.from({ length: 1_600 }, (_, i) => `evt_${i}`);
    const keys = ids.map(pendingKeyOf);
    expect(ids.map(pendingKeyOf)).toEqual(keys);
    for (const k of keys) expect(k).toMatch(/^pending#(\d|1[0-5])$/);
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect(counts.size).toBe(PENDING_SHARDS);
    // 100 each on average: none near empty, none near holding them all.
    for (const n of counts.values()) expect(n).toBeGreaterThan(50);
  });

  it('are what events and deliveries are written with, and a failed delivery retried', async () => {
    const { stores, db, names, tenantId, endpointId, rawDelivery } = await setup();
    const event = marketStale(new Date().toISOString());
    await stores.events.put(tenantId, event);
    const { Item } = await db.send(new GetItemCommand({ TableName: names.events, Key: { tenantId: { S: tenantId }, eventId: { S: event.eventId } }, ConsistentRead: true }));
    expect(Item!['dispatchState']).toEqual({ S: pendingKeyOf(event.eventId) });

    const deliveryId = deliveryIdOf(event.eventId, endpointId);
    await stores.deliveries.create(tenantId, { deliveryId, endpointId, eventId: event.eventId, eventType: event.type }, new Date());
    expect((await rawDelivery(deliveryId))!['dueState']).toEqual({ S: pendingKeyOf(deliveryId) });
    await stores.deliveries.record(tenantId, deliveryId, { kind: 'failed', status: null, error: 'x' });
    expect((await rawDelivery(deliveryId))!['dueState']).toBeUndefined();
    expect(await stores.deliveries.retry(tenantId, deliveryId, new Date())).toBe(true);
    expect((await rawDelivery(deliveryId))!['dueState']).toEqual({ S: pendingKeyOf(deliveryId) });
  });
});

describe('legacy pending items (written before the shards, never migrated)', () => {
  it('are read beside new ones, oldest first, within the limit', async () => {
    const { stores, tenantId, putLegacyEvent, putLegacyDelivery } = await setup();
    const t0 = Date.now() - 600_000;
    const at = (i: number) => new Date(t0 + i * 1_000).toISOString();
    // Even: legacy; odd: new. Written out of order.
    const events = Array.from({ length: 8 }, (_, i) => marketStale(at(i)));
    for (const i of [5, 0, 3, 6, 1, 4, 7, 2]) {
      if (i % 2 === 0) await putLegacyEvent(events[i]!);
      else await stores.events.put(tenantId, events[i]!);
    }
    expect((await stores.events.pending(100)).map((p) => p.event.eventId)).toEqual(events.map((e) => e.eventId));
    expect((await stores.events.pending(3)).map((p) => p.event.eventId)).toEqual(events.slice(0, 3).map((e) => e.eventId));

    const endpointId = (await stores.webhookEndpoints.list(tenantId))[0]!.endpointId;
    const ids: string[] = [];
    for (const [i, e] of events.entries()) {
      if (i % 2 === 0) ids.push(await putLegacyDelivery(e, at(i)));
      else {
        const deliveryId = deliveryIdOf(e.eventId, endpointId);
        await stores.deliveries.create(tenantId, { deliveryId, endpointId, eventId: e.eventId, eventType: e.type }, new Date(at(i)));
        ids.push(deliveryId);
      }
    }
    expect((await stores.deliveries.due(new Date(), 50)).map((d) => d.deliveryId)).toEqual(ids);
    expect((await stores.deliveries.due(new Date(), 3)).map((d) => d.deliveryId)).toEqual(ids.slice(0, 3));
    // Only what is due by then.
    expect((await stores.deliveries.due(new Date(at(4)), 50)).map((d) => d.deliveryId)).toEqual(ids.slice(0, 5));
  });

  it('are claimed and postponed under their legacy key, and retried under their shard', async () => {
    const { stores, tenantId, putLegacyEvent, putLegacyDelivery, rawDelivery } = await setup();
    const now = new Date();
    const e = marketStale(new Date(now.getTime() - 60_000).toISOString());
    await putLegacyEvent(e, false);
    const deliveryId = await putLegacyDelivery(e, e.createdAt);
    expect(await stores.deliveries.postpone(tenantId, deliveryId, new Date(now.getTime() + 1_000), now)).toBe(true);
    expect((await rawDelivery(deliveryId))!['dueState']).toEqual({ S: 'pending' });
    const later = new Date(now.getTime() + 2_000);
    expect(await stores.deliveries.claim(tenantId, deliveryId, later, 30_000)).toMatchObject({ deliveryId, attempts: 1 });
    // Held: a second claim fails.
    expect(await stores.deliveries.claim(tenantId, deliveryId, later, 30_000)).toBeUndefined();
    await stores.deliveries.record(tenantId, deliveryId, { kind: 'failed', status: 500, error: 'x' });
    // No longer due: neither claimed nor postponed.
    expect(await stores.deliveries.claim(tenantId, deliveryId, new Date(later.getTime() + 60_000), 30_000)).toBeUndefined();
    expect(await stores.deliveries.postpone(tenantId, deliveryId, new Date(later.getTime() + 90_000), later)).toBe(false);
    expect(await stores.deliveries.retry(tenantId, deliveryId, later)).toBe(true);
    expect((await rawDelivery(deliveryId))!['dueState']).toEqual({ S: pendingKeyOf(deliveryId) });
  });

  it('are delivered by the dispatcher exactly once each, in order, beside new ones', async () => {
    const { stores, tenantId, hook, putLegacyEvent, putLegacyDelivery } = await setup();
    const now = new Date();
    const t0 = now.getTime() - 600_000;
    const at = (i: number) => new Date(t0 + i * 1_000).toISOString();

    // Deliveries already fanned out, due one after the other: legacy and new, alternately.
    const queued = Array.from({ length: 6 }, (_, i) => marketStale(at(i)));
    const endpointId = (await stores.webhookEndpoints.list(tenantId))[0]!.endpointId;
    for (const [i, e] of queued.entries()) {
      if (i % 2 === 0) {
        await putLegacyEvent(e, false);
        await putLegacyDelivery(e, at(i));
      } else {
        await stores.events.put(tenantId, e, { dispatch: false });
        await stores.deliveries.create(tenantId, { deliveryId: deliveryIdOf(e.eventId, endpointId), endpointId, eventId: e.eventId, eventType: e.type }, new Date(at(i)));
      }
    }
    // Events still awaiting fan-out: legacy and new.
    const fresh = Array.from({ length: 6 }, (_, i) => marketStale(at(10 + i)));
    for (const [i, e] of fresh.entries()) {
      if (i % 2 === 0) await putLegacyEvent(e);
      else await stores.events.put(tenantId, e);
    }

    const first = await dispatchOnce(stores, now, { allowInsecureLocal: true });
    expect(first).toMatchObject({ fannedOut: 6, attempted: 12, delivered: 12, retried: 0, failed: 0 });
    // One endpoint's queue is attempted in due order: the older deliveries first, in their order.
    expect(hook.ids.slice(0, 6)).toEqual(queued.map((e) => e.eventId));
    expect([...hook.ids.slice(6)].sort()).toEqual(fresh.map((e) => e.eventId).sort());
    expect(await stores.events.pending(100)).toEqual([]);
    expect(await stores.deliveries.due(new Date(now.getTime() + 86_400_000), 50)).toEqual([]);

    // Nothing is sent twice.
    expect(await dispatchOnce(stores, new Date(now.getTime() + 1_000), { allowInsecureLocal: true })).toMatchObject({ fannedOut: 0, attempted: 0 });
    expect(hook.ids).toHaveLength(12);
    expect(new Set(hook.ids).size).toBe(12);
  });
});
