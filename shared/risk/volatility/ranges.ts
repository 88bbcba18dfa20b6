/**
 * From a log-return quantile to price ranges. With the next log return σ·z, a long loses
 * the fraction 1 − e^{σ·z_low} of the price (z_low the lower-tail quantile), a short
 * e^{σ·z_high} − 1. Both are floored at 0: a "range" that gains is no range (only a
 * confidence below ½ or a one-sided sample produces one).
 */
export function priceRanges(sigma: number, lowerQuantile: number, upperQuantile: number): { longRange: number; shortRange: number } {
  return {
    longRange: Math.max(0, -Math.expm1(sigma * lowerQuantile)),
    shortRange: Math.max(0, Math.expm1(sigma * upperQuantile)),
  };
}

export function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}
