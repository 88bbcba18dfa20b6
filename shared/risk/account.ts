import { collateralValue, type Book } from './book.ts';
import type { AccountState, MarginModel } from './margin/index.ts';
import { classifyTier, marginRatioOf, type Tier } from './tiers.ts';

/**
 * Collateral balances with `amount` added to `asset`'s (a balance of it added when there is
 * none): where a closed position's cash, a settled option or a cost lands, in the quote asset.
 */
export function credited<C extends { readonly asset: string; readonly amount: number }>(
  collateral: readonly C[],
  asset: string,
  amount: number,
): Array<C | { asset: string; amount: number }> {
  return collateral.some((c) => c.asset === asset)
    ? collateral.map((c) => (c.asset === asset ? { ...c, amount: c.amount + amount } : c))
    : [...collateral, { asset, amount }];
}

/** The account as the snapshot holds it. */
export function initialState(book: Book): AccountState {
  const quantities = new Float64Array(book.positions.length);
  for (let i = 0; i < quantities.length; i++) quantities[i] = book.positions[i]!.quantity;
  const amounts = new Float64Array(book.collateral.length);
  for (let c = 0; c < amounts.length; c++) amounts[c] = book.collateral[c]!.amount;
  return { quantities, amounts };
}

/** Mark-to-market equity (docs/contract.md) of `state`. */
export function equityOf(book: Book, state: AccountState): number {
  let equity = 0;
  for (let c = 0; c < book.collateral.length; c++) {
    const col = book.collateral[c]!;
    equity += collateralValue(state.amounts[c]!, col.price, col.haircut);
  }
  for (let i = 0; i < book.positions.length; i++) equity += state.quantities[i]! * book.positions[i]!.unitValue;
  return equity;
}

export interface AccountHealth {
  readonly equity: number;
  readonly maintenanceMargin: number;
  readonly initialMargin: number;
  readonly marginRatio: number | null;
  readonly tier: Tier;
}

/**
 * A requirement below this share of the book's gross notional is treated as 0: it is the
 * floating-point residue of a hedge that nets to nothing (≈ 1e-16 per term of a scenario sum),
 * never a risk, and dividing equity by it gives ratios like 1e16. See docs/margin.md.
 */
export const REQUIREMENT_EPSILON = 1e-9;
/**
 * And below this many units of the quote asset (a billionth of a dollar), whatever the book:
 * a book of dust (an amount of 5e-324) would otherwise keep a requirement of 1e-321 and a
 * margin ratio that overflows to no number at all.
 */
export const REQUIREMENT_FLOOR = 1e-9;

/** Equity, requirement, ratio and tier of `state`. */
export function evaluate(book: Book, model: MarginModel, state: AccountState): AccountHealth {
  const equity = equityOf(book, state);
  const { maintenance, initial } = model.requirement(state);
  return healthOf(book, equity, maintenance, initial, state);
}

/** One underlying's price moved to price × `factor`, all else unchanged (the liquidation prices' and the ladder's convention). */
export interface PriceShift {
  /** Index into `Book.underlyings`. */
  readonly underlying: number;
  readonly factor: number;
}

/**
 * Ratio and tier from equity and requirement. `state` is what the numbers were computed for
 * (the snapshot's own by default): it scales the residue floor and says whether the account
 * can owe anything at all. `shifted`: the numbers are for one underlying's price moved
 * (the floor scales with the moved notional).
 */
export function healthOf(
  book: Book,
  equity: number,
  maintenance: number,
  initial: number,
  state: AccountState = initialState(book),
  shifted?: PriceShift,
): AccountHealth {
  const floor = Math.max(REQUIREMENT_EPSILON * grossNotional(book, state, shifted), REQUIREMENT_FLOOR);
  const mm = maintenance < floor ? 0 : maintenance;
  const im = initial < floor ? 0 : initial;
  return {
    equity,
    maintenanceMargin: mm,
    initialMargin: im,
    marginRatio: marginRatioOf(equity, mm),
    tier: classifyTier(equity, mm, im, book.profile.tiers, cannotOwe(book, state)),
  };
}

/**
 * Σ |quantity| × spot over positions + Σ |amount| × price over volatile collateral: the scale
 * the margin models' rounding grows with. Stable balances are left out, so a large cash
 * balance cannot hide a small real requirement. With `shifted`, at that underlying's moved price.
 */
export function grossNotional(book: Book, state: AccountState, shifted?: PriceShift): number {
  const factor = (u: number) => (shifted !== undefined && u === shifted.underlying ? shifted.factor : 1);
  let gross = 0;
  for (let i = 0; i < book.positions.length; i++) {
    const p = book.positions[i]!;
    gross += Math.abs(state.quantities[i]!) * p.spot * factor(p.underlyingIndex);
  }
  for (let c = 0; c < book.collateral.length; c++) {
    const col = book.collateral[c]!;
    if (col.underlyingIndex >= 0) gross += Math.abs(state.amounts[c]!) * col.price * factor(col.underlyingIndex);
  }
  return gross;
}

/**
 * Whether the account cannot lose more than its equity: every open position is a long option
 * and no balance is negative. Its worst case is losing what it holds; it can never owe, so it
 * is never liquidated (docs/margin.md, "Accounts that are never liquidated").
 */
export function cannotOwe(book: Book, state: AccountState): boolean {
  for (let i = 0; i < book.positions.length; i++) {
    const q = state.quantities[i]!;
    if (q < 0 || (q > 0 && book.positions[i]!.instrument.type !== 'option')) return false;
  }
  for (let c = 0; c < book.collateral.length; c++) if (state.amounts[c]! < 0) return false;
  return true;
}
