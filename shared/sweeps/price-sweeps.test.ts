import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepAndWait, sweepDone as waitFor, tenantCaller } from '../../test/api-calls.ts';
import { freshStores } from '../../test/dynamo.ts';
import { createApp } from '../../functions/api/app.ts';
import type { Stores } from '../store/index.ts';
import { ANY_UNDERLYING, MAX_INDEXED_EXPOSURES, SWEEP_SEGMENTS, segmentOf } from '../store/accounts.ts';
import { bucketOf } from '../store/segments.ts';
import { runSegment, startSweep } from './sweep-runs.ts';
import { summaryChanged } from './account-assessment.ts';
import { accountPartition } from '../../shared/store/account-partitions.ts';

let stores: Stores;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, logError: () => {} });
});

const tenantWithKey = () => tenantCaller(stores, app, 'pricer');

/** Long `q` perpetuals on `underlying` with `cash` USD: MM = 0.16 × q × price. */
const perp = (underlying: string, q: number, cash: number, entryPrice: number) => ({
  profile: 'default',
  collateral: [{ asset: 'USD', amount: cash }],
  positions: [{ id: 'p', instrument: { type: 'perpetual' as const, underlying }, quantity: q, entryPrice }],
});

/** Every account's version, by id. */
async function versions(tenantId: string): Promise<Map<string, number>> {
  const page = await stores.accounts.list(tenantId, { limit: 100 });
  return new Map(page.items.map((a) => [a.accountId, a.version]));
}

describe('price pushes', () => {
  it('re-assess exactly the accounts exposed to the underlyings that moved; their tier changes land in the outbox once', async () => {
    const { tenantId, call } = await tenantWithKey();
    const first = await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 }, BTC: { price: 100_000 } } });
    expect(first.body.reassessment).toEqual({ sweepId: expect.stringMatching(/^swp_/), underlyings: ['BTC', 'ETH'] });
    await waitFor(call, first.body.reassessment.sweepId);
    // Warning at 3,000; tier1 at 2,880 (equity 4,800 against MM 4,608).
    for (let i = 0; i < 5; i++) await call('PUT', `/v1/accounts/eth-${i}`, perp('ETH', 10, 6_000, 3_000));
    // Exposed to ETH through collateral only: its value falls with ETH.
    await call('PUT', '/v1/accounts/eth-collateral', { collateral: [{ asset: 'ETH', amount: 10 }], positions: [] });
    await call('PUT', '/v1/accounts/btc-1', perp('BTC', 1, 20_000, 100_000));
    await call('PUT', '/v1/accounts/btc-2', perp('BTC', 1, 17_000, 100_000));
    const before = await versions(tenantId);

    const push = await call('PUT', '/v1/market', { market: { ETH: { price: 2_880 }, BTC: { price: 100_000 } } });
    expect(push).toMatchObject({ status: 200, body: { object: 'market', market: { ETH: { price: 2_880 } }, reassessment: { underlyings: ['ETH'] } } });
    const sweep = await waitFor(call, push.body.reassessment.sweepId);
    // Five tier changes, and the five liquidations they open.
    expect(sweep).toMatchObject({ status: 'completed', segmentsDone: SWEEP_SEGMENTS, counts: { accounts: 6, assessed: 6, tierChanges: 5, events: 10, errors: 0 } });

    const events = (await stores.events.list(tenantId, 100)).filter((e) => e.type !== 'liquidation.opened');
    expect(events.map((e) => (e.data as { accountId: string }).accountId).sort()).toEqual(['eth-0', 'eth-1', 'eth-2', 'eth-3', 'eth-4']);
    expect(events.every((e) => e.type === 'account.tier_changed' && (e.data as { to: string }).to === 'tier1')).toBe(true);
    const after = await versions(tenantId);
    for (let i = 0; i < 5; i++) expect((await call('GET', `/v1/accounts/eth-${i}`)).body.tier).toBe('tier1');
    // The ETH collateral lost 4% of its value: re-assessed and its summary rewritten; the BTC accounts were not touched.
    expect(after.get('eth-collateral')).toBeGreaterThan(before.get('eth-collateral')!);
    expect(after.get('btc-1')).toBe(before.get('btc-1'));
    expect(after.get('btc-2')).toBe(before.get('btc-2'));

    // The segments retried (as Lambda would): nothing emitted twice. The same prices again start nothing.
    for (let s = 0; s < SWEEP_SEGMENTS; s++) await runSegment(stores, tenantId, sweep.id, s);
    const again = await call('PUT', '/v1/market', { market: { ETH: { price: 2_880 }, BTC: { price: 100_000 } } });
    expect(again.body.reassessment).toBeNull();
    expect(await stores.events.list(tenantId, 100)).toHaveLength(10);
  });

  it('a BTC move leaves ETH accounts alone and reaches BTC positions and BTC collateral', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/accounts/eth', perp('ETH', 1, 10_000, 3_000));
    await call('PUT', '/v1/accounts/btc-collateral', { collateral: [{ asset: 'USD', amount: -10_000 }, { asset: 'BTC', amount: 1 }], positions: [] });
    await call('PUT', '/v1/accounts/btc', perp('BTC', 1, 20_000, 100_000));
    const first = await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 }, BTC: { price: 100_000 } } });
    // The first push assesses the accounts registered before any market.
    expect(await waitFor(call, first.body.reassessment.sweepId)).toMatchObject({ counts: { accounts: 3, assessed: 3 } });
    const push = await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 }, BTC: { price: 90_000 } } });
    expect(await waitFor(call, push.body.reassessment.sweepId)).toMatchObject({ status: 'completed', counts: { accounts: 2, assessed: 2 } });
    expect((await call('GET', '/v1/accounts/btc')).body.lastAssessment.equity).toBeCloseTo(10_000, 6);
    expect((await call('GET', '/v1/accounts/eth')).body.lastAssessment.equity).toBeCloseTo(10_000, 6);
    expect((await stores.events.list(tenantId, 10)).filter((e) => (e.data as { accountId?: string }).accountId === 'eth')).toEqual([]);
  });
});

