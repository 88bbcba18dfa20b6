import { credited } from '../risk/account.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import { atTarget } from '../risk/planner.ts';
import { tierRank, type Tier } from '../risk/tiers.ts';
import type { Assessment } from '../schemas/assessment.ts';
import type { FillRequest, Liquidation, LiquidationFill, LiquidationStepState, LiquidationView } from '../schemas/liquidations.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import { acceptablePrice, auctionOf, auctionOver, factorAt } from './auction.ts';

/**
 * The liquidation lifecycle (docs/liquidations.md), pure: what opens a liquidation, what a
 * fresh assessment does to it, whether a fill is acceptable and what it does to the
 * account's book. The store records the results; routes and sweeps only call these.
 *
 *   open ──fill──▶ partially_filled ──fill / re-assessment──▶ resolved
 *     │                   │
 *     ├── tier worsened, or an auction ran its course ──▶ escalated (new revision: the
 *     │                                                   unfilled steps replaced by the new plan)
 *     └── recovered with no fill ──▶ cancelled
 */

/** Statuses in which steps can still be filled. */
export const ACTIVE_STATUSES: ReadonlySet<Liquidation['status']> = new Set(['open', 'partially_filled', 'escalated']);

/** What changed, for the outbox: one webhook event per transition. */
export type LiquidationEvent = 'liquidation.opened' | 'liquidation.filled' | 'liquidation.escalated' | 'liquidation.resolved' | 'liquidation.cancelled';

/** A liquidation opened from an assessment that carries a plan with steps; null otherwise. */
export function openLiquidation(id: string, a: Assessment, profile: RiskProfile, now: Date): Liquidation | null {
  if (!a.liquidation || a.liquidation.steps.length === 0) return null;
  const at = now.toISOString();
  return {
    id,
    object: 'liquidation',
    accountId: a.accountId,
    status: 'open',
    revision: 1,
    targetMarginRatio: a.liquidation.targetMarginRatio,
    tier: a.tier,
    auction: auctionOf(profile),
    steps: stepsOf(a, 1, at),
    fills: [],
    account: stateOf(a),
    openedAt: at,
    updatedAt: at,
    closedAt: null,
  };
}

function stepsOf(a: Assessment, revision: number, at: string): LiquidationStepState[] {
  const marks = new Map(a.positions.map((p) => [p.id, p.markPrice]));
  const prices = new Map(a.collateral.map((c) => [c.asset, c.price]));
  return a.liquidation!.steps.map((s, n) => ({
    stepId: `step_${revision}_${n + 1}`,
    ...(s.positionId !== undefined ? { positionId: s.positionId } : { asset: s.asset! }),
    action: s.action,
    quantity: s.quantity,
    remaining: s.quantity,
    referencePrice: s.positionId !== undefined ? marks.get(s.positionId)! : prices.get(s.asset!)!,
    auctionStartedAt: at,
  }));
}

function stateOf(a: Assessment): Liquidation['account'] {
  return { equity: a.equity, maintenanceMargin: a.maintenanceMargin, marginRatio: a.marginRatio, tier: a.tier };
}

const worse = (a: string, b: string) => tierRank(a as Tier) > tierRank(b as Tier);

/**
 * A fresh assessment of the account (after a price move, a deposit or a fill) applied to
 * an active liquidation (docs/liquidations.md):
 * - at the target: resolved once something was filled, cancelled if not;
 * - out of the liquidation tiers (no plan due): cancelled with no fill (the account
 *   recovered on its own); with fills, the auctions go on toward the target and the
 *   liquidation resolves once they have all run their course;
 * - the tier worse than the liquidation's, an unfilled auction run its course, or every
 *   step filled short of the target: escalated to a new plan revision;
 * - otherwise only the account state is refreshed.
 * Returns the event to send, if any.
 */
export function reassessed(l: Liquidation, a: Assessment, now: Date): { liquidation: Liquidation; event: LiquidationEvent | null } {
  if (!ACTIVE_STATUSES.has(l.status)) return { liquidation: l, event: null };
  const at = now.toISOString();
  const refreshed: Liquidation = { ...l, account: stateOf(a), updatedAt: at };
  const filled = l.fills.length > 0;
  const close = (status: 'resolved' | 'cancelled') => ({
    liquidation: { ...refreshed, status, closedAt: at },
    event: status === 'resolved' ? ('liquidation.resolved' as const) : ('liquidation.cancelled' as const),
  });
  const planned = a.liquidation !== null && a.liquidation.steps.length > 0;
  const stalled = l.steps.some((s) => s.remaining > 0 && auctionOver(l.auction, now.getTime() - Date.parse(s.auctionStartedAt)));
  const exhausted = l.steps.every((s) => s.remaining === 0);
  if (atTarget(a, l.targetMarginRatio)) return close(filled ? 'resolved' : 'cancelled');
  if (!planned) return !filled ? close('cancelled') : stalled || exhausted ? close('resolved') : { liquidation: refreshed, event: null };
  if (worse(a.tier, l.tier) || stalled || exhausted) {
    const revision = l.revision + 1;
    // Filled steps stay on record; what is left is the new plan's, on fresh auctions.
    const done = l.steps.filter((s) => s.remaining < s.quantity).map((s) => ({ ...s, remaining: 0 }));
    return {
      liquidation: { ...refreshed, status: 'escalated', revision, tier: a.tier, targetMarginRatio: a.liquidation!.targetMarginRatio, steps: [...done, ...stepsOf(a, revision, at)] },
      event: 'liquidation.escalated',
    };
  }
  return { liquidation: refreshed, event: null };
}

