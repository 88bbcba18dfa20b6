/**
 * Acceptance tests of the exact planner: its plan is the least notional liquidation.
 *
 * The reference is test/least-notional.ts: the problem restated from the docs and solved
 * with YALPS (a pure-JS simplex with branch and bound, not the planner's HiGHS), on a margin
 * model written from docs/margin.md that shares no code with shared/risk/margin (only the
 * Black-Scholes price). The tests, in order:
 *   (a) that model reproduces `assess`'s equity and maintenance margin on generated books;
 *   (b) the LP agrees with a brute-force grid search on books of 2–3 candidates;
 *   (c) on generated books (perpetuals, futures, options, volatile collateral and debts,
 *       1–40 positions, tier1/tier2/tier3, both margin models, with and without lots), the
 *       planner's notional equals the least notional, and its remaining top-up the least
 *       shortfall when the target cannot be reached;
 *   (d) a short strangle whose least plan closes both legs at different fractions, beating
 *       either leg alone and the pro-rata basket.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RULES,
  bruteForce,
  candidatesOf,
  equityOf,
  leastNotional,
  maintenanceOf,
  outcome,
  stateOf,
  tierOf,
  value,
  type LeastNotional,
  type Tier,
} from '../../test/least-notional.ts';
import type { Assessment, LiquidationPlan } from '../schemas/assessment.ts';
import { SnapshotSchema, type Snapshot, type SnapshotInput } from '../schemas/snapshot.ts';
import { assess } from './assess.ts';
import { optionPrice } from './black-scholes.ts';

const AS_OF = '2026-11-23T12:00:00Z';
const AS_OF_MS = Date.parse(AS_OF);
const HOUR = 3_600_000;
const REFERENCE = { BTC: { price: 97_000, volatility: 0.55 }, ETH: { price: 3_000, volatility: 0.7 }, SOL: { price: 150, volatility: 0.9 } } as const;
type Underlying = keyof typeof REFERENCE;
const UNDERLYINGS = Object.keys(REFERENCE) as Underlying[];
type Market = Record<Underlying, { price: number; volatility: number }>;
type PositionInput = SnapshotInput['positions'][number];

/** The plan as the exact planner publishes it (the `shortfall` field is new). */
type Plan = LiquidationPlan & { shortfall?: { reason: string; remainingTopUp: number } | null };

/** `assess`, awaited whether it returns the assessment or a promise of it. */
const run = async (s: Snapshot): Promise<Assessment> => await assess(s, { id: 'asm_optimality' });

// ---------------------------------------------------------------------------------------
// Generated books.
// ---------------------------------------------------------------------------------------

const logUniform = (min: number, max: number) => fc.double({ min: Math.log(min), max: Math.log(max), noNaN: true }).map(Math.exp);
const iso = (ms: number) => new Date(AS_OF_MS + ms).toISOString();

interface PositionOptions {
  /** Give this position a lot size (quantity a whole number of lots). */
  readonly lot: boolean;
  /** Force a short position (so the account can owe: it is liquidable). */
  readonly short: boolean;
  /** Least notional, USD. */
  readonly minNotional: number;
  /** Perpetuals and futures only. */
  readonly linearOnly: boolean;
}

/**
 * One position worth `minNotional` (50 or more) to 300,000 USD of notional, so that what the
 * 25% cap leaves open is never dust (minRemainingNotional is 10 USD). Options are live (6 hours to 400 days), at
 * strikes within ±30%; some carry their own volatility, some a mark different from the model's.
 */
