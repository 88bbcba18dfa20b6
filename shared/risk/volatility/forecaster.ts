/**
 * Volatility forecasters behind one interface (docs/volatility.md): the margin code asks for
 * a price range at a confidence and does not know the model, so a better one can replace it.
 */
import { EWMA_SEED_SIZE, RISKMETRICS_LAMBDA, ewmaVolatility } from './ewma.ts';
import { FHS_WINDOW, filteredHistoricalRanges } from './fhs.ts';
import { fitGarch, garchVariances, meanSquare, type GarchParameters } from './garch.ts';
import { normalQuantile } from './normal-quantile.ts';
import { assertConfidence, priceRanges } from './ranges.ts';

export interface RangeForecast {
  /** Price fall, as a fraction of the price (0.12 = −12%), that a long loses no more than with probability `confidence` over the horizon. */
  readonly longRange: number;
  /** Price rise, as a fraction, for a short. */
  readonly shortRange: number;
  /** The volatility behind it: the forecast σ of one horizon-step log return. */
  readonly sigma: number;
  /** Observations the forecast rests on (returns in the window). */
  readonly observations: number;
}

export interface VolatilityForecaster {
  readonly name: string;
  /** The range forecast for the step after `returns` (log returns of one horizon each, oldest first). Null when there are too few returns to forecast (the caller falls back to its floor). */
  forecast(returns: readonly number[], confidence: number): RangeForecast | null;
}

/**
 * Fewest returns to forecast from, for every model: 250 steps (a year of trading days, the
 * usual regulatory minimum: EMIR RTS 153/2013 art. 25 asks for at least 12 months of
 * history). At a 99% confidence that puts about 2.5 observations beyond the quantile, the
 * least at which an empirical 1% quantile is more than the single worst day, and lets the
 * EWMA seed fade (0.94²²⁰ ≈ 1e-6).
 */
export const MIN_OBSERVATIONS = 250;

/**
 * GARCH parameters are re-estimated only when the history has grown by this many returns
 * since `minObservations` (daily returns: about monthly); between refits the last estimate
 * filters the new returns. Parameters move slowly, and a fit costs ~100× a filter pass.
 */
export const GARCH_REFIT_EVERY = 20;

/** FHS: EWMA-standardised returns, their empirical quantiles rescaled by the next σ (fhs.ts). */
export function filteredHistoricalSimulation(options: { lambda?: number; window?: number; minObservations?: number } = {}): VolatilityForecaster {
  const lambda = options.lambda ?? RISKMETRICS_LAMBDA;
  const window = options.window ?? FHS_WINDOW;
  const minObservations = checkedMinimum(options.minObservations);
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  return {
    name: `fhs(λ=${lambda}, window=${window})`,
    forecast(returns, confidence) {
      assertConfidence(confidence);
      if (returns.length < minObservations) return null;
      assertFinite(returns);
      const f = filteredHistoricalRanges(returns, confidence, { lambda, window });
      return f && { longRange: f.longRange, shortRange: f.shortRange, sigma: f.sigma, observations: f.observations };
    },
  };
}

/** The EWMA σ with normal quantiles: the RiskMetrics VaR. */
export function ewmaNormal(options: { lambda?: number; minObservations?: number } = {}): VolatilityForecaster {
  const lambda = options.lambda ?? RISKMETRICS_LAMBDA;
  const minObservations = checkedMinimum(options.minObservations);
  return {
    name: `ewma-normal(λ=${lambda})`,
    forecast(returns, confidence) {
      assertConfidence(confidence);
      if (returns.length < minObservations) return null;
      assertFinite(returns);
      const sigma = ewmaVolatility(returns, { lambda, seedSize: EWMA_SEED_SIZE }).next;
      return normalForecast(sigma, confidence, returns.length);
    },
  };
}

/**
 * GARCH(1,1) by maximum likelihood with normal quantiles. The parameters are fitted to the
 * first m returns, m = minObservations + ⌊(n − minObservations) / GARCH_REFIT_EVERY⌋ ·
 * GARCH_REFIT_EVERY, and the variance is filtered through all n. So a forecast is a
 * function of the returns alone; a small cache of fits keyed by that prefix only saves
 * the refit when a backtest calls again with a longer history (same answer either way).
 */
export function garchNormal(options: { minObservations?: number } = {}): VolatilityForecaster {
  const minObservations = checkedMinimum(options.minObservations);
  const fits = new PrefixCache<GarchParameters | null>(8);
  return {
    name: 'garch-normal(1,1)',
    forecast(returns, confidence) {
      assertConfidence(confidence);
      const n = returns.length;
      if (n < minObservations) return null;
      assertFinite(returns);
      const m = minObservations + Math.floor((n - minObservations) / GARCH_REFIT_EVERY) * GARCH_REFIT_EVERY;
      let sample = returns.slice(0, m);
      let params = fits.get(returns, m, fitWhereVaried);
      if (params === null && m < n) {
        // The prefix never moved, so has no variance to fit: estimate on all the returns.
        sample = returns.slice();
        params = fitWhereVaried(sample);
      }
      if (params === null) return normalForecast(0, confidence, n); // every return is zero
      const sigma = Math.sqrt(garchVariances(returns, params, meanSquare(sample)).next);
      return normalForecast(sigma, confidence, n);
    },
  };
}

function fitWhereVaried(returns: readonly number[]): GarchParameters | null {
  if (!(meanSquare(returns) > 0)) return null;
  const { omega, alpha, beta } = fitGarch(returns);
  return { omega, alpha, beta };
}

function normalForecast(sigma: number, confidence: number, observations: number): RangeForecast {
  return { ...priceRanges(sigma, normalQuantile(1 - confidence), normalQuantile(confidence)), sigma, observations };
}

function assertFinite(returns: readonly number[]): void {
  for (const r of returns) if (!Number.isFinite(r)) throw new RangeError(`returns must be finite, got ${r}`);
}

function checkedMinimum(minObservations = MIN_OBSERVATIONS): number {
  if (!Number.isInteger(minObservations) || minObservations < 1) {
    throw new RangeError(`minObservations must be a positive integer, got ${minObservations}`);
  }
  return minObservations;
}

/** A few values computed from a prefix of a series, found again by comparing the prefix. */
class PrefixCache<T> {
  private readonly entries: { prefix: Float64Array; value: T }[] = [];
  constructor(private readonly capacity: number) {}

  get(series: readonly number[], length: number, compute: (prefix: readonly number[]) => T): T {
    const hit = this.entries.findIndex((e) => e.prefix.length === length && samePrefix(e.prefix, series));
    if (hit >= 0) {
      const [entry] = this.entries.splice(hit, 1);
      this.entries.unshift(entry!); // most recently used first
      return entry!.value;
    }
    const prefix = series.slice(0, length);
    const value = compute(prefix);
    this.entries.unshift({ prefix: Float64Array.from(prefix), value });
    if (this.entries.length > this.capacity) this.entries.pop();
    return value;
  }
}

function samePrefix(prefix: Float64Array, series: readonly number[]): boolean {
  for (let i = prefix.length - 1; i >= 0; i--) if (!Object.is(prefix[i], series[i])) return false;
  return true;
}
