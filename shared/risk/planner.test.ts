import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numbersIn, snapshotArbitrary } from '../../test/arbitraries.ts';
import { applyTrades, pricesOf, type Trade } from '../replay/policies.ts';
import type { Assessment } from '../schemas/assessment.ts';
import { SnapshotSchema, type Snapshot, type SnapshotInput } from '../schemas/snapshot.ts';
import { assess, assessRisk } from './assess.ts';
import { tierRank } from './tiers.ts';

const run = (input: SnapshotInput): Promise<Assessment> => assess(SnapshotSchema.parse(input), { id: 'asm_test' });
/** The risk part alone (no plan): synchronous, for sizing books and checking states. */
const risk = (input: SnapshotInput) => assessRisk(SnapshotSchema.parse(input), { id: 'asm_test' }).assessment;

/** The snapshot with the plan's steps executed by the documented rule (docs/liquidation.md). */
function applyPlan(input: SnapshotInput, a: Assessment): Snapshot {
  const snapshot = SnapshotSchema.parse(input);
  const trades: Trade[] = a.liquidation!.steps.map((s) =>
    s.positionId !== undefined ? { kind: 'position', positionId: s.positionId, quantity: s.quantity } : { kind: 'collateral', asset: s.asset!, quantity: s.quantity },
  );
  return applyTrades(snapshot, trades, pricesOf(snapshot, a)).snapshot;
}

/** `input` with its cash (its first USD or USDC balance) moved so the account's margin ratio is `ratio`. */
function atRatio(input: SnapshotInput, ratio: number): SnapshotInput {
  const a = risk(input);
  const shift = ratio * a.maintenanceMargin - a.equity;
  const cash = input.collateral.find((c) => c.asset === 'USD' || c.asset === 'USDC')!;
  return { ...input, collateral: input.collateral.map((c) => (c === cash ? { ...c, amount: c.amount + shift } : c)) };
}

/** Short `calls` and `puts` (negative) at 100k, BTC at 100k, 30 days, 50% volatility. */
const straddle = (calls: number, puts: number): SnapshotInput => ({
  accountId: 'straddle',
  asOf: '2026-11-23T12:00:00Z',
  collateral: [{ asset: 'USD', amount: 0 }],
  positions: [
    { id: 'c', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 100_000, expiry: '2026-12-23T12:00:00Z' }, quantity: calls },
    { id: 'p', instrument: { type: 'option', underlying: 'BTC', right: 'put', strike: 100_000, expiry: '2026-12-23T12:00:00Z' }, quantity: puts },
  ],
  market: { BTC: { price: 100_000, volatility: 0.5 } },
});

const close = (a: number, b: number, scale: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b), scale);

const perpAccount = (cash: number, quantity = 10, extra: Partial<SnapshotInput['positions'][number]> = {}): SnapshotInput => ({
  accountId: 'acct-perp',
  asOf: '2026-11-23T12:00:00Z',
  collateral: [{ asset: 'USD', amount: cash }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity, entryPrice: 3_000, ...extra }],
  market: { ETH: { price: 3_000 } },
});

