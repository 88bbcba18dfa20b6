import { describe, expect, it } from 'vitest';
import { assess } from '../risk/assess.ts';
import { findProfile } from '../risk/built-in-profiles.ts';
import type { Assessment } from '../schemas/assessment.ts';
import type { Liquidation } from '../schemas/liquidations.ts';
import { SnapshotSchema, type AccountBook, type SnapshotInput } from '../schemas/snapshot.ts';
import { auctionOf, factorAt, saleFactorAt } from './auction.ts';
import { applyFill, auctionPrice, FillRejected, openLiquidation, reassessed, recordFill } from './liquidation.ts';

const T0 = new Date('2026-11-23T12:00:00Z');
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);
const profile = findProfile('default')!;

/** Long 10 ETH bought at 3,000 with `cash` USD, ETH at `price`. */
const account = (cash: number, price = 3_000): SnapshotInput => ({
  accountId: 'acct-eth',
  asOf: T0.toISOString(),
  collateral: [{ asset: 'USD', amount: cash }],
  positions: [{ id: 'eth', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 10, entryPrice: 3_000 }],
  market: { ETH: { price } },
});
const run = (input: SnapshotInput): Promise<Assessment> => assess(SnapshotSchema.parse(input), { id: 'asm_test' });
const bookOf = (input: SnapshotInput): AccountBook => ({ collateral: input.collateral, positions: input.positions, profile: 'default' });

async function opened(): Promise<{ liq: Liquidation; a: Assessment }> {
  // MM = 0.16 × 30,000 = 4,800; equity 4,992: ratio 1.04, tier1.
  const a = await run(account(4_992));
  return { liq: openLiquidation('liq_test', a, profile, T0)!, a };
}

describe('the Dutch auction', () => {
  it('falls linearly from 0.995 to 0.95 over 15 minutes and stays there; buy-backs mirror it', () => {
    const a = auctionOf(findProfile('auction')!);
    expect(saleFactorAt(a, 0)).toBeCloseTo(0.995, 15);
    expect(saleFactorAt(a, 7.5 * 60_000)).toBeCloseTo(0.9725, 15);
    expect(saleFactorAt(a, 15 * 60_000)).toBeCloseTo(0.95, 15);
    expect(saleFactorAt(a, 60 * 60_000)).toBeCloseTo(0.95, 15);
    expect(factorAt(a, 'buy', 7.5 * 60_000)).toBeCloseTo(1.0275, 15);
  });

  it('a fee profile liquidates on the built-in auction schedule', () => {
    expect(auctionOf(profile)).toEqual({ startFactor: 0.995, endFactor: 0.95, durationMinutes: 15 });
  });
});

