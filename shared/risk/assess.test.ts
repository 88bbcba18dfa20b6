import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numbersIn, snapshotArbitrary } from '../../test/arbitraries.ts';
import { SnapshotSchema, type SnapshotInput } from '../schemas/snapshot.ts';
import { assess } from './assess.ts';
import { tierRank } from './tiers.ts';

const run = (input: SnapshotInput) => assess(SnapshotSchema.parse(input), { id: 'asm_test' });

/** The same snapshot with `extra` more USDC. */
const withMoreCash = (s: SnapshotInput, extra: number): SnapshotInput => ({
  ...s,
  collateral: s.collateral.map((c) => (c.asset === 'USDC' ? { ...c, amount: c.amount + extra } : c)),
});

describe('assessment invariants (fast-check)', () => {
  it('never puts NaN or Infinity in an assessment of a valid snapshot', async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArbitrary(), async (s) => {
        for (const [path, n] of numbersIn((await run(s)))) {
          if (!Number.isFinite(n)) throw new Error(`${path} is ${n}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('maintenance margin is never negative, and initial margin is at least maintenance', async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArbitrary(), fc.constantFrom('default', 'standard'), async (s, profile) => {
        const a = (await run({ ...s, profile }));
        expect(a.maintenanceMargin).toBeGreaterThanOrEqual(0);
        expect(a.initialMargin).toBeGreaterThanOrEqual(a.maintenanceMargin);
      }),
      { numRuns: 200 },
    );
  });

  it('equity is monotone in collateral, and rises by exactly the cash added', async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArbitrary(), fc.double({ min: 0, max: 1e6, noNaN: true }), async (s, extra) => {
        const before = (await run(s));
        const after = (await run(withMoreCash(s, extra)));
        expect(after.equity).toBeGreaterThanOrEqual(before.equity);
        expect(after.equity - before.equity).toBeCloseTo(extra, 3);
        expect(after.maintenanceMargin).toBeCloseTo(before.maintenanceMargin, 6);
      }),
      { numRuns: 200 },
    );
  });

  it('the tier never worsens as equity grows', async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArbitrary(), fc.array(fc.double({ min: 0, max: 2e5, noNaN: true }), { minLength: 2, maxLength: 6 }), async (s, steps) => {
        let cash = 0;
        let previous = tierRank((await run(s)).tier);
        for (const step of steps) {
          cash += step;
          const rank = tierRank((await run(withMoreCash(s, cash))).tier);
          expect(rank).toBeLessThanOrEqual(previous);
          previous = rank;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the top-up brings the account exactly to the target ratio (or clears the debt when nothing is at risk)', async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArbitrary(), async (s) => {
        const a = (await run(s));
        fc.pre(a.collateralTopUp > 0);
        const topped = (await run(withMoreCash(s, a.collateralTopUp)));
        // Exact up to the rounding of the sums involved.
        const terms = [...a.collateral, ...a.positions].reduce((sum, x) => sum + Math.abs(x.value), a.collateralTopUp + a.maintenanceMargin);
        const tolerance = 1e-12 * terms;
        expect(Math.abs(topped.equity - 1.1 * topped.maintenanceMargin)).toBeLessThanOrEqual(tolerance);
      }),
      { numRuns: 100 },
    );
  });
});

describe('assessment', () => {
  const base: SnapshotInput = {
    accountId: 'acct-1',
    asOf: '2026-11-23T12:00:00Z',
    collateral: [{ asset: 'USDC', amount: 10_000 }],
    positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_200 }],
    market: { ETH: { price: 3_000 }, USDC: { price: 1 } },
  };

  it('values a perpetual by its unrealized PnL and margins the 16% move', async () => {
    const a = (await run(base));
    // Equity 10,000 − 2,000 = 8,000; MM = 10 × 3,000 × 16% = 4,800; IM = 1.3 × MM.
    expect(a.equity).toBeCloseTo(8_000, 9);
    expect(a.maintenanceMargin).toBeCloseTo(4_800, 9);
    expect(a.initialMargin).toBeCloseTo(6_240, 9);
    expect(a.marginRatio).toBeCloseTo(8_000 / 4_800, 12);
    expect(a.tier).toBe('healthy');
    expect(a.positions[0]).toMatchObject({ value: -2_000, unrealizedPnl: -2_000, notional: 30_000, greeks: { delta: 10 } });
    expect(a.greeks.ETH).toMatchObject({ delta: 10, maintenanceMargin: expect.closeTo(4_800, 9) });
  });

  it.each([
    [6_000, 'warning'], // equity 6,000 < IM 6,240; ratio 1.25
    [4_900, 'tier1'], // ratio 1.0208
    [4_850, 'tier2'], // ratio 1.0104
    [4_700, 'tier3'], // ratio 0.979
    [0, 'insolvent'],
    [-100, 'insolvent'],
  ])('equity %d puts the account in %s (docs/liquidation.md)', async (equity, tier) => {
    const a = (await run({ ...base, collateral: [{ asset: 'USDC', amount: equity + 2_000 }] }));
    expect(a.tier).toBe(tier);
  });

  it('an account with only collateral has no requirement and a null ratio', async () => {
    const a = (await run({ ...base, positions: [] }));
    expect(a).toMatchObject({ maintenanceMargin: 0, marginRatio: null, tier: 'healthy', collateralTopUp: 0 });
  });

  it('applies haircuts to positive balances and counts debts in full', async () => {
    const a = (await run({
      ...base,
      positions: [],
      collateral: [
        { asset: 'USDT', amount: 1_000 },
        { asset: 'ETH', amount: 2 },
        { asset: 'USD', amount: -500 },
      ],
      market: { ETH: { price: 3_000 }, USDT: { price: 1 } },
    }));
    expect(a.equity).toBeCloseTo(1_000 * 0.995 + 2 * 3_000 * 0.93 - 500, 9);
  });

  it('solves the implied volatility from a mark price and reproduces the mark', async () => {
    const option = {
      id: 'c',
      instrument: { type: 'option' as const, underlying: 'ETH', right: 'call' as const, strike: 3_200, expiry: '2026-12-23T12:00:00Z' },
      quantity: -1,
    };
    const fromVol = (await run({ ...base, positions: [{ ...option, impliedVolatility: 0.65 }] }));
    const fromMark = (await run({ ...base, positions: [{ ...option, markPrice: fromVol.positions[0]!.markPrice }] }));
    expect(fromMark.positions[0]!.impliedVolatility).toBeCloseTo(0.65, 9);
    expect(fromMark.maintenanceMargin).toBeCloseTo(fromVol.maintenanceMargin, 6);
  });

  it('values a far out-of-the-money option marked at 0 with the market volatility, and says what is missing without one', async () => {
    const option = {
      id: 'wing',
      instrument: { type: 'option' as const, underlying: 'ETH', right: 'call' as const, strike: 9_000, expiry: '2026-12-23T12:00:00Z' },
      quantity: -5,
      markPrice: 0,
    };
    const a = (await run({ ...base, positions: [option], market: { ...base.market, ETH: { price: 3_000, volatility: 0.7 } } }));
    expect(a.positions[0]).toMatchObject({ markPrice: 0, impliedVolatility: 0.7 });
    expect(a.positions[0]!.value === 0).toBe(true);
    // The vol-up scenarios still price the wing: a short one carries margin.
    expect(a.maintenanceMargin).toBeGreaterThan(0);
    await expect(run({ ...base, positions: [option] })).rejects.toThrow(/intrinsic/);
  });

  it('ranks what frees margin first and leaves the hedge unranked', async () => {
    const a = (await run({
      ...base,
      positions: [
        { id: 'small', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 1 },
        { id: 'big', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: -20 },
      ],
    }));
    // Closing the small long would raise the requirement of the net short: it is the hedge.
    expect(a.positions.map((p) => [p.id, p.liquidationPriority, p.role])).toEqual([
      ['small', null, 'hedge'],
      ['big', 1, 'risk'],
    ]);
  });
});
