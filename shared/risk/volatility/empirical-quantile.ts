/**
 * The empirical p-quantile of an ascending sample, Hyndman & Fan's type 7 (R's default,
 * NumPy's "linear", Excel's PERCENTILE.INC): with n values x₀ ≤ … ≤ x₍ₙ₋₁₎ (0-based),
 * h = (n − 1)·p, and Q(p) = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋+1 − x⌊h⌋).
 *
 * Chosen because it is the one every tool computes by default, so a risk analyst can
 * reproduce a range in a spreadsheet; it never extrapolates beyond the sample.
 * R. J. Hyndman, Y. Fan, "Sample Quantiles in Statistical Packages", The American
 * Statistician 50 (1996) 361–365.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantileOfSorted: empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantileOfSorted: p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const below = Math.floor(h);
  const lower = sorted[below]!;
  if (below >= n - 1) return lower;
  return lower + (h - below) * (sorted[below + 1]! - lower);
}