function positionArb(id: string, market: Market, o: PositionOptions): fc.Arbitrary<PositionInput> {
  return fc
    .record({
      kind: o.linearOnly ? fc.constantFrom('perpetual', 'future') : fc.constantFrom('perpetual', 'perpetual', 'future', 'option', 'option', 'option'),
      u: fc.constantFrom(...UNDERLYINGS),
      short: o.short ? fc.constant(true) : fc.boolean(),
      notional: logUniform(o.minNotional, 300_000),
      entry: fc.option(fc.double({ min: 0.85, max: 1.15, noNaN: true }), { nil: undefined }),
      mark: fc.option(fc.double({ min: 0.97, max: 1.06, noNaN: true }), { nil: undefined }),
      days: fc.integer({ min: 1, max: 400 }),
      hours: fc.integer({ min: 6, max: 400 * 24 }),
      right: fc.constantFrom('call' as const, 'put' as const),
      moneyness: fc.double({ min: 0.7, max: 1.3, noNaN: true }),
      vol: fc.option(fc.double({ min: 0.3, max: 1.3, noNaN: true }), { nil: undefined }),
      timeValue: fc.option(fc.double({ min: 0.8, max: 1.25, noNaN: true }), { nil: undefined }),
    })
    .map((r): PositionInput => {
      const spot = market[r.u].price;
      let quantity = r.notional / spot;
      let lotSize: number | undefined;
      if (o.lot) {
        // At least 100 lots: the 10% cap leaves room for 10.
        lotSize = 10 ** Math.floor(Math.log10(quantity / 100));
        quantity = Math.round(quantity / lotSize) * lotSize;
      }
      quantity = r.short ? -quantity : quantity;
      const lot = lotSize === undefined ? {} : { lotSize };
      if (r.kind === 'perpetual') {
        return {
          id,
          instrument: { type: 'perpetual', underlying: r.u },
          quantity,
          ...(r.entry === undefined ? {} : { entryPrice: spot * r.entry }),
          // A perpetual's mark stays within 0.2% of the index.
          ...(r.mark === undefined ? {} : { markPrice: spot * (1 + (r.mark - 1.015) / 20) }),
          ...lot,
        };
      }
      if (r.kind === 'future') {
        return {
          id,
          instrument: { type: 'future', underlying: r.u, expiry: iso(r.days * 24 * HOUR) },
          quantity,
          entryPrice: spot * (r.entry ?? 1),
          ...(r.mark === undefined ? {} : { markPrice: spot * r.mark }),
          ...lot,
        };
      }
      const strike = Math.round(spot * r.moneyness * 100) / 100;
      const expiry = iso(r.hours * HOUR);
      const option: PositionInput = { id, instrument: { type: 'option', underlying: r.u, right: r.right, strike, expiry }, quantity, ...lot };
      if (r.vol === undefined) return option;
      // A mark other than the model's: the intrinsic value plus a share of the model's time value.
      const years = (r.hours * HOUR) / (365 * 86_400_000);
      const model = optionPrice(r.right, spot, strike, years, r.vol);
      const intrinsic = Math.max(r.right === 'call' ? spot - strike : strike - spot, 0);
      const tv = model - intrinsic;
      const mark = r.timeValue !== undefined && tv > 1e-4 * spot ? intrinsic + tv * r.timeValue : undefined;
      // Inside the no-arbitrage band: above the payoff, below the spot (call) or the strike (put).
      const bound = r.right === 'call' ? spot : strike;
      return { ...option, impliedVolatility: r.vol, ...(mark !== undefined && mark < bound ? { markPrice: mark } : {}) };
    });
}

/** A volatile balance: none, held or owed, worth 100 to 300,000 USD. */
const balanceArb = (asset: Underlying, market: Market) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: logUniform(100, 300_000).map((n) => ({ asset, amount: n / market[asset].price })) },
    { weight: 1, arbitrary: logUniform(100, 300_000).map((n) => ({ asset, amount: -n / market[asset].price })) },
  );

const marketArb: fc.Arbitrary<Market> = fc
  .record({ BTC: fc.double({ min: 0.8, max: 1.2, noNaN: true }), ETH: fc.double({ min: 0.8, max: 1.2, noNaN: true }), SOL: fc.double({ min: 0.8, max: 1.2, noNaN: true }) })
  .map((f) => ({
    BTC: { price: REFERENCE.BTC.price * f.BTC, volatility: REFERENCE.BTC.volatility },
    ETH: { price: REFERENCE.ETH.price * f.ETH, volatility: REFERENCE.ETH.volatility },
    SOL: { price: REFERENCE.SOL.price * f.SOL, volatility: REFERENCE.SOL.volatility },
  }));

interface BookOptions {
  readonly minPositions: number;
  readonly maxPositions: number;
  /** Volatile balances (held or owed) besides the USD cash. */
  readonly collateral: boolean;
  /** Up to this many positions get a lot size. */
  readonly maxLots: number;
  /** Least notional of a position, USD (default 50). */
  readonly minNotional?: number;
  /** Perpetuals and futures only (default false). */
  readonly linearOnly?: boolean;
}

