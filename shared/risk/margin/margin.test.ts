import { describe, expect, it } from 'vitest';
import { referencePrice } from '../../../test/reference-pricing.ts';
import type { SnapshotInput } from '../../schemas/snapshot.ts';
import { SnapshotSchema } from '../../schemas/snapshot.ts';
import { initialState } from '../account.ts';
import { buildBook } from '../book.ts';
import type { RiskProfile } from '../profile-schema.ts';
import { PROFILES } from '../built-in-profiles.ts';
import { marginModelFor } from './index.ts';
import { priceMoves, volShocks } from './portfolio.ts';
import { bracketMargin } from './standard.ts';

const AS_OF = '2026-11-23T12:00:00Z';
const IN_30_DAYS = '2026-12-23T12:00:00Z';
const T30 = 30 / 365;
const S = 100_000;
const SIGMA = 0.5;

/** Default profile without the short-option contingency, so scenario losses can be checked alone. */
const noContingency: RiskProfile = {
  ...PROFILES.default!,
  portfolio: { ...PROFILES.default!.portfolio, shortOptionContingency: 0 },
};

function maintenance(input: Omit<SnapshotInput, 'accountId' | 'asOf' | 'market'>, profile: RiskProfile = noContingency) {
  const snapshot = SnapshotSchema.parse({
    accountId: 'a',
    asOf: AS_OF,
    market: { BTC: { price: S, volatility: SIGMA }, USDC: { price: 1 } },
    ...input,
  });
  const book = buildBook(snapshot, profile);
  return marginModelFor(book).breakdown(initialState(book));
}

const call = (strike: number, quantity: number, id = 'c') => ({
  id,
  instrument: { type: 'option' as const, underlying: 'BTC', right: 'call' as const, strike, expiry: IN_30_DAYS },
  quantity,
});
const put = (strike: number, quantity: number, id = 'p') => ({
  id,
  instrument: { type: 'option' as const, underlying: 'BTC', right: 'put' as const, strike, expiry: IN_30_DAYS },
  quantity,
});
const perp = (quantity: number, id = 'h') => ({ id, instrument: { type: 'perpetual' as const, underlying: 'BTC' }, quantity });

/** Worst loss over the 9 × 3 grid, written out from docs/margin.md with the reference pricer. */
function gridWorstLoss(pnl: (spot: number, vol: number, move: number) => number): number {
  const shock = 0.5 * (30 / 30) ** 0.3; // T = 30 days: (30d / 30d)^0.3 = 1
  let worst = 0;
  for (const move of [-0.16, -0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12, 0.16]) {
    for (const vol of [SIGMA, SIGMA * (1 + shock), SIGMA * (1 - shock / 2)]) {
      worst = Math.max(worst, -pnl(S * (1 + move), vol, move));
    }
  }
  return worst;
}
const C0 = referencePrice('call', S, S, T30, SIGMA);
const P0 = referencePrice('put', S, S, T30, SIGMA);

describe('portfolio margin grid', () => {
  it('uses 9 price moves from −16% to +16%', () => {
    expect(Array.from(priceMoves(PROFILES.default!.portfolio))).toEqual(
      [-0.16, -0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12, 0.16].map((m) => expect.closeTo(m, 15)),
    );
  });

  it("reproduces Derive's published vol shock (T = 500,400 s, ranges 0.45 / 0.30)", () => {
    const [up, down] = volShocks({ ...PROFILES.default!.portfolio, volRangeUp: 0.45, volRangeDown: 0.3 }, 500_400 / (365 * 86_400));
    expect(up).toBeCloseTo(1.73707, 5);
    expect(down).toBeCloseTo(0.50862, 5);
  });

  it('uses p = 0.13 beyond 30 days and floors at one day', () => {
    const p = PROFILES.default!.portfolio;
    expect(volShocks(p, 120 / 365)[0]).toBeCloseTo(1 + 0.5 * (30 / 120) ** 0.13, 14);
    expect(volShocks(p, 1 / (365 * 24))[0]).toBeCloseTo(1 + 0.5 * 30 ** 0.3, 14);
  });
});