/** The account was deregistered: its active liquidation ends, cancelled (no book is left to fill). */
export function accountRemoved(l: Liquidation, now: Date): { liquidation: Liquidation; event: LiquidationEvent | null } {
  if (!ACTIVE_STATUSES.has(l.status)) return { liquidation: l, event: null };
  const at = now.toISOString();
  return { liquidation: { ...l, status: 'cancelled', updatedAt: at, closedAt: at }, event: 'liquidation.cancelled' };
}

/** Why a fill is refused: 409 when it conflicts with the liquidation's state, 422 when the request itself is wrong. */
export class FillRejected extends Error {
  constructor(
    readonly status: 409 | 422,
    readonly code: 'liquidation_closed' | 'unknown_step' | 'quantity_exceeds_remaining' | 'price_worse_than_auction' | 'account_unavailable',
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'FillRejected';
  }
}

/** The auction price of a step at `now`, as a factor and per unit. */
export function auctionPrice(l: Liquidation, step: LiquidationStepState, now: Date): { factor: number; price: number } {
  const factor = factorAt(l.auction, step.action, now.getTime() - Date.parse(step.auctionStartedAt));
  return { factor, price: step.referencePrice * factor };
}

/** The liquidation as the API shows it at `now`: each step with its auction's price then (none once filled, or closed). */
export function liquidationView(l: Liquidation, now: Date): LiquidationView {
  const active = ACTIVE_STATUSES.has(l.status);
  return {
    ...l,
    steps: l.steps.map((s) => {
      if (!active || s.remaining === 0) return { ...s, auctionFactor: null, auctionPrice: null };
      const { factor, price } = auctionPrice(l, s, now);
      return { ...s, auctionFactor: factor, auctionPrice: price };
    }),
    pricedAt: now.toISOString(),
  };
}

/**
 * Records a fill: the step exists and is open, the quantity is at most what remains (a
 * race lost to another liquidator is a 409), and the price is at least as good for the
 * account as the auction's now. Returns the liquidation with the fill recorded.
 */
export function recordFill(l: Liquidation, request: FillRequest, fillId: string, now: Date, filledBy: string): { liquidation: Liquidation; fill: LiquidationFill; step: LiquidationStepState } {
  if (!ACTIVE_STATUSES.has(l.status)) throw new FillRejected(409, 'liquidation_closed', undefined, `the liquidation is ${l.status}`);
  const index = l.steps.findIndex((s) => s.stepId === request.stepId);
  const step = l.steps[index];
  if (!step) throw new FillRejected(422, 'unknown_step', 'stepId', `no step ${request.stepId} in this liquidation`);
  // A hair over what remains is what remains (float residue of earlier fills).
  const quantity = request.quantity > step.remaining && request.quantity <= step.remaining * (1 + 1e-12) ? step.remaining : request.quantity;
  if (!(quantity <= step.remaining)) {
    throw new FillRejected(409, 'quantity_exceeds_remaining', 'quantity', `the step has ${step.remaining} left`);
  }
  const { price: auction } = auctionPrice(l, step, now);
  if (!acceptablePrice(step.action, request.price, auction)) {
    const side = step.action === 'sell' ? 'at least' : 'at most';
    throw new FillRejected(422, 'price_worse_than_auction', 'price', `the auction price is ${auction} now: fill ${side} that`);
  }
  const fill: LiquidationFill = {
    fillId,
    stepId: step.stepId,
    quantity,
    price: request.price,
    discount: quantity * Math.abs(step.referencePrice - request.price),
    filledBy,
    filledAt: now.toISOString(),
  };
  const remaining = step.remaining - quantity <= step.quantity * 1e-12 ? 0 : step.remaining - quantity;
  const filledStep = { ...step, remaining };
  const steps = l.steps.map((s, k) => (k === index ? filledStep : s));
  return {
    liquidation: { ...l, status: 'partially_filled', steps, fills: [...l.fills, fill], updatedAt: fill.filledAt },
    fill,
    step: filledStep,
  };
}

/**
 * The account's book after a fill, by the rule of docs/liquidation.md with the fill price
 * in place of the mark: the position moves toward zero by the quantity (a balance: sold, or
 * a debt bought back) and the quote balance receives the closed value at that price —
 * q × (price − entry) for perpetuals and futures, q × price for options and collateral,
 * signed by the side. The discount against the mark is so the penalty, paid once.
 */
export function applyFill(book: AccountBook, step: LiquidationStepState, quantity: number, price: number, quoteAsset: string): AccountBook {
  let cash = 0;
  let positions = book.positions;
  let collateral = book.collateral;
  if (step.positionId !== undefined) {
    positions = book.positions.flatMap((p) => {
      if (p.id !== step.positionId) return [p];
      const sign = Math.sign(p.quantity);
      const closed = Math.min(quantity, Math.abs(p.quantity));
      const unit = p.instrument.type === 'option' ? price : p.entryPrice === undefined ? 0 : price - p.entryPrice;
      cash += sign * closed * unit;
      const left = p.quantity - sign * closed;
      return Math.abs(left) <= 1e-12 * Math.abs(p.quantity) ? [] : [{ ...p, quantity: left }];
    });
  } else {
    collateral = book.collateral.map((c) => {
      if (c.asset !== step.asset) return c;
      const sign = Math.sign(c.amount);
      const closed = Math.min(quantity, Math.abs(c.amount));
      cash += sign * closed * price;
      const left = c.amount - sign * closed;
      return { ...c, amount: Math.abs(left) <= 1e-12 * Math.abs(c.amount) ? 0 : left };
    });
  }
  return { ...book, positions, collateral: credited(collateral, quoteAsset, cash) };
}