/** A book with USD cash 0; the first position is short, so the account can owe and is liquidable. */
function bookArb(o: BookOptions): fc.Arbitrary<SnapshotInput> {
  return marketArb.chain((market) =>
    fc
      .record({
        count: fc.integer({ min: o.minPositions, max: o.maxPositions }),
        lots: fc.integer({ min: 0, max: o.maxLots }),
        balances: o.collateral ? fc.tuple(...UNDERLYINGS.map((u) => balanceArb(u, market))) : fc.constant([]),
      })
      .chain(({ count, lots, balances }) =>
        fc.tuple(...Array.from({ length: count }, (_, i) => positionArb(`p${i}`, market, { lot: i < lots, short: i === 0, minNotional: o.minNotional ?? 50, linearOnly: o.linearOnly ?? false }))).map(
          (positions): SnapshotInput => ({
            accountId: 'acct-optimality',
            asOf: AS_OF,
            collateral: [{ asset: 'USD', amount: 0 }, ...(balances as readonly ({ asset: string; amount: number } | null)[]).filter((b) => b !== null)],
            positions,
            market,
          }),
        ),
      ),
  );
}

const RATIOS: Record<'tier1' | 'tier2' | 'tier3', [number, number]> = { tier1: [1.021, 1.049], tier2: [1.001, 1.019], tier3: [0.3, 0.99] };

/** `input` with its USD cash set, on the independent model, so its margin ratio is `ratio`. */
function atRatio(input: SnapshotInput, ratio: number): Snapshot | null {
  const v = value(SnapshotSchema.parse(input));
  const st = stateOf(v);
  const mm = maintenanceOf(v, st);
  const gross = grossNotional(input);
  if (!(mm > 1 && mm > 1e-6 * gross)) return null;
  const cash = ratio * mm - equityOf(v, st);
  return SnapshotSchema.parse({ ...input, collateral: input.collateral.map((c) => (c.asset === 'USD' ? { ...c, amount: c.amount + cash } : c)) });
}

/** Σ |q|·spot + Σ |volatile balance|·price: the scale rounding grows with. */
function grossNotional(s: SnapshotInput): number {
  const price = (a: string) => (s.market as Record<string, { price: number }>)[a]?.price ?? 1;
  return (
    s.positions.reduce((sum, p) => sum + Math.abs(p.quantity) * price(p.instrument.underlying), 0) +
    s.collateral.filter((c) => !RULES.stable.includes(c.asset)).reduce((sum, c) => sum + Math.abs(c.amount) * price(c.asset), 0)
  );
}

/**
 * A troubled account: a tier, a book, the profile (tier3 needs `minimal`), the ratio in the
 * tier. In tier3 (cap 100%) positions are worth 2,000 USD or more, so that the least plan
 * seldom leaves one below the 10 USD dust threshold (those runs are skipped: see `leavesDust`).
 * One book in five is linear only, and one run in six is built to miss the target: under the
 * standard model (1% MM, a 0.5% fee) a linear book in tier1 below a ratio of 1.04 cannot reach
 * it within the 10% cap.
 */
