import { mergeReasons } from '../store/sweeps.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepAndWait, tenantCaller } from '../../test/api-calls.ts';
import { freshStores } from '../../test/dynamo.ts';
import { createApp } from '../../functions/api/app.ts';
import type { Stores } from '../store/index.ts';
import { FULL_SWEEP_LEASE_MS, runSegment, startSweep } from './sweep-runs.ts';
import { SWEEP_SEGMENTS } from '../store/accounts.ts';

let stores: Stores;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  ({ stores } = await freshStores());
  app = createApp({ stores, logError: () => {} });
});

const tenantWithKey = () => tenantCaller(stores, app, 'sweeper');

/** Long 10 ETH perpetual with `cash` USD: MM = 0.16 × 10 × price. */
const perpBook = (cash: number) => ({
  collateral: [{ asset: 'USD', amount: cash }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
});

/**
 * A market push that starts no price sweep, as if its re-assessment never ran: what the
 * scheduled sweep, the safety net, must catch (price pushes: price-sweeps.test.ts).
 */
async function pushUnnoticed(tenantId: string, market: Record<string, { price: number }>) {
  const previous = await stores.market.get(tenantId);
  const now = new Date().toISOString();
  await stores.market.put(tenantId, { market, asOf: now, updatedAt: now }, previous?.version ?? null);
}

describe('accounts and market', () => {
  it('registers accounts, assesses them at once with fresh market data, and lists them by tier', async () => {
    const { call } = await tenantWithKey();
    const unassessed = await call('PUT', '/v1/accounts/acct-a', perpBook(20_000));
    expect(unassessed).toMatchObject({ status: 201, body: { object: 'account', accountId: 'acct-a', tier: null } });
    expect((await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } })).status).toBe(200);
    // Equity 5,000 against MM 4,800: ratio 1.04, tier1.
    const tier1 = await call('PUT', '/v1/accounts/acct-b', perpBook(5_000));
    expect(tier1.body).toMatchObject({ tier: 'tier1', lastAssessment: { marginRatio: expect.closeTo(5_000 / 4_800, 9) } });
    expect((await call('PUT', '/v1/accounts/acct-b', perpBook(5_000))).status).toBe(200);
    const listed = await call('GET', '/v1/accounts?tier=tier1');
    expect(listed.body.data.map((a: { accountId: string }) => a.accountId)).toEqual(['acct-b']);
    expect((await call('GET', '/v1/accounts')).body.data).toHaveLength(2);
    expect((await call('DELETE', '/v1/accounts/acct-a')).body).toEqual({ object: 'account', id: 'acct-a', deleted: true });
    expect((await call('GET', '/v1/accounts/acct-a')).status).toBe(404);
  });

  it('keeps the last price of each hour as history once a push lands in a later hour', async () => {
    const { tenantId, call } = await tenantWithKey();
    const hour = 3_600_000;
    const start = Math.floor(Date.now() / hour) * hour - 3 * hour; // three hours ago, on the hour
    const at = (ms: number) => new Date(start + ms).toISOString();
    await call('PUT', '/v1/market', { market: { BTC: { price: 100_000 }, ETH: { price: 3_000 } }, asOf: at(60_000) });
    await call('PUT', '/v1/market', { market: { BTC: { price: 101_000 }, ETH: { price: 3_030 } }, asOf: at(120_000) });
    const window = [new Date(start - hour), new Date(start + 4 * hour)] as const;
    expect(await stores.marketHistory.closes(tenantId, 'BTC', ...window)).toEqual([]); // the hour is not over
    await call('PUT', '/v1/market', { market: { BTC: { price: 99_000 } }, asOf: at(hour + 5_000) });
    await call('PUT', '/v1/market', { market: { BTC: { price: 98_000 } }, asOf: at(2 * hour + 5_000) });
    expect(await stores.marketHistory.closes(tenantId, 'BTC', ...window)).toEqual([
      { hour: at(0), close: 101_000 },
      { hour: at(hour), close: 99_000 },
    ]);
    expect(await stores.marketHistory.closes(tenantId, 'ETH', ...window)).toEqual([{ hour: at(0), close: 3_030 }]);
  });

  it('refuses a price that jumped more than 30% unless forced, and older data than stored', async () => {
    const { call } = await tenantWithKey();
    await call('PUT', '/v1/market', { market: { BTC: { price: 100_000 } } });
    const jump = await call('PUT', '/v1/market', { market: { BTC: { price: 50_000 } } });
    expect(jump).toMatchObject({ status: 422, body: { code: 'price_move_too_large', errors: [{ field: 'market.BTC.price' }] } });
    expect((await call('GET', '/v1/market')).body.market.BTC.price).toBe(100_000);
    expect((await call('PUT', '/v1/market', { market: { BTC: { price: 50_000 } }, force: true })).status).toBe(200);
    const old = await call('PUT', '/v1/market', { market: { BTC: { price: 50_000 } }, asOf: '2020-01-01T00:00:00Z' });
    expect(old).toMatchObject({ status: 400, body: { errors: [{ field: 'asOf' }] } });
  });
});

