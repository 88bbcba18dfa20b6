import { SnapshotSchema } from '../schemas/snapshot.ts';
import { initialState } from '../risk/account.ts';
import { buildBook } from '../risk/book.ts';
import { marginModelFor } from '../risk/margin/index.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';

/**
 * The requirement the engine charges today, as a fraction of price, for one unit of a
 * perpetual: the static comparison of the backtest. Asked of the engine itself (a
 * one-position book through the profile's margin model) rather than read off
 * `portfolio.priceRange`, so that anything else the model adds to a plain perpetual (a
 * contingency, a bracket) is in the number. Under `portfolio` today it is exactly the
 * grid's price range (the contingency is for short options only); under `standard` it is
 * the first bracket's maintenance rate.
 */
export interface StaticRange {
  /** Maintenance margin of a unit long, per unit of price. */
  readonly long: number;
  /** Maintenance margin of a unit short, per unit of price. */
  readonly short: number;
}

/** Price of the unit book: 1, so the requirement is directly a fraction of price (and the notional is $1, the first bracket). */
const UNIT_PRICE = 1;

export function staticRangeOf(profile: RiskProfile, underlying = 'BTC'): StaticRange {
  // A dynamic profile's static comparison is its own grid with the range fixed at priceRange.
  const fixed: RiskProfile = { ...profile, portfolio: { ...profile.portfolio, scenarioRange: { mode: 'static' } } };
  const maintenanceOf = (quantity: number) => {
    const snapshot = SnapshotSchema.parse({
      accountId: 'backtest-unit',
      asOf: '2021-01-01T00:00:00Z',
      collateral: [],
      positions: [{ id: 'unit', instrument: { type: 'perpetual', underlying }, quantity, entryPrice: UNIT_PRICE }],
      market: { [underlying]: { price: UNIT_PRICE } },
    });
    const book = buildBook(snapshot, fixed);
    return marginModelFor(book).requirement(initialState(book)).maintenance / UNIT_PRICE;
  };
  return { long: maintenanceOf(1), short: maintenanceOf(-1) };
}
