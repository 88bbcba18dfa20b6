import type { Book } from '../book.ts';
import type { SliceProblem } from '../least-notional.ts';
import type { Reduction } from '../margin/index.ts';
import type { PenaltyTerms } from '../penalty.ts';
import type { Weights } from '../priority.ts';
import type { Tier } from '../tiers.ts';
import type { PlanContext } from './context.ts';
import { sizeOf, unitNotionalOf, unitPenaltyBaseOf } from './reductions.ts';

/**
 * The linear program's input for an account (least-notional.ts solves it): the tier's cap
 * as bounds, the weighted notional as the objective, the penalties and released haircuts.
 */

/** Largest fraction per position for the tier, 'full' to close everything, or null when nothing is due. */
export function capFor(book: Book, tier: Tier): number | 'full' | null {
  const { caps, tier3Mode } = book.profile.liquidation;
  switch (tier) {
    case 'tier1':
      return caps.tier1;
    case 'tier2':
      return caps.tier2;
    case 'tier3':
      return tier3Mode === 'full' ? 'full' : caps.tier3;
    case 'insolvent':
      return 'full';
    default:
      return null;
  }
}

/**
 * Full liquidation closes every position and every volatile debt, and sells what
 * collateral restores the target without leaving more requirement than at the start.
 */
export function sliceProblem(context: PlanContext, reductions: readonly Reduction[], cap: number | 'full', penalty: PenaltyTerms, weights: Weights): SliceProblem {
  const { book, model, state, health } = context;
  const n = reductions.length;
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const lots = new Float64Array(n);
  const unitCost = new Float64Array(n);
  const unitPenalty = new Float64Array(n);
  const unitRelease = new Float64Array(n);
  reductions.forEach((r, j) => {
    const size = sizeOf(state, r);
    const col = r.kind === 'collateral' ? book.collateral[r.index]! : undefined;
    const exposure = !col || (r.sign < 0 && col.underlyingIndex >= 0);
    upper[j] = cap === 'full' ? size : size * cap;
    lower[j] = cap === 'full' && exposure ? size : 0;
    lots[j] = col ? 0 : (book.positions[r.index]!.lotSize ?? 0);
    unitCost[j] = weights.objective[j]! * unitNotionalOf(book, r);
    unitPenalty[j] = penalty.rate * unitPenaltyBaseOf(book, r);
    // A debt is valued at its full price: buying it back releases no haircut.
    unitRelease[j] = col && r.sign > 0 ? col.price * col.haircut : 0;
  });
  return {
    margin: model.linearize(state, reductions, upper),
    lower,
    upper,
    lots,
    unitCost,
    unitPenalty,
    unitRelease,
    equity: health.equity,
    target: book.profile.targetMarginRatio,
    penaltyBudget: penalty.budget,
    maintenanceCeiling: cap === 'full' ? health.maintenanceMargin : Number.POSITIVE_INFINITY,
  };
}
