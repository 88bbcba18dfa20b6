/** From prices to the log returns the volatility models take. */

export const HOUR_MS = 3_600_000;

/** One hourly candle: its time (ms since the epoch) and its close. */
export interface Candle {
  readonly time: number;
  readonly close: number;
}

const usable = (price: number | undefined): price is number => price !== undefined && price > 0 && Number.isFinite(price);

/**
 * Log returns ln(p[(i+1)·step] / p[i·step]) of every `step`-th close (oldest first), so the
 * returns do not overlap and are aligned on the first close: daily returns from hourly
 * closes are `logReturns(closes, 24)`.
 *
 * A non-positive (or non-finite) close has no log: the returns on either side of it are
 * skipped, not bridged, because a bridged return would span two steps and overstate
 * volatility.
 */
export function logReturns(closes: readonly number[], step = 1): number[] {
  assertStep(step);
  const returns: number[] = [];
  for (let i = step; i < closes.length; i += step) {
    const before = closes[i - step];
    const after = closes[i];
    if (usable(before) && usable(after)) returns.push(Math.log(after / before));
  }
  return returns;
}

/**
 * Non-overlapping `hours`-hour log returns from hourly candles (ascending time), aligned on
 * the first candle: the boundaries are t₀, t₀ + hours·1h, t₀ + 2·hours·1h, …, and each
 * return is ln(close at a boundary / close at the one before).
 *
 * Only a candle at exactly a boundary time prices it. A boundary that is missing (a gap in
 * the data) or has a non-positive close skips both returns that touch it: carrying an older
 * close forward would make a return span more than `hours` hours.
 */
export function candleLogReturns(candles: readonly Candle[], hours: number): number[] {
  assertStep(hours);
  const first = candles[0];
  if (first === undefined) return [];
  const stepMs = hours * HOUR_MS;
  const returns: number[] = [];
  let lastBoundary = Number.NaN; // index k of the last boundary seen with a usable close
  let lastClose = Number.NaN;
  let previousTime = Number.NEGATIVE_INFINITY;
  for (const candle of candles) {
    if (!(candle.time > previousTime)) throw new RangeError('candleLogReturns: candle times must be strictly ascending');
    previousTime = candle.time;
    const offset = candle.time - first.time;
    if (offset % stepMs !== 0) continue;
    const k = offset / stepMs;
    if (!usable(candle.close)) {
      lastBoundary = Number.NaN;
      continue;
    }
    if (k === lastBoundary + 1) returns.push(Math.log(candle.close / lastClose));
    lastBoundary = k;
    lastClose = candle.close;
  }
  return returns;
}

function assertStep(step: number): void {
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`step must be a positive integer, got ${step}`);
}