describe('planner, closed forms', () => {
  it('plans a single perpetual with a fee exactly by x = (T·MM − E)/(T·m − c)', async () => {
    // Long 10 ETH at 3,000: MM = 0.16 × 30,000 = 4,800; equity 4,992 (ratio 1.04, tier1).
    // m = 0.16 × 3,000 = 480 freed per unit; c = 0.5% × 3,000 = 15 lost per unit.
    const a = (await run(perpAccount(4_992)));
    expect(a.tier).toBe('tier1');
    const x = (1.1 * 4_800 - 4_992) / (1.1 * 480 - 15);
    const plan = a.liquidation!;
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({ positionId: 'eth', action: 'sell', penalty: expect.closeTo(15 * x, 6) });
    // Rounded up to 10 significant digits (docs/liquidation.md).
    expect(plan.steps[0]!.quantity).toBe(Number((Math.ceil(x * 1e10) / 1e10).toPrecision(10)));
    expect(plan.steps[0]!.maintenanceMarginRelief).toBeCloseTo(480 * x, 6);
    expect(plan.after.marginRatio).toBeCloseTo(1.1, 9);
    expect(plan.after.equity).toBeCloseTo(4_992 - 15 * x, 6);
    expect(plan).toMatchObject({ targetReached: true, liquidatedNotional: expect.closeTo(3_000 * x, 6), fullLiquidationNotional: 30_000 });
  });

  it('the same under the standard model: m = 1% × 3,000, MM = 300', async () => {
    const a = (await run({ ...perpAccount(1.045 * 300), profile: 'standard' }));
    expect(a.tier).toBe('tier1');
    const x = (1.1 * 300 - 1.045 * 300) / (1.1 * 30 - 15); // 0.92, inside the 10% cap of 1
    expect(a.liquidation!.steps[0]!.quantity).toBeCloseTo(x, 9);
    expect(a.liquidation!.steps[0]!.quantity).toBeGreaterThanOrEqual(x);
    expect(a.liquidation!.after.marginRatio).toBeCloseTo(1.1, 9);
  });

  it('rounds up to whole lots', async () => {
    const a = (await run(perpAccount(4_992, 10, { lotSize: 0.1 })));
    expect(a.liquidation!.steps[0]!.quantity).toBeCloseTo(0.6, 12);
    expect(a.liquidation!.after.marginRatio!).toBeGreaterThan(1.1);
  });

  it('stops at the tier cap and says the target was not reached', async () => {
    // Standard model, ratio 1.021 (tier1): x = (330 − 306.3)/18 = 1.32 ETH, above the 10% cap of 1 ETH.
    const a = (await run({ ...perpAccount(1.021 * 300), profile: 'standard' }));
    expect(a.tier).toBe('tier1');
    expect(a.liquidation!.steps[0]!.quantity).toBeCloseTo(1, 12);
    expect(a.liquidation!.targetReached).toBe(false);
    // With 2 ETH lots the cap allows no whole lot: nothing is closed.
    const b = (await run({ ...perpAccount(1.021 * 300, 10, { lotSize: 2 }), profile: 'standard' }));
    expect(b.liquidation).toMatchObject({ targetReached: false, steps: [] });
  });

  it('leaves no dust below the profile minimum', async () => {
    // 0.003 ETH (9 USD) is below the 10 USD minimum: the whole position goes.
    const a = (await run(atRatio(perpAccount(0, 0.003), 1.01)));
    expect(a.tier).toBe('tier2');
    expect(a.liquidation!.steps[0]!.quantity).toBeCloseTo(0.003, 15);
  });

  it('never closes a hedge leg whose closing would raise the requirement', async () => {
    // Short 10 ETH calls delta-hedged with a long perpetual: the perpetual is the hedge.
    const input = atRatio(
      {
        accountId: 'acct-hedged',
        asOf: '2026-11-23T12:00:00Z',
        collateral: [{ asset: 'USDC', amount: 0 }],
        positions: [
          { id: 'calls', instrument: { type: 'option', underlying: 'ETH', right: 'call', strike: 3_000, expiry: '2026-12-23T12:00:00Z' }, quantity: -10 },
          { id: 'hedge', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 5.3, entryPrice: 3_000 },
        ],
        market: { ETH: { price: 3_000, volatility: 0.7 }, USDC: { price: 1 } },
      },
      1.03,
    );
    const a = (await run(input));
    expect(a.tier).toBe('tier1');
    expect(a.liquidation!.steps.map((s) => s.positionId)).not.toContain('hedge');
    expect(a.liquidation!.after.maintenanceMargin).toBeLessThan(a.maintenanceMargin);
  });

  it('sells volatile collateral of a loan with no positions', async () => {
    // 10 SOL (20% haircut) against USD debt at ratio 1.016 (tier2); selling SOL repays debt and releases haircut.
    const input = atRatio(
      { accountId: 'loan', asOf: '2026-11-23T12:00:00Z', collateral: [{ asset: 'SOL', amount: 10 }, { asset: 'USD', amount: 0 }], positions: [], market: { SOL: { price: 150 } } },
      1.016,
    );
    const a = (await run(input));
    expect(a.tier).toBe('tier2');
    expect(a.liquidation).toMatchObject({ targetReached: true, steps: [expect.objectContaining({ asset: 'SOL', action: 'sell' })] });
    expect(a.liquidation!.after.marginRatio).toBeCloseTo(1.1, 9);
  });

  it('trims a short straddle by the least amount, even where closing a whole leg would raise the requirement', async () => {
    // 10 calls and 11 puts short at 100k: the +16% scenario binds, but closing 2.5 calls or more
    // flips it to −16% and raises MM. The least slice that reaches 1.10 is a fraction of that.
    const a = (await run(atRatio(straddle(-10, -11), 1.01)));
    expect(a.tier).toBe('tier2');
    const plan = a.liquidation!;
    expect(plan.targetReached).toBe(true);
    expect(plan.after.marginRatio).toBeCloseTo(1.1, 9);
    expect(plan.after.maintenanceMargin).toBeLessThan(a.maintenanceMargin);
    // Least: closing 1% less of the same steps would not reach the target.
    const less = { ...a, liquidation: { ...plan, steps: plan.steps.map((s) => ({ ...s, quantity: 0.99 * s.quantity })) } };
    expect((await run(applyPlan(atRatio(straddle(-10, -11), 1.01), less))).marginRatio!).toBeLessThan(1.1);
  });

  it('slices both legs pro rata when the straddle is balanced and closing either leg alone raises the requirement', async () => {
    // Puts chosen so the +16% and −16% scenarios lose the same: any one-leg trim raises MM.
    let [lo, hi] = [-13, -10];
    for (let k = 0; k < 80; k++) {
      const mid = 0.5 * (lo + hi);
      if (risk(straddle(-10, mid)).greeks['BTC']!.worstScenario!.priceMove > 0) hi = mid;
      else lo = mid;
    }
    const input = atRatio(straddle(-10, lo), 1.01);
    const a = (await run(input));
    expect(a.tier).toBe('tier2');
    for (const id of ['c', 'p']) {
      const one = { ...a, liquidation: { ...a.liquidation!, steps: [{ ...a.liquidation!.steps[0]!, positionId: id, quantity: 0.1 }] } };
      expect((await run(applyPlan(input, one))).maintenanceMargin).toBeGreaterThan(a.maintenanceMargin);
    }
    const plan = a.liquidation!;
    expect(plan.steps.map((s) => s.positionId).sort()).toEqual(['c', 'p']);
    expect(plan.steps[0]!.fraction).toBeCloseTo(plan.steps[1]!.fraction, 9);
    expect(plan.targetReached).toBe(true);
    expect(plan.after.marginRatio).toBeCloseTo(1.1, 9);
    expect((await run(applyPlan(input, a))).marginRatio).toBeCloseTo(plan.after.marginRatio!, 12);
  });

  it('liquidates no more than a brute-force search over both legs finds, where one leg frees less and less', async () => {
    // Long SOL calls and short SOL puts: the puts free the most at first, then less and less.
    const book: SnapshotInput = {
      accountId: 'two-legs',
      asOf: '2026-11-23T12:00:00Z',
      collateral: [{ asset: 'USDC', amount: 0 }],
      positions: [
        { id: 'p0', instrument: { type: 'option', underlying: 'SOL', right: 'call', strike: 88, expiry: '2028-11-22T12:00:00Z' }, quantity: 50 },
        { id: 'p1', instrument: { type: 'option', underlying: 'SOL', right: 'put', strike: 191, expiry: '2028-11-15T23:00:00Z' }, quantity: -50 },
      ],
      market: { SOL: { price: 69, volatility: 0.9 }, USDC: { price: 1 } },
    };
    const input = atRatio(book, 1.01);
    const a = (await run(input));
    expect(a.tier).toBe('tier2');
    expect(a.liquidation!.targetReached).toBe(true);
    // Every pair of slices on a 1/40 grid of the 25% caps: the least notional that reaches 1.10.
    let best = Infinity;
    for (let i = 0; i <= 40; i++) {
      for (let j = 0; j <= 40; j++) {
        const [x0, x1] = [(12.5 * i) / 40, (12.5 * j) / 40];
        const notional = (x0 + x1) * 69;
        if (notional >= best) continue;
        const trades = [
          { ...a.liquidation!.steps[0]!, positionId: 'p0', quantity: x0 },
          { ...a.liquidation!.steps[0]!, positionId: 'p1', quantity: x1 },
        ].filter((t) => t.quantity > 0);
        if ((await run(applyPlan(input, { ...a, liquidation: { ...a.liquidation!, steps: trades } }))).marginRatio! >= 1.1) best = notional;
      }
    }
    expect(a.liquidation!.liquidatedNotional).toBeLessThanOrEqual(best);
  });

  it('buys back a borrowed volatile asset, partly in tier2 and all of it in tier3', async () => {
    // USD cash against 10 ETH owed: the +16% scenario loses 4,800.
    const owed = (ratio: number) =>
      atRatio({ accountId: 'short-eth', asOf: '2026-11-23T12:00:00Z', collateral: [{ asset: 'USD', amount: 0 }, { asset: 'ETH', amount: -10 }], positions: [], market: { ETH: { price: 3_000 } } }, ratio);
    const tier2 = (await run(owed(1.01)));
    expect(tier2.tier).toBe('tier2');
    const x = (1.1 * 4_800 - 1.01 * 4_800) / (1.1 * 480 - 15); // the closed form: m = 480, c = 15 per ETH
    expect(tier2.liquidation!.steps).toEqual([expect.objectContaining({ asset: 'ETH', action: 'buy', quantity: expect.closeTo(x, 9) })]);
    expect(tier2.liquidation!.after.marginRatio).toBeCloseTo(1.1, 9);
    expect((await run(applyPlan(owed(1.01), tier2))).equity).toBeCloseTo(tier2.liquidation!.after.equity, 9);
    const tier3 = (await run(owed(0.95)));
    expect(tier3.tier).toBe('tier3');
    expect(tier3.liquidation!.steps).toEqual([expect.objectContaining({ asset: 'ETH', action: 'buy', quantity: 10, fraction: 1 })]);
    expect(tier3.liquidation!.after.maintenanceMargin).toBe(0);
  });

  it('sells volatile collateral under the standard model, where it frees no requirement but releases its haircut', async () => {
    const input = atRatio(
      {
        accountId: 'std',
        asOf: '2026-11-23T12:00:00Z',
        collateral: [{ asset: 'USD', amount: 0 }, { asset: 'SOL', amount: 400 }],
        positions: [{ id: 'btc', instrument: { type: 'perpetual', underlying: 'BTC' }, quantity: 2, entryPrice: 97_000 }],
        market: { BTC: { price: 97_000 }, SOL: { price: 150 } },
        profile: 'standard',
      },
      1.03,
    );
    const a = (await run(input));
    expect(a.tier).toBe('tier1');
    expect(a.liquidation!.steps.map((s) => s.asset ?? s.positionId)).toContain('SOL');
    expect(a.liquidation!.targetReached).toBe(true);
  });

  it('closes everything in an insolvent account, charges no penalty and reports the bad debt', async () => {
    const a = (await run(perpAccount(-4_000, 10, { entryPrice: 3_100 })));
    expect(a.tier).toBe('insolvent');
    const plan = a.liquidation!;
    expect(plan.steps).toEqual([expect.objectContaining({ positionId: 'eth', quantity: 10, fraction: 1, penalty: 0 })]);
    expect(plan.estimatedBadDebt).toBeCloseTo(5_000, 9);
    expect(plan.after).toMatchObject({ maintenanceMargin: 0, tier: 'insolvent' });
  });

  it('never lets penalties take more than half the equity', async () => {
    // tier3 with a full close: 0.5% × 30,000 = 150 of fee against 200 of equity → capped at 100.
    const a = (await run({ ...perpAccount(200, 10), market: { ETH: { price: 3_000 } } }));
    expect(a.tier).toBe('tier3');
    expect(a.liquidation!.steps[0]!.penalty).toBeCloseTo(100, 9);
    expect(a.liquidation!.after.equity).toBeCloseTo(100, 9);
    expect(a.liquidation!.after.tier).toBe('healthy');
  });

  it('publishes the Dutch-auction schedule when the profile uses one', async () => {
    const { executionOf } = await import('./penalty.ts');
    const e = executionOf({ kind: 'dutchAuction', startFactor: 0.995, endFactor: 0.95, durationMinutes: 15, expectedFillMinutes: 7.5 });
    expect(e).toMatchObject({ kind: 'dutchAuction', expectedPriceFactor: expect.closeTo(0.9725, 12) });
    if (e.kind === 'dutchAuction') {
      expect(e.schedule[0]).toEqual({ minute: 0, priceFactor: 0.995, buyPriceFactor: 1.005 });
      expect(e.schedule.at(-1)).toEqual({ minute: 15, priceFactor: expect.closeTo(0.95, 12), buyPriceFactor: expect.closeTo(1.05, 12) });
    }
  });
});

