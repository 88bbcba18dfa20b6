import { evaluate } from '../account.ts';
import type { Book } from '../book.ts';
import type { AccountState, Reduction } from '../margin/index.ts';
import type { PenaltyTerms } from '../penalty.ts';
import type { PlanContext } from './context.ts';

/**
 * What a plan may close (its reductions), their sizes and prices per unit, and the account
 * once amounts of them are closed.
 */

/** Everything a plan may close: open positions, and every balance but the quote asset's. */
export function reductionsOf(book: Book, state: AccountState): Reduction[] {
  const out: Reduction[] = [];
  state.quantities.forEach((q, i) => {
    if (q !== 0) out.push({ kind: 'position', index: i, sign: q > 0 ? 1 : -1 });
  });
  state.amounts.forEach((a, c) => {
    if (c !== book.quoteIndex && a !== 0) out.push({ kind: 'collateral', index: c, sign: a > 0 ? 1 : -1 });
  });
  return out;
}

/** Size of a reduction at the start: |quantity| or |balance|. */
export function sizeOf(state: AccountState, r: Reduction): number {
  return Math.abs(r.kind === 'position' ? state.quantities[r.index]! : state.amounts[r.index]!);
}

/** Notional per unit: the underlying's price for positions, the asset's price for collateral. */
export function unitNotionalOf(book: Book, r: Reduction): number {
  return r.kind === 'position' ? book.positions[r.index]!.spot : book.collateral[r.index]!.price;
}

/** Value per unit the penalty applies to: the contract's mark, or the asset's price (docs/liquidation.md, "Penalties"). */
export function unitPenaltyBaseOf(book: Book, r: Reduction): number {
  return r.kind === 'position' ? Math.abs(book.positions[r.index]!.mark) : book.collateral[r.index]!.price;
}

/**
 * The account after closing `amounts`: penalties (scaled to the cap) and closed values
 * moved into quote cash, re-assessed from scratch. Also the penalty of each reduction.
 */
export function afterOf(context: PlanContext, reductions: readonly Reduction[], closing: Float64Array, penalty: PenaltyTerms) {
  const { book, model, state } = context;
  const raw = closing.map((x, j) => penalty.rate * x * unitPenaltyBaseOf(book, reductions[j]!));
  const rawTotal = raw.reduce((sum, v) => sum + v, 0);
  const penalties = rawTotal > penalty.budget ? raw.map((v) => (v * penalty.budget) / rawTotal) : raw;
  const quantities = Float64Array.from(state.quantities);
  const amounts = Float64Array.from(state.amounts);
  const left = leftAfter(state, reductions, closing);
  let cash = 0;
  closing.forEach((x, j) => {
    if (x <= 0) return;
    const r = reductions[j]!;
    // Closing moves the closed value (realized PnL, option premium, sale proceeds) into quote cash.
    if (r.kind === 'position') quantities[r.index] = left(j);
    else amounts[r.index] = left(j);
    cash += r.sign * x * (r.kind === 'position' ? book.positions[r.index]!.unitValue : book.collateral[r.index]!.price) - penalties[j]!;
  });
  amounts[book.quoteIndex] = amounts[book.quoteIndex]! + cash;
  return { after: evaluate(book, model, { quantities, amounts }), penalties };
}

/** The quantity or balance each reduction leaves once its amount is closed (each reduction is closed once). */
export function leftAfter(state: AccountState, reductions: readonly Reduction[], closing: Float64Array): (j: number) => number {
  return (j) => {
    const r = reductions[j]!;
    return closedTo(r.kind === 'position' ? state.quantities[r.index]! : state.amounts[r.index]!, r.sign * closing[j]!);
  };
}

/** `value` moved toward zero by `closed` (same sign), exactly zero when fully closed. */
function closedTo(value: number, closed: number): number {
  const left = value - closed;
  return Math.abs(left) <= 1e-15 * Math.abs(value) ? 0 : left;
}
