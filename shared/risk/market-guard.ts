/**
 * The market guard: a price further than the profile's `market.maxPriceMove` (30% by
 * default) from the last accepted one is refused — manipulated or fat-fingered prices cause
 * the worst false liquidations. The market endpoint applies it to pushes, the replay to
 * history.
 */

/** Relative move from `before` to `after` (−0.3 = −30%). */
export function priceMove(before: number, after: number): number {
  return after / before - 1;
}

/** Whether the move from `before` to `after` stays within ±`limit`. */
export function withinMoveLimit(before: number, after: number, limit: number): boolean {
  return Math.abs(priceMove(before, after)) <= limit;
}