describe('sweeps', () => {
  it('a price move swept pushes an account into tier1: one tier_changed event, in the outbox with its assessment', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } });
    // At 3,000: equity 6,000, MM 4,800, IM 6,240: warning. At 2,880: equity 4,800, MM 4,608, ratio 1.0417: tier1.
    await call('PUT', '/v1/accounts/acct-x', perpBook(6_000));
    await call('PUT', '/v1/accounts/acct-calm', perpBook(50_000));
    expect((await sweepAndWait(call)).counts).toMatchObject({ accounts: 2, assessed: 2, tierChanges: 0, events: 0 });

    await pushUnnoticed(tenantId, { ETH: { price: 2_880 } });
    const sweep = await sweepAndWait(call);
    // The tier change, and the liquidation it opens (shared/sweeps/liquidations.test.ts).
    expect(sweep).toMatchObject({ status: 'completed', segmentsDone: SWEEP_SEGMENTS, counts: { accounts: 2, assessed: 2, tierChanges: 1, events: 2 } });
    const events = (await stores.events.list(tenantId, 10)).filter((e) => e.type !== 'liquidation.opened');
    expect(events).toEqual([expect.objectContaining({ type: 'account.tier_changed', data: expect.objectContaining({ accountId: 'acct-x', from: 'warning', to: 'tier1' }) })]);
    const data = events[0]!.data as { assessment: { assessmentId: string }; liquidation: { steps: unknown[] } };
    expect(data.liquidation.steps.length).toBeGreaterThan(0);
    expect((await call('GET', `/v1/assessments/${data.assessment.assessmentId}`)).body).toMatchObject({ accountId: 'acct-x', tier: 'tier1' });
    expect((await call('GET', '/v1/accounts/acct-x')).body.tier).toBe('tier1');

    // The same prices again: nothing changes, nothing is emitted.
    expect((await sweepAndWait(call)).counts).toMatchObject({ tierChanges: 0, events: 0 });
    expect(await stores.events.list(tenantId, 10)).toHaveLength(2);
  });

  it('a retried segment emits nothing twice and counts once', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } });
    for (let i = 0; i < 6; i++) await call('PUT', `/v1/accounts/acct-${i}`, perpBook(6_000));
    await pushUnnoticed(tenantId, { ETH: { price: 2_880 } });
    const sweep = await startSweep(stores, tenantId, 'api', async () => {});
    for (let segment = 0; segment < SWEEP_SEGMENTS; segment++) {
      await runSegment(stores, tenantId, sweep.sweepId, segment);
      await runSegment(stores, tenantId, sweep.sweepId, segment); // the retry
    }
    // Each account: its tier change and the liquidation it opens.
    expect(await stores.events.list(tenantId, 100)).toHaveLength(12);
    expect(await stores.sweeps.get(tenantId, sweep.sweepId)).toMatchObject({ status: 'completed', counts: { accounts: 6, tierChanges: 6, events: 12 } });
  });

  it('one scheduled or on-demand sweep at a time per tenant: the next answers the running one, until it ends or its lease runs out', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } });
    await call('PUT', '/v1/accounts/acct-1', perpBook(6_000));
    const parked = async () => {}; // segments never run: the sweep stays running
    const t0 = new Date();
    const first = await startSweep(stores, tenantId, 'schedule', parked, t0);
    expect((await startSweep(stores, tenantId, 'schedule', parked, new Date(t0.getTime() + 60_000))).sweepId).toBe(first.sweepId);
    expect((await startSweep(stores, tenantId, 'api', parked, new Date(t0.getTime() + 61_000))).sweepId).toBe(first.sweepId);
    // A price or profile sweep carries a change: it starts beside the running one.
    const price = await startSweep(stores, tenantId, 'price', parked, new Date(t0.getTime() + 62_000), ['ETH']);
    const profile = await startSweep(stores, tenantId, 'profile', parked, new Date(t0.getTime() + 63_000));
    expect(new Set([first.sweepId, price.sweepId, profile.sweepId]).size).toBe(3);
    // Once its segments are done, the slot is free.
    for (let segment = 0; segment < SWEEP_SEGMENTS; segment++) await runSegment(stores, tenantId, first.sweepId, segment);
    expect(await stores.sweeps.get(tenantId, first.sweepId)).toMatchObject({ status: 'completed' });
    const second = await startSweep(stores, tenantId, 'schedule', parked, new Date(t0.getTime() + 120_000));
    expect(second.sweepId).not.toBe(first.sweepId);
    // A sweep whose workers died never finishes: after its lease (6 minutes) the schedule takes over
    // (the market pushed again meanwhile, as an exchange does, so that it is not stale then).
    const later = new Date(t0.getTime() + 120_000 + FULL_SWEEP_LEASE_MS).toISOString();
    await stores.market.put(tenantId, { market: { ETH: { price: 3_000 } }, asOf: later, updatedAt: later }, (await stores.market.get(tenantId))!.version);
    expect((await startSweep(stores, tenantId, 'schedule', parked, new Date(t0.getTime() + 120_000 + FULL_SWEEP_LEASE_MS - 1_000))).sweepId).toBe(second.sweepId);
    const third = await startSweep(stores, tenantId, 'schedule', parked, new Date(t0.getTime() + 120_000 + FULL_SWEEP_LEASE_MS + 1_000));
    expect(third.sweepId).not.toBe(second.sweepId);
    // A failed sweep frees the slot too.
    await stores.sweeps.finish(tenantId, third.sweepId, 'failed', 'worker crashed');
    expect((await startSweep(stores, tenantId, 'api', parked, new Date(t0.getTime() + 120_000 + FULL_SWEEP_LEASE_MS + 2_000))).sweepId).not.toBe(third.sweepId);
  });

  it('a worker crashing mid-segment: the retry completes the segment without duplicate events', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } });
    for (let i = 0; i < 40; i++) await call('PUT', `/v1/accounts/crash-${i}`, perpBook(6_000));
    await pushUnnoticed(tenantId, { ETH: { price: 2_880 } });
    const sweep = await startSweep(stores, tenantId, 'api', async () => {});
    // The worker dies at its third tier-change write in every segment: nothing after it is
    // sent; the writes already sent land (or not) before Lambda retries the segment.
    let writes = 0;
    let dead = false;
    const sent: Promise<unknown>[] = [];
    const crashing: Stores = {
      ...stores,
      transact: async (items) => {
        if (dead || ++writes === 3) {
          dead = true;
          throw new Error('worker killed');
        }
        const write = stores.transact(items);
        sent.push(write.catch(() => undefined));
        return write;
      },
    };
    for (let segment = 0; segment < SWEEP_SEGMENTS; segment++) {
      writes = 0;
      dead = false;
      await runSegment(crashing, tenantId, sweep.sweepId, segment).catch(() => undefined);
      await Promise.all(sent);
      await runSegment(stores, tenantId, sweep.sweepId, segment); // Lambda's retry
    }
    const events = await stores.events.list(tenantId, 100);
    expect(events).toHaveLength(80);
    expect(events.filter((e) => e.type === 'liquidation.opened')).toHaveLength(40);
    expect(new Set(events.map((e) => (e.data as { accountId: string }).accountId)).size).toBe(40);
    // The retries count the changes their crashed attempts made: the totals match the events.
    expect(await stores.sweeps.get(tenantId, sweep.sweepId)).toMatchObject({
      status: 'completed',
      segmentsDone: SWEEP_SEGMENTS,
      counts: { accounts: 40, tierChanges: 40, events: 80 },
    });
  });

  it('refuses stale market data: the sweep ends at once and emits market.stale', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/accounts/acct-s', perpBook(6_000));
    const missing = await sweepAndWait(call);
    expect(missing).toMatchObject({ status: 'completed', reason: 'market_missing', segments: 0 });
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } }, asOf: new Date(Date.now() - 600_000).toISOString() });
    expect(await sweepAndWait(call)).toMatchObject({ status: 'completed', reason: 'market_stale' });
    expect((await stores.events.list(tenantId, 10)).map((e) => e.type)).toEqual(['market.stale', 'market.stale']);
  });
});

