/**
 * Sweeps sized by the tenant: the segment count chosen from the accounts the last completed
 * sweep of every account read, recorded on the sweep, and used by its workers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { freshStores } from '../../test/dynamo.ts';
import type { Stores } from '../store/index.ts';
import { ACCOUNTS_PER_SEGMENT, SWEEP_SEGMENTS } from '../store/segments.ts';
import { runSegment, startPriceSweep, startSweep, type SegmentRunner } from './sweep-runs.ts';

let stores: Stores;
beforeAll(async () => {
  ({ stores } = await freshStores());
});

/** Long 10 ETH perpetual with 6,000 USD: warning at 3,000. */
const perpBook = {
  profile: 'default',
  collateral: [{ asset: 'USD', amount: 6_000 }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual' as const, underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
};

/** Records the segments the runner is asked for; runs none (the test runs them). */
function parked(): { run: SegmentRunner; asked: number[] } {
  const asked: number[] = [];
  return { asked, run: async (_tenantId, _sweepId, segments) => void asked.push(segments) };
}

async function tenantWith(tenantId: string, accounts: number) {
  const now = new Date().toISOString();
  await stores.market.put(tenantId, { market: { ETH: { price: 3_000 } }, asOf: now, updatedAt: now }, null);
  for (let i = 0; i < accounts; i++) await stores.accounts.put(tenantId, `acct-${i}`, perpBook, null, null);
}

describe('segments sized by the tenant', () => {
  it('a new or small tenant gets 8; a completed sweep of every account records the size the next ones use', async () => {
    const tenantId = 'ten_sized';
    await tenantWith(tenantId, 24);
    const runner = parked();
    const first = await startSweep(stores, tenantId, 'api', runner.run);
    expect(first.segments).toBe(SWEEP_SEGMENTS);
    for (let s = 0; s < SWEEP_SEGMENTS; s++) await runSegment(stores, tenantId, first.sweepId, s);
    expect(await stores.sweeps.get(tenantId, first.sweepId)).toMatchObject({ status: 'completed', counts: { accounts: 24 } });
    expect(await stores.sweeps.lastSize(tenantId)).toBe(24);

    // The tenant as if it had grown past 8 segments' worth: the next sweep has 16, and its workers read 16 segments.
    const grown = 8 * ACCOUNTS_PER_SEGMENT + 1;
    await stores.sweeps.recordSize(tenantId, `${first.sweepId}~`, grown);
    const big = await startSweep(stores, tenantId, 'schedule', runner.run);
    expect(big.segments).toBe(16);
    expect(runner.asked).toEqual([8, 16]);
    expect((await stores.sweeps.get(tenantId, big.sweepId))?.segments).toBe(16);
    await expect(runSegment(stores, tenantId, big.sweepId, 16)).rejects.toThrow(RangeError);
    const perSegment: number[] = [];
    for (let s = 0; s < 16; s++) perSegment.push((await runSegment(stores, tenantId, big.sweepId, s)).counts.accounts);
    expect(perSegment.reduce((a, b) => a + b, 0)).toBe(24);
    expect(await stores.sweeps.get(tenantId, big.sweepId)).toMatchObject({ status: 'completed', segments: 16, segmentsDone: 16, counts: { accounts: 24 } });
    // An earlier sweep completing late does not overwrite a later one's size.
    expect(await stores.sweeps.lastSize(tenantId)).toBe(24);
    await stores.sweeps.recordSize(tenantId, first.sweepId, 1);
    expect(await stores.sweeps.lastSize(tenantId)).toBe(24);
  });

  it('price sweeps are sized the same way, and do not record the size', async () => {
    const tenantId = 'ten_priced';
    await tenantWith(tenantId, 12);
    await stores.sweeps.recordSize(tenantId, 'swp_0', 64 * ACCOUNTS_PER_SEGMENT);
    const runner = parked();
    const sweep = await startPriceSweep(stores, tenantId, ['ETH'], runner.run);
    expect(sweep.segments).toBe(64);
    let exposed = 0;
    for (let s = 0; s < 64; s++) exposed += (await runSegment(stores, tenantId, sweep.sweepId, s)).counts.accounts;
    expect(exposed).toBe(12);
    expect(await stores.sweeps.get(tenantId, sweep.sweepId)).toMatchObject({ status: 'completed', segmentsDone: 64, counts: { accounts: 12, assessed: 12 } });
    expect(await stores.sweeps.lastSize(tenantId)).toBe(64 * ACCOUNTS_PER_SEGMENT);
  });
});
