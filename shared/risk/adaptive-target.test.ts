import { describe, expect, it } from 'vitest';
import { SnapshotSchema, type SnapshotInput } from '../schemas/snapshot.ts';
import { quantile } from './adaptive-target.ts';
import { assess } from './assess.ts';

/** Long 10 ETH perpetual bought at 3,000, ETH at 3,000 with `volatility`, in the `adaptive` profile. */
const account = (cash: number, volatility?: number): SnapshotInput => ({
  accountId: 'acct-eth',
  asOf: '2026-11-23T12:00:00Z',
  collateral: [{ asset: 'USD', amount: cash }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
  market: { ETH: volatility === undefined ? { price: 3_000 } : { price: 3_000, volatility } },
  profile: 'adaptive',
});

describe('the adaptive target', () => {
  it('Φ⁻¹(0.99) = 2.326347874 (published)', () => {
    expect(quantile(0.99)).toBeCloseTo(2.326347874040841, 9);
    expect(quantile(0.5)).toBeCloseTo(0, 12);
  });

  it("is tier1 / (1 − d), d the ratio's fall under the 99% one-minute move: closed form for a long perpetual", async () => {
    // cash 4,992: equity 4,992, MM 0.16 × 30,000 = 4,800 (ratio 1.04, tier1).
    for (const sigma of [0.8, 3, 10]) {
      const a = await assess(SnapshotSchema.parse(account(4_992, sigma)), { id: 'asm_test' });
      const f = Math.exp(-2.326347874040841 * sigma * Math.sqrt(1 / (365 * 24 * 60)));
      const ratio = (p: number) => (4_992 + 10 * (p - 3_000)) / (0.16 * 10 * p);
      const d = 1 - ratio(3_000 * f) / ratio(3_000);
      const expected = Math.min(2, Math.max(1.05, 1.05 / (1 - d)));
      expect(a.liquidation!.targetMarginRatio).toBeCloseTo(expected, 9);
      // The plan aims for it (within the tier1 cap of 10%: at 1,000% volatility it cannot get there), and the top-up too.
      if (a.liquidation!.targetReached) expect(a.liquidation!.after.marginRatio!).toBeGreaterThanOrEqual(expected * (1 - 1e-9));
      else expect(a.liquidation!.shortfall).toMatchObject({ reason: 'tier_cap' });
      expect(a.collateralTopUp).toBeCloseTo(expected * a.maintenanceMargin - a.equity, 6);
    }
  });

  it('rises with volatility, is floored at the tier1 threshold and capped at 2', async () => {
    const targets = [];
    for (const sigma of [0.01, 0.8, 10]) targets.push((await assess(SnapshotSchema.parse(account(4_992, sigma)), { id: 'asm_test' })).liquidation!.targetMarginRatio);
    expect(targets[0]).toBeGreaterThanOrEqual(1.05);
    expect(targets[1]!).toBeGreaterThan(targets[0]!);
    expect(targets[2]!).toBeGreaterThan(targets[1]!);
    expect(targets[2]!).toBeLessThanOrEqual(2);
    // Without a market volatility the profile's default (100%) is used.
    const noVol = await assess(SnapshotSchema.parse(account(4_992)), { id: 'asm_test' });
    const withDefault = await assess(SnapshotSchema.parse(account(4_992, 1)), { id: 'asm_test' });
    expect(noVol.liquidation!.targetMarginRatio).toBeCloseTo(withDefault.liquidation!.targetMarginRatio, 12);
  });
});