describe('accounts that cannot be assessed', () => {
  it('say why — on the account, as one account.unassessable event — and clear once the market prices their assets', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 } } });
    // USDT is accepted collateral, but this market has no price for it.
    const book = { collateral: [{ asset: 'USDT', amount: 10_000 }], positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1, entryPrice: 3_000 }] };
    const registered = await call('PUT', '/v1/accounts/acct-usdt', book);
    expect(registered.body).toMatchObject({ tier: null, assessmentError: { reason: expect.stringContaining('USDT'), errors: [{ field: 'collateral[0].asset' }] } });

    // Registration said so (one event); sweeps count it, say why in their status, and send nothing new while the reason stays.
    const swept = await sweepAndWait(call);
    expect(swept.counts).toMatchObject({ errors: 1, events: 0 });
    expect(swept.unassessable).toEqual([{ reason: expect.stringContaining('USDT'), accounts: 1, accountIds: ['acct-usdt'] }]);
    expect(swept.unassessable[0].reason).toBe(registered.body.assessmentError.reason);
    await sweepAndWait(call);
    const events = (await stores.events.list(tenantId, 10)).filter((e) => e.type === 'account.unassessable');
    expect(events.map((e) => e.data)).toEqual([{ accountId: 'acct-usdt', reason: expect.stringContaining('USDT'), errors: [{ field: 'collateral[0].asset', message: expect.any(String) }] }]);

    await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 }, USDT: { price: 1 } } });
    expect((await sweepAndWait(call)).unassessable).toEqual([]);
    expect((await call('GET', '/v1/accounts/acct-usdt')).body).toMatchObject({ assessmentError: null, tier: expect.any(String) });
  });

  it('found by a sweep (registered before any market): the sweep records the reason and sends the event once', async () => {
    const { tenantId, call } = await tenantWithKey();
    await call('PUT', '/v1/accounts/acct-late', { collateral: [{ asset: 'USDT', amount: 10_000 }], positions: [{ id: 'p', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1, entryPrice: 3_000 }] });
    await pushUnnoticed(tenantId, { ETH: { price: 3_000 } });
    expect((await sweepAndWait(call)).counts).toMatchObject({ errors: 1, events: 1 });
    expect((await sweepAndWait(call)).counts).toMatchObject({ errors: 1, events: 0 });
    expect((await call('GET', '/v1/accounts/acct-late')).body.assessmentError).toMatchObject({ reason: expect.stringContaining('USDT') });
    expect((await stores.events.list(tenantId, 10)).filter((e) => e.type === 'account.unassessable')).toHaveLength(1);
  });
});

