/**
 * RiskMetrics EWMA variance (J.P. Morgan/Reuters, RiskMetrics — Technical Document, 4th ed.,
 * 1996, §5.2): σ²ₜ₊₁ = λ·σ²ₜ + (1 − λ)·r²ₜ, zero mean, λ = 0.94 for daily returns.
 */

/** RiskMetrics' decay factor for daily returns (Technical Document 1996, §5.3.2). */
export const RISKMETRICS_LAMBDA = 0.94;

/**
 * Returns averaged into the seed σ². 30 makes the seed about as precise as the recursion
 * itself at λ = 0.94: the relative standard deviation of a mean of k squared normals is
 * √(2/k) ≈ 26%, the recursion's √(2(1 − λ)/(1 + λ)) ≈ 25%. A longer seed would delay the
 * first forecast for no gain; the seed's weight then fades as λᵗ (under 1% after 75 steps).
 */
export const EWMA_SEED_SIZE = 30;

export interface EwmaVolatility {
  /** Returns that made the seed: the first forecast is for returns[seedSize]. */
  readonly seedSize: number;
  /** sigma[i] is the forecast σ of returns[seedSize + i], from the returns before it only. */
  readonly sigma: Float64Array;
  /** The forecast σ of the step after the last return. */
  readonly next: number;
}

/**
 * The EWMA σ series, each a forecast from strictly earlier returns (not a fit: no σ is
 * computed from its own return). Seeded with the mean square (the zero-mean variance, as
 * the recursion assumes) of the first min(seedSize, n) returns, which therefore get no σ.
 */
export function ewmaVolatility(
  returns: readonly number[],
  options: { lambda?: number; seedSize?: number } = {},
): EwmaVolatility {
  const lambda = options.lambda ?? RISKMETRICS_LAMBDA;
  if (!(lambda > 0 && lambda < 1)) throw new RangeError(`ewma: lambda must be in (0, 1), got ${lambda}`);
  const requested = options.seedSize ?? EWMA_SEED_SIZE;
  if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`ewma: seedSize must be a positive integer, got ${requested}`);
  const n = returns.length;
  if (n === 0) throw new RangeError('ewma: needs at least one return');
  const seedSize = Math.min(requested, n);

  let variance = 0;
  for (let t = 0; t < seedSize; t++) variance += finite(returns[t]!) ** 2;
  variance /= seedSize;

  const sigma = new Float64Array(n - seedSize);
  for (let t = seedSize; t < n; t++) {
    sigma[t - seedSize] = Math.sqrt(variance);
    variance = lambda * variance + (1 - lambda) * finite(returns[t]!) ** 2;
  }
  return { seedSize, sigma, next: Math.sqrt(variance) };
}

function finite(r: number): number {
  if (!Number.isFinite(r)) throw new RangeError(`ewma: returns must be finite, got ${r}`);
  return r;
}