describe('a liquidation', () => {
  it('opens from a plan: one step per plan step, priced from the assessment mark', async () => {
    const { liq, a } = await opened();
    expect(liq).toMatchObject({ status: 'open', revision: 1, tier: 'tier1', accountId: 'acct-eth', closedAt: null });
    expect(liq.steps).toEqual([
      expect.objectContaining({ stepId: 'step_1_1', positionId: 'eth', action: 'sell', quantity: a.liquidation!.steps[0]!.quantity, remaining: a.liquidation!.steps[0]!.quantity, referencePrice: 3_000 }),
    ]);
    expect(openLiquidation('liq_x', await run(account(20_000)), profile, T0)).toBeNull();
  });

  it('accepts a fill at or above the auction price and at most what remains; refuses the rest naming the field', async () => {
    const { liq } = await opened();
    const step = liq.steps[0]!;
    const at = minutes(3); // factor 0.995 − 0.045 × 3/15 = 0.986
    expect(auctionPrice(liq, step, at).price).toBeCloseTo(3_000 * 0.986, 9);
    const reject = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof FillRejected ? [e.status, e.code, e.field] : e;
      }
      return 'accepted';
    };
    expect(reject(() => recordFill(liq, { stepId: step.stepId, quantity: step.remaining / 2, price: 2_957 }, 'fill_1', at, 'key_test'))).toEqual([422, 'price_worse_than_auction', 'price']);
    expect(reject(() => recordFill(liq, { stepId: step.stepId, quantity: step.remaining * 1.01, price: 2_960 }, 'fill_1', at, 'key_test'))).toEqual([409, 'quantity_exceeds_remaining', 'quantity']);
    expect(reject(() => recordFill(liq, { stepId: 'step_9_9', quantity: 0.1, price: 2_960 }, 'fill_1', at, 'key_test'))).toEqual([422, 'unknown_step', 'stepId']);
    const half = recordFill(liq, { stepId: step.stepId, quantity: step.remaining / 2, price: 2_958 }, 'fill_1', at, 'key_test');
    expect(half.liquidation.status).toBe('partially_filled');
    expect(half.step.remaining).toBeCloseTo(step.quantity / 2, 12);
    expect(half.fill.discount).toBeCloseTo((step.quantity / 2) * 42, 9);
    const closed = { ...liq, status: 'resolved' as const };
    expect(reject(() => recordFill(closed, { stepId: step.stepId, quantity: 0.1, price: 3_000 }, 'fill_2', at, 'key_test'))).toEqual([409, 'liquidation_closed', undefined]);
  });

  it('filling every step at the plan estimated price reproduces the plan after state on a fresh assessment', async () => {
    const input = account(4_992);
    const a = await run(input);
    const plan = a.liquidation!;
    let book = bookOf(input);
    for (const s of plan.steps) book = applyFill(book, { ...openLiquidation('liq_t', a, profile, T0)!.steps[0]!, positionId: s.positionId! }, s.quantity, s.estimatedPrice, 'USD');
    const fresh = await run({ ...input, collateral: book.collateral, positions: book.positions });
    expect(fresh.equity).toBeCloseTo(plan.after.equity, 9);
    expect(fresh.maintenanceMargin).toBeCloseTo(plan.after.maintenanceMargin, 9);
    expect(fresh.marginRatio).toBeCloseTo(1.1, 9);
  });

  it('resolves once a fill brings the account to the target', async () => {
    const input = account(4_992);
    const { liq } = await opened();
    const step = liq.steps[0]!;
    const { liquidation } = recordFill(liq, { stepId: step.stepId, quantity: step.remaining, price: 2_985 }, 'fill_1', T0, 'key_test');
    const book = applyFill(bookOf(input), step, step.quantity, 2_985, 'USD');
    const after = await run({ ...input, collateral: book.collateral, positions: book.positions });
    expect(after.marginRatio!).toBeGreaterThanOrEqual(1.1);
    expect(reassessed(liquidation, after, minutes(1))).toMatchObject({ event: 'liquidation.resolved', liquidation: { status: 'resolved', closedAt: minutes(1).toISOString() } });
  });

  it('after a fill that leaves the liquidation tiers short of the target, goes on toward it; resolves when its auctions have run', async () => {
    const input = account(4_992);
    const { liq } = await opened();
    const step = liq.steps[0]!;
    const q = step.remaining / 2;
    const { liquidation } = recordFill(liq, { stepId: step.stepId, quantity: q, price: 3_000 }, 'fill_1', T0, 'key_test');
    const book = applyFill(bookOf(input), step, q, 3_000, 'USD');
    const after = await run({ ...input, collateral: book.collateral, positions: book.positions });
    // Out of tier1 (ratio ≥ 1.05: no plan due) but short of the 1.1 target.
    expect(after.marginRatio!).toBeGreaterThan(1.05);
    expect(after.marginRatio!).toBeLessThan(1.1);
    expect(after.liquidation).toBeNull();
    expect(reassessed(liquidation, after, minutes(5))).toMatchObject({ event: null, liquidation: { status: 'partially_filled' } });
    expect(reassessed(liquidation, after, minutes(15))).toMatchObject({ event: 'liquidation.resolved', liquidation: { status: 'resolved' } });
  });

  it('escalates when every step is filled and the account is back in tier1 (not worse) short of the target', async () => {
    const input = account(4_992);
    const { liq } = await opened();
    const step = liq.steps[0]!;
    const { liquidation } = recordFill(liq, { stepId: step.stepId, quantity: step.remaining, price: 2_985 }, 'fill_1', T0, 'key_test');
    const book = applyFill(bookOf(input), step, step.remaining, 2_985, 'USD');
    // ETH slips to 2,965 after the fill: ratio ≈ 1.04 (tier1 again, the liquidation's own tier).
    const after = await run({ ...input, collateral: book.collateral, positions: book.positions, market: { ETH: { price: 2_965 } } });
    expect(after.tier).toBe('tier1');
    const next = reassessed(liquidation, after, minutes(2));
    expect(next).toMatchObject({ event: 'liquidation.escalated', liquidation: { status: 'escalated', revision: 2, tier: 'tier1' } });
    expect(next.liquidation.steps.map((s) => [s.stepId, s.remaining === 0])).toEqual([[step.stepId, true], ['step_2_1', false]]);
  });

  it('is cancelled when the account recovers before any fill', async () => {
    const { liq } = await opened();
    const recovered = await run(account(4_992, 3_300));
    expect(reassessed(liq, recovered, minutes(1))).toMatchObject({ event: 'liquidation.cancelled', liquidation: { status: 'cancelled' } });
  });

  it('escalates to a new plan revision when the tier worsens or an auction runs its course', async () => {
    const { liq } = await opened();
    const worse = await run(account(4_992, 2_985)); // equity 4,842 against 4,776: ratio 1.014, tier2 (a 25% cap)
    expect(worse.tier).toBe('tier2');
    const escalated = reassessed(liq, worse, minutes(1));
    expect(escalated).toMatchObject({ event: 'liquidation.escalated', liquidation: { status: 'escalated', revision: 2, tier: 'tier2' } });
    expect(escalated.liquidation.steps.map((s) => s.stepId)).toEqual(['step_2_1']);
    const same = await run(account(4_992));
    expect(reassessed(liq, same, minutes(5)).event).toBeNull();
    expect(reassessed(liq, same, minutes(15)).event).toBe('liquidation.escalated');
  });
});
