/**
 * Filtered historical simulation (G. Barone-Adesi, K. Giannopoulos, L. Vosper, "VaR without
 * correlations for portfolios of derivative securities", Journal of Futures Markets 19
 * (1999) 583–602), as CCPs such as LCH and Eurex size initial margin: each past return is
 * standardised by the volatility forecast for its day, zₜ = rₜ / σₜ, and the empirical
 * quantiles of the recent z, rescaled by tomorrow's σ, give tomorrow's move. The shape of
 * the tails comes from the data (fat, skewed), the scale from current volatility.
 */
import { quantileOfSorted } from './empirical-quantile.ts';
import { EWMA_SEED_SIZE, RISKMETRICS_LAMBDA, ewmaVolatility } from './ewma.ts';
import { priceRanges } from './ranges.ts';

/** Standardised returns the quantiles are taken over: about four years of daily returns. */
export const FHS_WINDOW = 1_000;

export interface FilteredHistoricalForecast {
  readonly longRange: number;
  readonly shortRange: number;
  /** σ forecast (EWMA) for the next step. */
  readonly sigma: number;
  /** The empirical (1 − c)- and c-quantiles of the standardised returns in the window. */
  readonly lowerQuantile: number;
  readonly upperQuantile: number;
  /** Standardised returns in the window. */
  readonly observations: number;
}

/**
 * Standardised returns zₜ = rₜ / σₜ, σₜ the EWMA forecast from the returns before t, for
 * the last `window` returns that have one (the seed returns have none). Where σₜ = 0 (only
 * after a run of exactly zero returns) a zero return stands as z = 0 and a non-zero one is
 * left out: its z would be infinite.
 */
export function standardisedReturns(
  returns: readonly number[],
  options: { lambda?: number; window?: number; seedSize?: number } = {},
): { readonly z: Float64Array; readonly nextSigma: number } {
  const window = options.window ?? FHS_WINDOW;
  const ewma = ewmaVolatility(returns, { lambda: options.lambda ?? RISKMETRICS_LAMBDA, seedSize: options.seedSize ?? EWMA_SEED_SIZE });
  const z = new Float64Array(Math.min(window, ewma.sigma.length));
  let filled = 0;
  // Newest first, so the window holds the latest `window` usable z.
  for (let i = ewma.sigma.length - 1; i >= 0 && filled < z.length; i--) {
    const sigma = ewma.sigma[i]!;
    const r = returns[ewma.seedSize + i]!;
    if (sigma > 0) z[filled++] = r / sigma;
    else if (r === 0) z[filled++] = 0;
  }
  return { z: z.subarray(0, filled), nextSigma: ewma.next };
}

/**
 * The FHS ranges at `confidence` c: long 1 − exp(σ_next·q₁₋c(z)), short exp(σ_next·q_c(z)) − 1,
 * q the type-7 empirical quantile (empirical-quantile.ts). Null without any standardised
 * return (fewer than two returns: the first one seeds σ).
 */
export function filteredHistoricalRanges(
  returns: readonly number[],
  confidence: number,
  options: { lambda?: number; window?: number } = {},
): FilteredHistoricalForecast | null {
  if (returns.length < 2) return null;
  // Keep at least one return to standardise when the history is shorter than the seed.
  const seedSize = Math.min(EWMA_SEED_SIZE, returns.length - 1);
  const { z, nextSigma } = standardisedReturns(returns, { ...options, seedSize });
  if (z.length === 0) return null;
  z.sort();
  const lowerQuantile = quantileOfSorted(z, 1 - confidence);
  const upperQuantile = quantileOfSorted(z, confidence);
  return { ...priceRanges(nextSigma, lowerQuantile, upperQuantile), sigma: nextSigma, lowerQuantile, upperQuantile, observations: z.length };
}