describe('planner invariants (fast-check)', () => {
  const troubled = fc
    .record({
      s: snapshotArbitrary(),
      ratio: fc.double({ min: 0.2, max: 1.049, noNaN: true }),
      profile: fc.constantFrom('default', 'minimal', 'standard'),
    })
    .map(({ s, ratio, profile }) => ({ s: { ...s, profile }, ratio }))
    .filter(({ s }) => risk(s).maintenanceMargin > 1)
    .map(({ s, ratio }) => atRatio(s, ratio));

  it('applying the steps and re-assessing reproduces `after`; the target is met when promised; MM never rises', async () => {
    await fc.assert(
      fc.asyncProperty(troubled, async (input) => {
        const a = (await run(input));
        fc.pre(a.liquidation !== null && tierRank(a.tier) >= tierRank('tier1') && a.tier !== 'insolvent');
        const plan = a.liquidation!;
        const fresh = (await run(applyPlan(input, a)));
        const scale = a.maintenanceMargin + Math.abs(a.equity);
        expect(close(fresh.equity, plan.after.equity, scale)).toBe(true);
        expect(close(fresh.maintenanceMargin, plan.after.maintenanceMargin, scale)).toBe(true);
        expect(fresh.tier).toBe(plan.after.tier);
        if (plan.targetReached && plan.after.marginRatio !== null) expect(plan.after.marginRatio).toBeGreaterThanOrEqual(1.1 * (1 - 1e-9));
        // Up to rounding: a full close can end where it started (a hedged loan whose hedge is closed and collateral sold back to the same exposure).
        expect(plan.after.maintenanceMargin).toBeLessThanOrEqual(a.maintenanceMargin + 1e-9 * scale);
        // One step per position or balance (audit finding 4).
        const ids = plan.steps.map((step) => step.positionId ?? `asset:${step.asset}`);
        expect(new Set(ids).size).toBe(ids.length);
        for (const step of plan.steps) {
          expect(step.quantity).toBeGreaterThan(0);
          expect(step.fraction).toBeLessThanOrEqual(1 + 1e-12);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("the audit's findings on the planner", () => {
  it('a lot larger than the tier cap gives no step and says why: lot_size (finding 6)', async () => {
    // Ratio 1.045 needs 0.92 ETH, within the 10% cap of 1 ETH, but the lot is 2 ETH.
    const a = await run({ ...perpAccount(1.045 * 300, 10, { lotSize: 2 }), profile: 'standard' });
    expect(a.liquidation).toMatchObject({ targetReached: false, steps: [], shortfall: { reason: 'lot_size' } });
    // The deposit still needed is the top-up: nothing was closed.
    expect(a.liquidation!.shortfall!.remainingTopUp).toBeCloseTo(a.collateralTopUp, 9);
  });

  it('the tier cap stopping the plan says tier_cap and the deposit still needed', async () => {
    const a = await run({ ...perpAccount(1.021 * 300), profile: 'standard' });
    const plan = a.liquidation!;
    expect(plan.shortfall).toMatchObject({ reason: 'tier_cap' });
    expect(plan.shortfall!.remainingTopUp).toBeCloseTo(1.1 * plan.after.maintenanceMargin - plan.after.equity, 9);
  });

  it('an insolvent account says insolvent', async () => {
    const a = await run(perpAccount(-4_000, 10, { entryPrice: 3_100 }));
    expect(a.liquidation!.shortfall).toMatchObject({ reason: 'insolvent' });
  });

  it('a position with zero P&L is neither losing nor in profit; no step says "frees -" (finding 8)', async () => {
    const a = await run(atRatio(perpAccount(0, 10, { entryPrice: 3_000 }), 1.03));
    const reason = a.liquidation!.steps[0]!.reason;
    expect(reason).not.toMatch(/in profit|, losing/);
    const insolvent = await run(perpAccount(-4_000, 10, { entryPrice: 3_100 }));
    for (const s of insolvent.liquidation!.steps) expect(s.reason).not.toMatch(/frees -/);
  });

  it('balances too small for floating point (5e-323 ETH owed) still give a finite plan', async () => {
    const a = await run({
      ...perpAccount(0, 1e-6, { entryPrice: 97_000 }),
      collateral: [{ asset: 'USD', amount: 0 }, { asset: 'ETH', amount: -5e-323 }],
      market: { ETH: { price: 3_000 } },
    });
    for (const [path, n] of numbersIn(a.liquidation)) if (!Number.isFinite(n)) throw new Error(`${path} is ${n}`);
    expect(a.liquidation!.shortfall).toMatchObject({ reason: 'insolvent' });
  });

  it('quantities are clean: whole lots or 10 significant digits, never 3.9999999999999973 (cleanliness)', async () => {
    const a = await run(atRatio(straddle(-10, -11), 1.01));
    for (const s of a.liquidation!.steps) expect(Number(s.quantity.toPrecision(10))).toBe(s.quantity);
  });

  describe('Dutch auction (finding 7)', () => {
    const auction = (input: SnapshotInput): SnapshotInput => ({ ...input, profile: 'auction' });

    it('is reachable through the built-in `auction` profile, with a rising schedule for buy-backs', async () => {
      const a = await run(auction(atRatio(perpAccount(0, -10, { entryPrice: 3_000 }), 1.03)));
      const plan = a.liquidation!;
      expect(plan.execution).toMatchObject({ kind: 'dutchAuction', expectedFillMinutes: 7.5, expectedPriceFactor: expect.closeTo(0.9725, 12), expectedBuyPriceFactor: expect.closeTo(1.0275, 12) });
      // A short is bought back at the expected fill of the rising schedule: 3,000 × 1.0275.
      expect(plan.steps[0]).toMatchObject({ action: 'buy', estimatedPrice: expect.closeTo(3_082.5, 9) });
    });

    it('an insolvent account still pays the expected auction discount (no cap): the bad debt includes it', async () => {
      // Long 10 ETH bought at 3,100, marked 3,000, with 4,000 of debt: equity −5,000 before the sale.
      const a = await run(auction(perpAccount(-4_000, 10, { entryPrice: 3_100 })));
      const step = a.liquidation!.steps[0]!;
      expect(step.estimatedPrice).toBeCloseTo(3_000 * 0.9725, 9);
      expect(step.penalty).toBeCloseTo(10 * 3_000 * 0.0275, 9);
      expect(a.liquidation!.estimatedBadDebt).toBeCloseTo(5_000 + 825, 9);
    });

    it('refuses a reversed schedule and an expected fill outside the auction', async () => {
      const { PenaltySchema } = await import('./profile-schema.ts');
      expect(PenaltySchema.safeParse({ kind: 'dutchAuction', startFactor: 0.95, endFactor: 0.995, durationMinutes: 15 }).success).toBe(false);
      expect(PenaltySchema.safeParse({ kind: 'dutchAuction', startFactor: 0.995, endFactor: 0.95, durationMinutes: 15, expectedFillMinutes: 20 }).success).toBe(false);
      expect(PenaltySchema.safeParse({ kind: 'dutchAuction', startFactor: 0.995, endFactor: 0.95, durationMinutes: 15 }).success).toBe(true);
    });
  });
});