describe('writes only on change', () => {
  it('a second sweep with nothing moved writes nothing to the accounts table', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000, volatility: 0.7 }, BTC: { price: 100_000, volatility: 0.55 } } });
    for (let i = 0; i < 12; i++) await call('PUT', `/v1/accounts/a-${i}`, perp(i % 2 ? 'ETH' : 'BTC', 1 + i, 6_000 * (1 + i), i % 2 ? 3_000 : 100_000));
    await call('PUT', '/v1/accounts/opt', {
      collateral: [{ asset: 'USD', amount: 50_000 }],
      positions: [{ id: 'c', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 110_000, expiry: '2027-12-31T08:00:00Z' }, quantity: -1 }],
    });
    await sweepAndWait(call);
    const before = await versions(tenantId);
    expect(before.size).toBe(13);
    expect((await sweepAndWait(call)).counts).toMatchObject({ accounts: 13, assessed: 13, tierChanges: 0 });
    expect(await versions(tenantId)).toEqual(before);
  });
});

describe('summaryChanged', () => {
  const stored = {
    assessmentId: 'asm_1',
    asOf: '2026-01-01T00:00:00Z',
    tier: 'warning' as const,
    marginRatio: 1.25,
    equity: 6_000,
    maintenanceMargin: 4_800,
    initialMargin: 6_240,
    collateralTopUp: 0,
    nextTierPrice: { underlying: 'ETH', tier: 'tier1' as const, price: 2_884.6, move: -0.0385 },
  };
  it('ignores asOf, the id and moves within 1% of the maintenance margin; sees the rest', () => {
    expect(summaryChanged(stored, { ...stored, assessmentId: null, asOf: '2026-01-01T00:01:00Z', equity: 6_040, marginRatio: 6_040 / 4_800 })).toBe(false);
    expect(summaryChanged(stored, { ...stored, equity: 6_048 })).toBe(false); // the band: 1% of 4,800
    expect(summaryChanged(stored, { ...stored, equity: 6_049 })).toBe(true);
    expect(summaryChanged(stored, { ...stored, maintenanceMargin: 4_900 })).toBe(true);
    expect(summaryChanged(stored, { ...stored, initialMargin: 6_190 })).toBe(true);
    expect(summaryChanged(stored, { ...stored, tier: 'tier1' })).toBe(true);
    expect(summaryChanged(stored, { ...stored, marginRatio: null })).toBe(true);
    expect(summaryChanged(stored, { ...stored, equity: Number.NaN })).toBe(true);
    expect(summaryChanged(null, stored)).toBe(true);
  });

  it('rewrites a summary stored before collateralTopUp and nextTierPrice existed (a null top-up), so the next sweep fills them', () => {
    expect(summaryChanged({ ...stored, collateralTopUp: null, nextTierPrice: null }, stored)).toBe(true);
    // Once filled, the two follow the other figures: alone they are no change.
    expect(summaryChanged(stored, { ...stored, collateralTopUp: 12, nextTierPrice: { ...stored.nextTierPrice, move: -0.04 } })).toBe(false);
    expect(summaryChanged(stored, { ...stored, nextTierPrice: null })).toBe(false);
  });
});