describe('portfolio margin, hand-computed', () => {
  it('one short ATM call: the +16% move with volatility up (σ 0.5 → 0.75)', () => {
    const m = maintenance({ collateral: [], positions: [call(S, -1)] });
    const expected = referencePrice('call', S * 1.16, S, T30, 0.75) - C0;
    expect(m.maintenance).toBeCloseTo(expected, 6);
    expect(m.underlyings[0]!.worstScenario).toEqual({ priceMove: expect.closeTo(0.16, 12), volShock: 'up' });
    expect(m.initial).toBeCloseTo(1.3 * expected, 6);
  });

  it('adds the short-option contingency (0.1% of spot per short contract)', () => {
    const withContingency = maintenance({ collateral: [], positions: [call(S, -2)] }, PROFILES.default!);
    const without = maintenance({ collateral: [], positions: [call(S, -2)] });
    expect(withContingency.maintenance - without.maintenance).toBeCloseTo(2 * 0.001 * S, 8);
  });

  it('a covered call (short call + 1 BTC collateral, 5% haircut) needs less than the naked call', () => {
    const covered = maintenance({ collateral: [{ asset: 'BTC', amount: 1 }], positions: [call(S, -1)] });
    const expected = gridWorstLoss((spot, vol, move) => 0.95 * S * move - (referencePrice('call', spot, S, T30, vol) - C0));
    expect(covered.maintenance).toBeCloseTo(expected, 6);
    expect(covered.maintenance).toBeLessThan(maintenance({ collateral: [], positions: [call(S, -1)] }).maintenance);
    // The worst case is now the −16% move: the collateral's loss, partly offset by the call's gain.
    expect(covered.underlyings[0]!.worstScenario?.priceMove).toBeCloseTo(-0.16, 12);
    expect(covered.collateralMaintenance[0]).toBeCloseTo(0.95 * 0.16 * S, 6);
    expect(covered.positionMaintenance[0]! + covered.collateralMaintenance[0]!).toBeCloseTo(covered.maintenance, 6);
  });

  it('a delta hedge lowers the requirement of a short straddle', () => {
    const dC = (referencePrice('call', S * (1 + 1e-5), S, T30, SIGMA) - referencePrice('call', S * (1 - 1e-5), S, T30, SIGMA)) / (2e-5 * S);
    const hedge = 2 * dC - 1; // short 1 call + short 1 put has delta −(2·dC − 1): buy that back
    const straddle = [call(S, -1), put(S, -1)];
    const straddlePnl = (spot: number, vol: number) =>
      -(referencePrice('call', spot, S, T30, vol) - C0) - (referencePrice('put', spot, S, T30, vol) - P0);

    const naked = maintenance({ collateral: [], positions: straddle });
    const hedged = maintenance({ collateral: [], positions: [...straddle, perp(hedge)] });
    expect(naked.maintenance).toBeCloseTo(gridWorstLoss((spot, vol) => straddlePnl(spot, vol)), 6);
    expect(hedged.maintenance).toBeCloseTo(gridWorstLoss((spot, vol, move) => straddlePnl(spot, vol) + hedge * S * move), 6);
    expect(hedge).toBeGreaterThan(0);
    expect(hedged.maintenance).toBeLessThan(naked.maintenance);
  });

  it('BTC collateral is shocked together with a short BTC perpetual', () => {
    // Short 1 BTC perp against 1 BTC collateral: net PnL = (0.95 − 1)·S·move, worst at +16%: 0.05 × 0.16 × S.
    const m = maintenance({ collateral: [{ asset: 'BTC', amount: 1 }], positions: [perp(-1)] });
    expect(m.maintenance).toBeCloseTo(0.05 * 0.16 * S, 8);
    expect(m.underlyings[0]!.worstScenario?.priceMove).toBeCloseTo(0.16, 12);
    // Alone, the short perpetual needs the full 16% move.
    expect(maintenance({ collateral: [], positions: [perp(-1)] }).maintenance).toBeCloseTo(0.16 * S, 8);
  });

  it('stablecoin collateral is covered by its haircut only', () => {
    const m = maintenance({ collateral: [{ asset: 'USDC', amount: 1000 }], positions: [perp(1)] });
    expect(m.maintenance).toBeCloseTo(0.16 * S, 8);
    expect(m.collateralMaintenance[0]).toBe(0);
  });

  it('a loan against BTC collateral carries the −16% move of the collateral', () => {
    // 1 BTC (5% haircut) against a 90,000 USD debt, no derivatives: worst loss 0.95 × 0.16 × S.
    const m = maintenance({ collateral: [{ asset: 'BTC', amount: 1 }, { asset: 'USD', amount: -90_000 }], positions: [] });
    expect(m.maintenance).toBeCloseTo(0.95 * 0.16 * S, 8);
    expect(m.underlyings[0]!.worstScenario?.priceMove).toBeCloseTo(-0.16, 12);
  });
});

