import { collateralValue, type Book } from './book.ts';
import type { AccountState, MarginModel } from './margin/index.ts';
import { classifyTier, marginRatioOf, type Tier } from './tiers.ts';

/** The account as the snapshot holds it. */
export function initialState(book: Book): AccountState {
  const quantities = new Float64Array(book.positions.length);
  for (let i = 0; i < quantities.length; i++) quantities[i] = book.positions[i]!.quantity;
  const amounts = new Float64Array(book.collateral.length);
  for (let c = 0; c < amounts.length; c++) amounts[c] = book.collateral[c]!.amount;
  return { quantities, amounts };
}

/** Mark-to-market equity (DESIGN §2) of `state`. */
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

/** Equity, requirement, ratio and tier of `state`. */
export function evaluate(book: Book, model: MarginModel, state: AccountState): AccountHealth {
  const equity = equityOf(book, state);
  const { maintenance, initial } = model.requirement(state);
  return healthOf(book, equity, maintenance, initial);
}

export function healthOf(book: Book, equity: number, maintenance: number, initial: number): AccountHealth {
  return {
    equity,
    maintenanceMargin: maintenance,
    initialMargin: initial,
    marginRatio: marginRatioOf(equity, maintenance),
    tier: classifyTier(equity, maintenance, initial, book.profile.tiers),
  };
}