describe('exposure index', () => {
  it('follows the book through re-registration and deletion', async () => {
    const { tenantId } = await tenantWithKey();
    const exposed = async (symbols: string[]) => {
      const ids: string[] = [];
      for (let s = 0; s < SWEEP_SEGMENTS; s++) ids.push(...(await stores.accounts.exposedIds(tenantId, symbols, s)));
      return ids.sort();
    };
    await stores.accounts.put(tenantId, 'x', perp('ETH', 1, 1_000, 3_000), null, null);
    expect(await stores.accounts.exposedIds(tenantId, ['ETH'], segmentOf('x'))).toEqual(['x']);
    expect(await exposed(['BTC'])).toEqual([]);
    await stores.accounts.put(tenantId, 'x', perp('BTC', 1, 1_000, 3_000), null, null);
    expect(await exposed(['ETH'])).toEqual([]);
    expect(await exposed(['BTC'])).toEqual(['x']);
    // Stable collateral is no exposure.
    await stores.accounts.put(tenantId, 'usd', { profile: 'default', collateral: [{ asset: 'USD', amount: 1 }], positions: [] }, null, null);
    expect(await exposed(['USD', 'BTC'])).toEqual(['x']);
    // More symbols than the index keeps per account: indexed under ANY_UNDERLYING, found by every push.
    const wide = Array.from({ length: MAX_INDEXED_EXPOSURES + 1 }, (_, i) => ({ id: `p${i}`, instrument: { type: 'perpetual' as const, underlying: `X${i}` }, quantity: 1, entryPrice: 1 }));
    await stores.accounts.put(tenantId, 'wide', { profile: 'default', collateral: [{ asset: 'USD', amount: 1 }], positions: wide }, null, null);
    expect(await exposed([ANY_UNDERLYING])).toEqual(['wide']);
    expect(await exposed(['SOL'])).toEqual(['wide']);
    await stores.accounts.delete(tenantId, 'x');
    await stores.accounts.delete(tenantId, 'wide');
    expect(await exposed(['BTC', 'ETH', 'SOL'])).toEqual([]);
    // Nothing leaks into the tenant's listing.
    expect((await stores.accounts.list(tenantId, { limit: 10 })).items.map((a) => a.accountId)).toEqual(['usd']);
  });

  it('a sweep started with underlyings is a price sweep; others are not', async () => {
    const { tenantId } = await tenantWithKey();
    await expect(startSweep(stores, tenantId, 'price', async () => {})).rejects.toThrow(TypeError);
  });
});

describe('accounts stored before the exposure index', () => {
  it('are missed by price pushes until the next full sweep indexes them', async () => {
    const { db, names, stores: own } = await freshStores();
    const { tenantId, call } = await tenantCaller(own, createApp({ stores: own, logError: () => {} }), 'legacy');
    await waitFor(call, (await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } })).body.reassessment.sweepId);
    await call('PUT', '/v1/accounts/legacy', perp('ETH', 10, 6_000, 3_000));
    // As an account written before the index existed: no exposures on the item, no index item.
    await db.send(new UpdateItemCommand({ TableName: names.accounts, Key: { tenantId: { S: accountPartition(tenantId, 'legacy') }, accountId: { S: 'legacy' } }, UpdateExpression: 'REMOVE exposures' }));
    await db.send(new DeleteItemCommand({ TableName: names.accounts, Key: { tenantId: { S: `${tenantId}#exposure#ETH#${bucketOf('legacy')}` }, accountId: { S: 'legacy' } } }));

    const missed = await call('PUT', '/v1/market', { market: { ETH: { price: 2_990 } } });
    expect(await waitFor(call, missed.body.reassessment.sweepId)).toMatchObject({ counts: { accounts: 0 } });
    expect(await sweepAndWait(call)).toMatchObject({ counts: { accounts: 1, assessed: 1 } });
    const reached = await call('PUT', '/v1/market', { market: { ETH: { price: 2_980 } } });
    expect(await waitFor(call, reached.body.reassessment.sweepId)).toMatchObject({ counts: { accounts: 1, assessed: 1 } });
  });
});