describe('a market push that drops a symbol', () => {
  it('is stored, and warns which symbols the previous push priced and this one does not', async () => {
    const { call } = await tenantWithKey();
    const first = await call('PUT', '/v1/market', { market: { ETH: { price: 3_000 }, USDT: { price: 1 }, BTC: { price: 97_000 } } });
    expect(first.body.warnings).toEqual([]);
    const dropped = await call('PUT', '/v1/market', { market: { ETH: { price: 3_010 } } });
    expect(dropped.status).toBe(200);
    expect(dropped.body.warnings).toEqual([{ code: 'symbols_dropped', symbols: ['BTC', 'USDT'], message: expect.stringContaining('BTC, USDT') }]);
    expect(Object.keys((await call('GET', '/v1/market')).body.market)).toEqual(['ETH']);
  });
});

describe('unassessable reasons over segments', () => {
  it('add up per reason, keep the first five account ids, most accounts first', () => {
    const ids = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    expect(
      mergeReasons([
        [{ reason: 'no price for USDT', accounts: 3, accountIds: ids('a', 3) }],
        [{ reason: 'no price for USDT', accounts: 4, accountIds: ids('b', 4) }, { reason: 'unknown risk profile "x"', accounts: 1, accountIds: ['c0'] }],
        [],
      ]),
    ).toEqual([
      { reason: 'no price for USDT', accounts: 7, accountIds: ['a0', 'a1', 'a2', 'b0', 'b1'] },
      { reason: 'unknown risk profile "x"', accounts: 1, accountIds: ['c0'] },
    ]);
  });
});
