import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numbersIn, snapshotArbitrary } from '../../test/arbitraries.ts';
import { longCall, shortStraddle } from '../../test/books.ts';
import { SnapshotSchema, type SnapshotInput } from '../schemas/snapshot.ts';
import { initialState } from './account.ts';
import { assess, assessRisk } from './assess.ts';
import { assessLadder, ladderMoves, type Ladder, type LadderGrid } from './ladder.ts';
import { TIERS } from './tiers.ts';

const parse = (input: SnapshotInput) => SnapshotSchema.parse(input);
const ladder = (input: SnapshotInput, grid: LadderGrid = { points: 41, range: 0.3 }) => assessLadder(parse(input), {}, grid);

/** Long 10 ETH perpetual bought at 3,000, ETH at 3,000, 6,000 USD (README, "Liquidations"). */
const ethLong = (profile = 'default'): SnapshotInput => ({
  accountId: 'acct-ladder',
  asOf: '2026-11-23T12:00:00Z',
  profile,
  collateral: [{ asset: 'USD', amount: 6_000 }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
  market: { ETH: { price: 3_000 } },
});

/**
 * The tier of equity E against maintenance M and initial I under thresholds 1.05 / 1.02 / 1.00,
 * as docs/margin.md states the rule: written out here, not taken from the engine.
 */
function tierByHand(equity: number, maintenance: number, initial: number): string {
  if (equity < 0 || (equity === 0 && maintenance > 0)) return 'insolvent';
  const ratio = equity / maintenance;
  if (ratio < 1.0) return 'tier3';
  if (ratio < 1.02) return 'tier2';
  if (ratio < 1.05) return 'tier1';
  return equity < initial ? 'warning' : 'healthy';
}

describe('the liquidation ladder', () => {
  it('a lone long perpetual under `default`: equity(P) = 6,000 + 10(P − 3,000), MM(P) = 16% × 10P (the grid\'s −16% scenario), IM = 1.3 × MM', () => {
    const eth = ladder(ethLong()).underlyings['ETH']!;
    expect(eth.price).toBe(3_000);
    expect(eth.points).toHaveLength(41);
    for (const [k, point] of eth.points.entries()) {
      // 41 points from 2,100 to 3,900: 45 apart.
      const price = 2_100 + 45 * k;
      const equity = 6_000 + 10 * (price - 3_000);
      const maintenance = 0.16 * 10 * price;
      expect(point.price).toBeCloseTo(price, 9);
      expect(point.move).toBeCloseTo(price / 3_000 - 1, 12);
      expect(point.equity).toBeCloseTo(equity, 8);
      expect(point.maintenanceMargin).toBeCloseTo(maintenance, 8);
      expect(point.marginRatio).toBeCloseTo(equity / maintenance, 10);
      expect(point.tier, `at ${price}`).toBe(tierByHand(equity, maintenance, 1.3 * maintenance));
    }
    // Landmarks by hand: bad debt below 2,400, tier3 below 24,000 / 8.4, tier1 below 24,000 / 8.32, healthy from 24,000 / 7.92.
    const at = (price: number) => eth.points.find((p) => Math.abs(p.price - price) < 1e-6)!;
    expect(at(2_370).tier).toBe('insolvent');
    expect(at(2_820).tier).toBe('tier3');
    expect(at(2_865).tier).toBe('tier2');
    expect(at(2_910).tier).toBe('warning');
    expect(at(3_000).tier).toBe('warning');
    expect(at(3_045).tier).toBe('healthy');
  });

  it('the same perpetual under `standard`: MM(P) = 1% and IM(P) = 2% of the notional 10P (first bracket)', () => {
    const eth = ladder(ethLong('standard'), { points: 201, range: 0.3 }).underlyings['ETH']!;
    for (const [k, point] of eth.points.entries()) {
      // 201 points from 2,100 to 3,900: 9 apart.
      const price = 2_100 + 9 * k;
      const equity = 6_000 + 10 * (price - 3_000);
      const maintenance = 0.01 * 10 * price;
      expect(point.equity).toBeCloseTo(equity, 8);
      expect(point.maintenanceMargin).toBeCloseTo(maintenance, 8);
      expect(point.tier, `at ${price}`).toBe(tierByHand(equity, maintenance, 0.02 * 10 * price));
    }
    // Healthy from equity = IM: 10P − 24,000 = 0.2P, P = 2,448.98; below it warning, down to tier1 below 24,000 / 9.895 = 2,425.47
    // and tier3 below 24,000 / 9.9 = 2,424.24 (tier1 and tier2 fall between two points here).
    const at = (price: number) => eth.points.find((p) => Math.abs(p.price - price) < 1e-6)!.tier;
    expect([at(2_424), at(2_433), at(2_442), at(2_451)]).toEqual(['tier3', 'warning', 'warning', 'healthy']);
  });

  it('its margin ratio crosses the tier1 threshold at the assessment\'s tier1 liquidation price', async () => {
    const input = ethLong();
    const { liquidationPrices } = await assess(parse(input), { id: 'asm_test' });
    const l = ladder(input, { points: 201, range: 0.3 });
    const { points, liquidationPrices: prices } = l.underlyings['ETH']!;
    expect(prices).toEqual(liquidationPrices['ETH']);
    expect(l.thresholds).toEqual({ tier1: 1.05, tier2: 1.02, tier3: 1.0 });
    const tier1 = prices.down.tier1!;
    // The neighbouring points bracket it: above the threshold on the near side, below it on the far side.
    const i = points.findIndex((p) => p.price > tier1);
    expect(points[i - 1]!.marginRatio!).toBeLessThan(1.05);
    expect(points[i]!.marginRatio!).toBeGreaterThanOrEqual(1.05);
    expect(points[i - 1]!.tier).toBe('tier1');
    // equity − 1.05 × MM is linear in the price for a perpetual: interpolating it finds the crossing exactly.
    const gap = (p: (typeof points)[number]) => p.equity - l.thresholds.tier1 * p.maintenanceMargin;
    const [a, b] = [points[i - 1]!, points[i]!];
    const crossing = a.price + ((b.price - a.price) * -gap(a)) / (gap(b) - gap(a));
    expect(crossing).toBeCloseTo(tier1, 5);
    expect(tier1).toBeCloseTo(24_000 / 8.32, 5);
  });

  it('on a short straddle, the ladder evaluated at each liquidation price sits on its threshold', async () => {
    const bare = shortStraddle('acct-straddle');
    // Cash for a margin ratio of 2.
    const start = await assess(parse(bare), { id: 'asm_test' });
    const input = { ...bare, collateral: [{ asset: 'USD', amount: 30_000 + 2 * start.maintenanceMargin - start.equity }] };
    const { liquidationPrices } = await assess(parse(input), { id: 'asm_test' });
    const btc = liquidationPrices['BTC']!;
    for (const [price, threshold] of [
      [btc.down.tier1, 1.05],
      [btc.up.tier1, 1.05],
      [btc.down.tier3, 1.0],
      [btc.up.tier3, 1.0],
    ] as const) {
      expect(price).not.toBeNull();
      // A grid of three whose outer points are exactly that price's move away.
      const range = Math.abs(price! / 100_000 - 1);
      const [low, , high] = ladder(input, { points: 3, range }).underlyings['BTC']!.points;
      const point = price! < 100_000 ? low! : high!;
      expect(point.price).toBeCloseTo(price!, 4);
      expect(point.marginRatio!).toBeCloseTo(threshold, 6);
    }
    // And the default grid brackets the tier1 prices between tiers.
    const points = ladder(input).underlyings['BTC']!.points;
    const below = points.filter((p) => p.price < btc.down.tier1!);
    const within = points.filter((p) => p.price > btc.down.tier1! && p.price < btc.up.tier1!);
    expect(below.every((p) => p.marginRatio! < 1.05)).toBe(true);
    expect(within.every((p) => p.marginRatio! >= 1.05)).toBe(true);
  });

  it('its middle point is the assessment\'s own equity, maintenance margin, margin ratio and tier', async () => {
    const input: SnapshotInput = {
      accountId: 'acct-mixed',
      asOf: '2026-11-23T12:00:00Z',
      collateral: [
        { asset: 'USDC', amount: 20_000 },
        { asset: 'BTC', amount: 0.3 },
        { asset: 'ETH', amount: -2 },
      ],
      positions: [
        { id: 'perp', instrument: { type: 'perpetual', underlying: 'BTC' }, quantity: 0.8, entryPrice: 95_000 },
        { id: 'call', instrument: { type: 'option', underlying: 'ETH', right: 'call', strike: 3_400, expiry: '2027-03-26T08:00:00Z' }, quantity: -5 },
        { id: 'sol', instrument: { type: 'future', underlying: 'SOL', expiry: '2027-03-26T08:00:00Z' }, quantity: -100, entryPrice: 150 },
      ],
      market: { BTC: { price: 97_000, volatility: 0.55 }, ETH: { price: 3_000, volatility: 0.7 }, SOL: { price: 140, volatility: 0.9 }, USDC: { price: 1 } },
    };
    for (const profile of ['default', 'standard']) {
      const snapshot = parse({ ...input, profile });
      const assessment = await assess(snapshot, { id: 'asm_test' });
      const l = assessLadder(snapshot, {}, { points: 5, range: 0.1 });
      expect(l).toMatchObject({ tier: assessment.tier, marginRatio: assessment.marginRatio });
      expect(Object.keys(l.underlyings)).toEqual(['BTC', 'ETH', 'SOL']);
      for (const [u, { price, points, liquidationPrices }] of Object.entries(l.underlyings)) {
        expect(liquidationPrices).toEqual(assessment.liquidationPrices[u]);
        expect(price).toBe(snapshot.market[u]!.price);
        expect(points[2]).toEqual({
          price,
          move: 0,
          equity: assessment.equity,
          maintenanceMargin: assessment.maintenanceMargin,
          marginRatio: assessment.marginRatio,
          tier: assessment.tier,
        });
      }
    }
  });

  it('an account that cannot owe (long options, no debt) is never below warning, and has no liquidation price', () => {
    const btc = ladder(longCall('acct-long-call')).underlyings['BTC']!;
    expect(btc.liquidationPrices).toEqual({ price: 100_000, down: { tier1: null, tier3: null }, up: { tier1: null, tier3: null } });
    expect(new Set(btc.points.map((p) => p.tier))).toEqual(new Set(['warning']));
  });

  it('a grid of `points` evenly spaced moves from −range to +range, exactly 0 in the middle; other grids are refused', () => {
    expect(ladderMoves({ points: 5, range: 0.2 })).toEqual([-0.2, -0.1, 0, 0.1, 0.2]);
    expect(ladderMoves({ points: 41, range: 0.3 })[20]).toBe(0);
    for (const grid of [{ points: 4, range: 0.3 }, { points: 1, range: 0.3 }, { points: 2.5, range: 0.3 }, { points: 5, range: 0 }, { points: 5, range: 1 }, { points: 5, range: Number.NaN }]) {
      expect(() => ladderMoves(grid), JSON.stringify(grid)).toThrow(RangeError);
    }
  });

  it('the margin models\' initial margin per underlying adds up to the account\'s (what each point\'s healthy or warning rests on)', () => {
    const input: SnapshotInput = {
      accountId: 'acct-im',
      asOf: '2026-11-23T12:00:00Z',
      collateral: [{ asset: 'USDC', amount: 50_000 }, { asset: 'ETH', amount: -3 }],
      positions: [
        { id: 'perp', instrument: { type: 'perpetual', underlying: 'BTC' }, quantity: 0.5, entryPrice: 95_000 },
        { id: 'put', instrument: { type: 'option', underlying: 'ETH', right: 'put', strike: 2_800, expiry: '2027-03-26T08:00:00Z' }, quantity: -4 },
      ],
      market: { BTC: { price: 97_000, volatility: 0.55 }, ETH: { price: 3_000, volatility: 0.7 }, USDC: { price: 1 } },
    };
    for (const profile of ['default', 'standard']) {
      const { context } = assessRisk(parse({ ...input, profile }), { id: 'asm_test' });
      const state = initialState(context.book);
      const total = context.model.requirement(state);
      const parts = context.book.underlyings.map((_, u) => context.model.requirementOfUnderlyingAt(u, 1, state));
      expect(parts.reduce((s, p) => s + p.initial, 0)).toBeCloseTo(total.initial, 6);
      expect(parts.reduce((s, p) => s + p.maintenance, 0)).toBeCloseTo(total.maintenance, 6);
      context.book.underlyings.forEach((_, u) => {
        expect(context.model.requirementOfUnderlyingAt(u, 0.8, state).maintenance).toBe(context.model.maintenanceOfUnderlyingAt(u, 0.8, state));
      });
    }
  });
});

describe('ladder invariants (fast-check)', () => {
  const grid = fc.record({ points: fc.integer({ min: 1, max: 20 }).map((n) => 2 * n + 1), range: fc.double({ min: 0.01, max: 0.9, noNaN: true }) });

  it('never puts NaN or Infinity in a point, and the margin ratio is null exactly when the maintenance margin is 0', () => {
    fc.assert(
      fc.property(snapshotArbitrary(), fc.constantFrom('default', 'standard'), grid, (s, profile, g) => {
        const snapshot = parse({ ...s, profile });
        const l: Ladder = assessLadder(snapshot, {}, g);
        for (const [path, n] of numbersIn(l)) if (!Number.isFinite(n)) throw new Error(`${path} is ${n}`);
        for (const [u, { price, points }] of Object.entries(l.underlyings)) {
          expect(points).toHaveLength(g.points);
          expect(points[(g.points - 1) / 2]!.price).toBe(price);
          for (let k = 0; k < points.length; k++) {
            const p = points[k]!;
            if (k > 0) expect(p.price, u).toBeGreaterThan(points[k - 1]!.price);
            expect(p.maintenanceMargin).toBeGreaterThanOrEqual(0);
            expect(p.marginRatio === null).toBe(p.maintenanceMargin === 0);
            expect(TIERS).toContain(p.tier);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