describe('standard margin, hand-computed', () => {
  const standard = PROFILES.standard!;

  it('brackets keep maintenance margin continuous (Binance maintenance amount)', () => {
    const b = standard.standard.brackets;
    expect(bracketMargin(b, 500_000, 'maintenanceRate')).toBeCloseTo(5_000, 8);
    // 2M in the 2.5% bracket: 2M × 2.5% − 1M × (2.5% − 1%) = 35,000.
    expect(bracketMargin(b, 2_000_000, 'maintenanceRate')).toBeCloseTo(35_000, 8);
    for (const edge of [1_000_000, 5_000_000, 20_000_000]) {
      expect(bracketMargin(b, edge * (1 + 1e-12), 'maintenanceRate')).toBeCloseTo(bracketMargin(b, edge, 'maintenanceRate'), 3);
      expect(bracketMargin(b, edge * (1 + 1e-12), 'initialRate')).toBeCloseTo(bracketMargin(b, edge, 'initialRate'), 3);
    }
  });

  it("a short ITM call reproduces Derive's worked example (spot 1500, 1400 call, MtM 100: IM 325, MM 212.5)", () => {
    // A snapshot with a mark at intrinsic is refused (no volatility fits it), so the example's
    // MtM of 100 is put on the valued book directly: the formula is what is checked here.
    const snapshot = SnapshotSchema.parse({
      accountId: 'a',
      asOf: AS_OF,
      collateral: [],
      positions: [{ ...call(1400, -1), impliedVolatility: 0.5 }],
      market: { BTC: { price: 1500 } },
      profile: 'standard',
    });
    const valued = buildBook(snapshot, standard);
    const book = { ...valued, positions: valued.positions.map((p) => ({ ...p, mark: 100, unitValue: 100 })) };
    const m = marginModelFor(book).breakdown(initialState(book));
    expect(m.maintenance).toBeCloseTo(212.5, 9);
    expect(m.initial).toBeCloseTo(325, 9);
  });

  it("a short OTM call uses Deribit's IM max(0.15 − OTM/spot, 0.10) and MM 0.075 × spot, both plus the mark", () => {
    const m = maintenance({ collateral: [], positions: [call(110_000, -2)], profile: 'standard' }, standard);
    const mark = referencePrice('call', S, 110_000, T30, SIGMA);
    expect(m.maintenance).toBeCloseTo(2 * (0.075 * S + mark), 6);
    expect(m.initial).toBeCloseTo(2 * (Math.max(0.15 - 10_000 / S, 0.1) * S + mark), 6);
  });

  it('a balance owed in a volatile asset is margined as a short perpetual; stablecoin debts need none', () => {
    const m = maintenance(
      {
        collateral: [
          { asset: 'USD', amount: 400_000 },
          { asset: 'BTC', amount: -2 },
          { asset: 'USDC', amount: -1_000 },
        ],
        positions: [],
        profile: 'standard',
      },
      standard,
    );
    expect(m.maintenance).toBeCloseTo(0.01 * 2 * S, 8);
    expect(m.initial).toBeCloseTo(0.02 * 2 * S, 8);
    expect(Array.from(m.collateralMaintenance)).toEqual([0, expect.closeTo(0.01 * 2 * S, 8), 0]);
  });

  it('long options need no margin; perpetuals 1% MM and 2% IM in the first bracket', () => {
    const m = maintenance({ collateral: [], positions: [call(S, 3), perp(-2)], profile: 'standard' }, standard);
    expect(m.positionMaintenance[0]).toBe(0);
    expect(m.maintenance).toBeCloseTo(0.01 * 2 * S, 8);
    expect(m.initial).toBeCloseTo(0.02 * 2 * S, 8);
  });
});