function troubledArb(o: BookOptions): fc.Arbitrary<Snapshot> {
  const general = fc.record({
    tier: fc.constantFrom('tier1' as const, 'tier2' as const, 'tier3' as const),
    profile: fc.constantFrom('default', 'minimal', 'standard'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    linearOnly: fc.integer({ min: 0, max: 4 }).map((k) => k === 0),
  });
  // Standard model, tier1, linear only, ratio 1.021–1.035: the 10% cap mostly falls short of the target.
  const capBound = fc.record({
    tier: fc.constant('tier1' as const),
    profile: fc.constant('standard'),
    at: fc.double({ min: 0, max: 0.5, noNaN: true }),
    linearOnly: fc.constant(true),
  });
  return fc
    .oneof({ weight: 5, arbitrary: general }, { weight: 1, arbitrary: capBound })
    .chain(({ tier, profile, at, linearOnly }) =>
      bookArb({ ...o, linearOnly, ...(tier === 'tier3' ? { minNotional: 2_000 } : {}) }).map((book) => {
        const [lo, hi] = RATIOS[tier];
        // The default profile closes everything in tier3; the standard one too (it extends default).
        return atRatio({ ...book, profile: tier === 'tier3' ? 'minimal' : profile }, lo + (hi - lo) * at);
      }),
    )
    .filter((s): s is Snapshot => s !== null);
}

// ---------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------

const relClose = (a: number, b: number, rel: number, abs = 0) => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + abs;

/** Amount closed per candidate of the independent model, read from the planner's steps. */
function amountsOfSteps(s: Snapshot, plan: Plan): number[] {
  const cands = candidatesOf(value(s));
  const x = cands.map(() => 0);
  for (const step of plan.steps) {
    const key = step.positionId ?? `collateral:${step.asset}`;
    const j = cands.findIndex((c) => c.key === key);
    if (j < 0) throw new Error(`the plan trades ${key}, which is no candidate of the independent model`);
    x[j]! += step.quantity;
  }
  return x;
}

/**
 * `s` with `x` of each candidate closed by docs/liquidation.md's rule for `after`: quantities
 * and balances move toward zero; the USD balance takes the realised value less the penalties
 * (capped at half the equity before).
 */
function applied(s: Snapshot, ln: LeastNotional): Snapshot {
  const v = value(s);
  const positions = s.positions.map((p) => ({ ...p }));
  const collateral = s.collateral.map((c) => ({ ...c }));
  let cash = 0;
  let penalty = 0;
  ln.candidates.forEach((c, j) => {
    const x = ln.amounts[j]!;
    if (x === 0) return;
    penalty += RULES.feeRate * x * c.unitPenaltyBase;
    if (c.kind === 'position') {
      positions[c.index]!.quantity -= c.sign * x;
      cash += c.sign * x * v.positions[c.index]!.unitValue;
    } else {
      collateral[c.index]!.amount -= c.sign * x;
      cash += c.sign * x * v.collateral[c.index]!.price;
    }
  });
  cash -= Math.min(penalty, RULES.maxPenaltyShareOfEquity * Math.max(0, ln.equity));
  const usd = collateral.find((c) => c.asset === 'USD')!;
  usd.amount += cash;
  return SnapshotSchema.parse({ ...s, positions, collateral });
}

/** A tier3 optimum that leaves a position open below the dust threshold: the planner closes the rest (not an LP). */
function leavesDust(ln: LeastNotional): boolean {
  return ln.candidates.some((c, j) => {
    if (c.kind !== 'position') return false;
    const left = (c.size - ln.amounts[j]!) * c.unitNotional;
    // With a margin: the planner's optimum may sit a rounding away from ours.
    return left > 1e-9 * c.size * c.unitNotional && left < RULES.minRemainingNotional * 1.05;
  });
}

// ---------------------------------------------------------------------------------------
// (a) The independent model is the engine's model.
// ---------------------------------------------------------------------------------------

describe('(a) the independent model reproduces assess', () => {
  it('equity and maintenance margin to 1e-9 relative, and the tier, on generated books of both models', async () => {
    const books = fc.sample(
      fc.record({ book: bookArb({ minPositions: 1, maxPositions: 25, collateral: true, maxLots: 0 }), profile: fc.constantFrom('default', 'standard'), ratio: fc.double({ min: 0.3, max: 2, noNaN: true }) }),
      { numRuns: 120, seed: 20_261_123 },
    );
    let compared = 0;
    for (const { book, profile, ratio } of books) {
      const s = atRatio({ ...book, profile }, ratio);
      if (!s) continue;
      const v = value(s);
      const st = stateOf(v);
      const equity = equityOf(v, st);
      const mm = maintenanceOf(v, st);
      const a = await run(s);
      expect(relClose(a.equity, equity, 1e-9, 1e-9), `equity ${a.equity} vs ${equity}`).toBe(true);
      expect(relClose(a.maintenanceMargin, mm, 1e-9, 1e-9), `MM ${a.maintenanceMargin} vs ${mm}`).toBe(true);
      const tier: Tier = tierOf(equity, mm);
      expect(tier === 'healthy/warning' ? ['healthy', 'warning'] : [tier]).toContain(a.tier);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------------------------------
// (b) The LP against brute force.
// ---------------------------------------------------------------------------------------

describe('(b) the independent LP agrees with a brute-force search on 2–3 candidates', () => {
  it('no point of the grid beats the LP, the grid comes within one step of it, and the exact search to 1e-6', () => {
    // Books of 2–3 candidates; a quarter of the runs with a fifth of the tier's cap, where the target is often out of reach.
    const small = fc
      .record({
        book: bookArb({ minPositions: 1, maxPositions: 3, collateral: true, maxLots: 0 }),
        tier: fc.constantFrom('tier1' as const, 'tier2' as const, 'tier3' as const),
        profile: fc.constantFrom('default', 'standard'),
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        narrow: fc.integer({ min: 0, max: 3 }).map((k) => k === 0),
      })
      .map(({ book, tier, profile, at, narrow }) => {
        const [lo, hi] = RATIOS[tier];
        const s = atRatio({ ...book, profile: tier === 'tier3' ? 'minimal' : profile }, lo + (hi - lo) * at);
        return s && { s, capShare: narrow ? 0.2 : 1 };
      })
      .filter((r): r is { s: Snapshot; capShare: number } => r !== null && [2, 3].includes(candidatesOf(value(r.s)).length));
    const seen = { reachable: 0, unreachable: 0, three: 0 };
    fc.assert(
      fc.property(small, ({ s, capShare }) => {
        const tierCap = leastNotional(s).cap;
        const lp = leastNotional(s, { cap: tierCap * capShare });
        const n = lp.candidates.length;
        const brute = bruteForce(s, lp.cap, n === 2 ? 200 : 24);
        const deficitScale = RULES.target * lp.maintenanceMargin;
        // The LP's plan, re-evaluated on the model from the state, does what the LP says.
        if (lp.reachable) expect(lp.after.reached).toBe(true);
        else expect(relClose(lp.lpShortfall, lp.shortfall, 1e-7, 1e-9 * deficitScale)).toBe(true);
        // Whether the target can be reached: the same answer, or a near tie (a shortfall within 1e-9 of T·MM).
        const tie = 1e-9 * deficitScale;
        if (brute.grid.reachable && !lp.reachable) expect(lp.shortfall).toBeLessThanOrEqual(tie);
        if (lp.reachable && brute.search.reachable) {
          seen.reachable++;
          // A lower bound: nothing on the grid, nor found by the search, reaches the target with less notional.
          if (brute.grid.reachable) expect(brute.grid.notional).toBeGreaterThanOrEqual(lp.notional * (1 - 1e-9));
          expect(brute.search.notional).toBeGreaterThanOrEqual(lp.notional * (1 - 1e-9));
          // And attained: the grid within one of its steps, the search to 1e-6.
          expect(brute.grid.reachable).toBe(true);
          expect(brute.grid.notional - lp.notional).toBeLessThanOrEqual(brute.gridStep);
          expect(relClose(brute.search.notional, lp.notional, 1e-6)).toBe(true);
        } else if (!lp.reachable && !brute.search.reachable) {
          seen.unreachable++;
          expect(brute.grid.shortfall).toBeGreaterThanOrEqual(lp.shortfall - tie);
          expect(brute.search.shortfall).toBeGreaterThanOrEqual(lp.shortfall - tie);
          expect(relClose(brute.search.shortfall, lp.shortfall, 1e-6, tie)).toBe(true);
        } else {
          expect(Math.max(lp.shortfall, brute.search.shortfall)).toBeLessThanOrEqual(tie);
        }
        if (n === 3) seen.three++;
      }),
      { numRuns: 30, seed: 4_242 },
    );
    expect(seen.reachable).toBeGreaterThan(5);
    expect(seen.unreachable).toBeGreaterThan(2);
    expect(seen.three).toBeGreaterThan(5);
  });
});

// ---------------------------------------------------------------------------------------
// (c) The acceptance property.
// ---------------------------------------------------------------------------------------

/**
 * The planner's plan for `s` against the least notional `ln`: the notional to 1e-6 relative
 * (plus one lot's notional where lots apply); reached or not, and the remaining top-up, the
 * least shortfall to 1e-6 relative on the scale of the deficit T·MM (a plan a rounding short
 * of the target, with a top-up of cents, is a near tie, not a miss); and the steps, replayed
 * on the independent model, give the plan's notional, `after` and top-up. Returns whether
 * the two differ on targetReached (a near tie).
 */
async function expectLeastNotional(s: Snapshot, ln: LeastNotional): Promise<boolean> {
  const a = await run(s);
  expect(a.tier).toBe(ln.tier);
  const plan = a.liquidation as Plan | null;
  expect(plan).not.toBeNull();
  const gross = grossNotional(s);
  const context = () =>
    JSON.stringify({
      mine: { notional: ln.notional, reachable: ln.reachable, shortfall: ln.shortfall },
      planner: { notional: plan!.liquidatedNotional, reached: plan!.targetReached, shortfall: plan!.shortfall },
    });
  const tolerance = 1e-6 * Math.max(plan!.liquidatedNotional, ln.notional) + ln.lotNotional + 1e-9 * gross;
  expect(Math.abs(plan!.liquidatedNotional - ln.notional), context()).toBeLessThanOrEqual(tolerance);
  const nearTie = 1e-6 * RULES.target * ln.maintenanceMargin;
  const topUp = plan!.targetReached ? 0 : plan!.shortfall?.remainingTopUp;
  expect(topUp, context()).toBeTypeOf('number');
  expect(relClose(topUp!, ln.shortfall, 1e-6, nearTie), context()).toBe(true);
  if (plan!.targetReached) expect(plan!.shortfall ?? null).toBeNull();
  const replay = outcome(value(s), ln.candidates, amountsOfSteps(s, plan!));
  const scale = Math.max(ln.maintenanceMargin, Math.abs(ln.equity));
  expect(relClose(replay.notional, plan!.liquidatedNotional, 1e-9, 1e-9 * gross)).toBe(true);
  expect(relClose(replay.equity, plan!.after.equity, 1e-9, 1e-9 * scale)).toBe(true);
  expect(relClose(replay.maintenanceMargin, plan!.after.maintenanceMargin, 1e-9, 1e-9 * scale)).toBe(true);
  expect(relClose(Math.max(0, replay.deficit), topUp!, 1e-6, nearTie)).toBe(true);
  return plan!.targetReached !== ln.reachable;
}

describe('(c) the planner finds the least notional', () => {
  it('on generated books: perpetuals, futures, options, collateral and debts; 1–40 positions; tier1/2/3; both models; lots', async () => {
    const seen = { tier1: 0, tier2: 0, tier3: 0, standard: 0, portfolio: 0, lots: 0, unreachable: 0, collateral: 0, positions: 0, nearTies: 0 };
    await fc.assert(
      fc.asyncProperty(troubledArb({ minPositions: 1, maxPositions: 40, collateral: true, maxLots: 3 }), async (s) => {
        const ln = leastNotional(s);
        fc.pre(!leavesDust(ln));
        if (await expectLeastNotional(s, ln)) seen.nearTies++;
        if (!ln.reachable) seen.unreachable++;
        seen[ln.tier as 'tier1' | 'tier2' | 'tier3']++;
        seen[value(s).margin]++;
        if (ln.lotNotional > 0) seen.lots++;
        if (ln.candidates.some((c) => c.kind === 'collateral')) seen.collateral++;
        seen.positions = Math.max(seen.positions, s.positions.length);
      }),
      { numRuns: 200, seed: 7_331 },
    );
    // The runs covered what the property claims.
    for (const k of ['tier1', 'tier2', 'tier3', 'standard', 'portfolio', 'lots', 'unreachable', 'collateral'] as const) expect(seen[k], k).toBeGreaterThan(3);
    expect(seen.positions).toBeGreaterThan(30);
    // The planner re-solves a plan that lands a hair under the target: none may differ on targetReached.
    expect(seen.nearTies).toBe(0);
  });

  /**
   * Found by this property (seed 99, run 26 of the generator): a tier3 book with lots where the
   * least plan closes no lot at all (37,539.71 of notional, ratio 1.10 on the engine's own model),
   * but a plan that rounds lots took 181 lots of p0 and missed the target (remainingTopUp 0.35,
   * 5e-6 of T·MM, with more notional).
   */
  it('a tier3 book with lots whose least plan trades no lot', async () => {
    const s = SnapshotSchema.parse({
      accountId: "acct-optimality",
      asOf: "2026-11-23T12:00:00Z",
      profile: "minimal",
      collateral: [
        {"asset": "USD", "amount": 68905.8103920043},
        {"asset": "ETH", "amount": 3.7831010146280866},
        {"asset": "SOL", "amount": 0.7478740088979968},
      ],
      positions: [
        {"id": "p0", "instrument": {"type": "perpetual", "underlying": "SOL"}, "quantity": -49.6, "entryPrice": 135.89401507429147, "markPrice": 134.01321453553837, "lotSize": 0.1},
        {"id": "p1", "instrument": {"type": "perpetual", "underlying": "BTC"}, "quantity": -0.734, "entryPrice": 103640.09394171194, "markPrice": 116178.25147034436, "lotSize": 0.001},
        {"id": "p2", "instrument": {"type": "option", "underlying": "BTC", "right": "call", "strike": 151320, "expiry": "2026-11-24T07:00:00.000Z"}, "quantity": -0.455, "impliedVolatility": 1.2999999999999998, "lotSize": 0.001},
        {"id": "p3", "instrument": {"type": "future", "underlying": "BTC", "expiry": "2027-03-01T12:00:00.000Z"}, "quantity": -0.01718213058419253, "entryPrice": 109496.8429258852, "markPrice": 112907.99999999968},
        {"id": "p4", "instrument": {"type": "future", "underlying": "BTC", "expiry": "2026-12-07T12:00:00.000Z"}, "quantity": 0.13984440546931176, "entryPrice": 116399.99999999968, "markPrice": 121640.81974889191},
        {"id": "p5", "instrument": {"type": "option", "underlying": "SOL", "right": "call", "strike": 93.6, "expiry": "2027-10-13T23:00:00.000Z"}, "quantity": 14.957480177960074, "markPrice": 45.49399554991705, "impliedVolatility": 0.41689388121358684},
        {"id": "p6", "instrument": {"type": "future", "underlying": "SOL", "expiry": "2026-12-18T12:00:00.000Z"}, "quantity": -177.54411612400338, "entryPrice": 152.2542762745298, "markPrice": 141.73510342496454},
        {"id": "p7", "instrument": {"type": "option", "underlying": "SOL", "right": "put", "strike": 110.23, "expiry": "2027-09-22T12:00:00.000Z"}, "quantity": -22.737959868113418, "impliedVolatility": 1.2388072750963346},
        {"id": "p8", "instrument": {"type": "perpetual", "underlying": "ETH"}, "quantity": 83.08570743948829, "entryPrice": 2572.5868533044627, "markPrice": 2652.696787152472},
        {"id": "p9", "instrument": {"type": "perpetual", "underlying": "ETH"}, "quantity": -1.4199941291528964, "entryPrice": 2979.614130306255, "markPrice": 2664.0533068845784},
        {"id": "p10", "instrument": {"type": "option", "underlying": "ETH", "right": "call", "strike": 2848.32, "expiry": "2026-11-23T20:00:00.000Z"}, "quantity": -0.7522533331606553, "markPrice": 1.385474849892319, "impliedVolatility": 1.299999999999998},
        {"id": "p11", "instrument": {"type": "option", "underlying": "ETH", "right": "call", "strike": 2529.83, "expiry": "2026-12-03T12:00:00.000Z"}, "quantity": -112.83799997409598, "markPrice": 146.86440935053648, "impliedVolatility": 0.3718677864580471},
        {"id": "p12", "instrument": {"type": "option", "underlying": "BTC", "right": "put", "strike": 81480, "expiry": "2027-01-13T11:00:00.000Z"}, "quantity": -0.017182130584192608},
        {"id": "p13", "instrument": {"type": "option", "underlying": "BTC", "right": "call", "strike": 141430.66, "expiry": "2027-01-06T13:00:00.000Z"}, "quantity": 1.1092978645111995, "markPrice": 149.08289702240492, "impliedVolatility": 0.30000000000000027},
        {"id": "p14", "instrument": {"type": "perpetual", "underlying": "BTC"}, "quantity": -0.5232031317604405, "entryPrice": 120994.44795178063, "markPrice": 116159.79903680318},
        {"id": "p15", "instrument": {"type": "option", "underlying": "ETH", "right": "put", "strike": 1861.08, "expiry": "2027-03-28T05:00:00.000Z"}, "quantity": -21.024355676712574, "markPrice": 27.430720410842593, "impliedVolatility": 0.4754478051498848},
        {"id": "p16", "instrument": {"type": "option", "underlying": "SOL", "right": "put", "strike": 155.38, "expiry": "2026-11-23T20:00:00.000Z"}, "quantity": -14.957480177960088, "impliedVolatility": 0.3182601708777731},
        {"id": "p17", "instrument": {"type": "option", "underlying": "BTC", "right": "call", "strike": 145658.02, "expiry": "2027-01-03T21:00:00.000Z"}, "quantity": 0.024261569247256424, "impliedVolatility": 0.3000000000000007},
        {"id": "p18", "instrument": {"type": "future", "underlying": "ETH", "expiry": "2027-03-14T12:00:00.000Z"}, "quantity": 1.7206505847515123, "entryPrice": 2658.6788144850634, "markPrice": 2621.6520299250456},
        {"id": "p19", "instrument": {"type": "perpetual", "underlying": "ETH"}, "quantity": -56.5828981816213, "entryPrice": 2586.208849158269, "markPrice": 2652.6967871524726},
        {"id": "p20", "instrument": {"type": "perpetual", "underlying": "ETH"}, "quantity": -6.1302529720423315, "markPrice": 2664.6608418176543},
      ],
      market: {"BTC": {"price": 116399.99999999968, "volatility": 0.55}, "ETH": {"price": 2658.6788144850634, "volatility": 0.7}, "SOL": {"price": 133.71236172166465, "volatility": 0.9}},
    });
    const ln = leastNotional(s);
    expect(ln.tier).toBe('tier3');
    expect(ln.reachable).toBe(true);
    expect(leavesDust(ln)).toBe(false);
    const lotted = ln.candidates.flatMap((c, j) => (c.lot === undefined ? [] : [ln.amounts[j]!]));
    expect(lotted.length).toBeGreaterThan(0);
    expect(lotted.every((x) => x === 0)).toBe(true);
    // The engine itself finds the target reached after the least plan.
    expect((await run(applied(s, ln))).marginRatio!).toBeGreaterThanOrEqual(RULES.target * (1 - 1e-9));
    await expectLeastNotional(s, ln);
  });
});

// ---------------------------------------------------------------------------------------
// (d) A pair trade.
// ---------------------------------------------------------------------------------------

describe('(d) a short strangle whose least plan closes two legs at different fractions', () => {
  // Short 10 calls at 105k and 12 puts at 95k, BTC at 100k, 30 days, 50% volatility; ratio 1.03 (tier1, 10% cap).
  const expiry = iso(30 * 24 * HOUR);
  const strangle = atRatio(
    {
      accountId: 'strangle',
      asOf: AS_OF,
      collateral: [{ asset: 'USD', amount: 0 }],
      positions: [
        { id: 'call', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 105_000, expiry }, quantity: -10 },
        { id: 'put', instrument: { type: 'option', underlying: 'BTC', right: 'put', strike: 95_000, expiry }, quantity: -12 },
      ],
      market: { BTC: { price: 100_000, volatility: 0.5 } },
    },
    1.03,
  )!;
  const fraction = (ln: LeastNotional, key: string) => {
    const j = ln.candidates.findIndex((c) => c.key === key);
    return ln.amounts[j]! / ln.candidates[j]!.size;
  };

  it('the LP: both legs at different fractions under the cap; either leg alone or pro rata is worse', () => {
    const best = leastNotional(strangle);
    expect(best.tier).toBe('tier1');
    expect(best.reachable).toBe(true);
    expect(best.after.reached).toBe(true);
    const [fc_, fp] = [fraction(best, 'call'), fraction(best, 'put')];
    expect(fc_).toBeGreaterThan(0.01);
    expect(fp).toBeGreaterThan(0.01);
    expect(Math.max(fc_, fp)).toBeLessThan(0.1);
    expect(Math.abs(fc_ - fp)).toBeGreaterThan(0.01);
    // Either leg alone cannot reach the target within the cap.
    for (const leg of ['call', 'put']) {
      const alone = leastNotional(strangle, { allow: (c) => c.key === leg });
      expect(alone.reachable).toBe(false);
      expect(alone.shortfall).toBeGreaterThan(1_000);
    }
    // The pro-rata basket reaches it, with at least 20% more notional.
    const basket = leastNotional(strangle, { proRata: [['call', 'put']] });
    expect(basket.reachable).toBe(true);
    expect(fraction(basket, 'call')).toBeCloseTo(fraction(basket, 'put'), 9);
    expect(basket.notional).toBeGreaterThan(1.2 * best.notional);
    // The brute force agrees.
    const brute = bruteForce(strangle, 0.1, 200);
    expect(brute.grid.notional).toBeGreaterThanOrEqual(best.notional * (1 - 1e-9));
    expect(brute.grid.notional - best.notional).toBeLessThanOrEqual(brute.gridStep);
    expect(relClose(brute.search.notional, best.notional, 1e-6)).toBe(true);
  });

  it('the planner: the same notional to 1e-6, closing both legs', async () => {
    const best = leastNotional(strangle);
    // The engine itself finds the target reached after the LP's plan.
    expect((await run(applied(strangle, best))).marginRatio!).toBeGreaterThanOrEqual(RULES.target * (1 - 1e-9));
    const plan = (await run(strangle)).liquidation as Plan;
    expect(plan.targetReached).toBe(true);
    expect(relClose(plan.liquidatedNotional, best.notional, 1e-6)).toBe(true);
    expect(plan.steps.map((s) => s.positionId).sort()).toEqual(['call', 'put']);
  });
});
