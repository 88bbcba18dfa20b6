import type { Candle } from '../replay/candles.ts';
import { CandleFileError, gapsOf } from '../replay/candles.ts';
import type { RangeForecast, VolatilityForecaster } from '../risk/volatility/forecaster.ts';
import { christoffersen, kupiec, transitionsOf, type FailureSide, type Transitions } from './statistics.ts';
import type { StaticRange } from './static-range.ts';

/**
 * The margin backtest (issue 14, docs/backtest.md): walk one underlying's candles at
 * non-overlapping horizon steps; at each step a forecaster that has seen only the returns
 * before it sets the requirement of a unit long and a unit short, and the move that
 * actually followed either stays within it or breaches it. The breach sequences are then
 * put to Kupiec's and Christoffersen's tests, beside the same for the static grid.
 * Pure: candles and a forecaster in, a report out.
 */

export const HOUR_MS = 3_600_000;
export const DEFAULT_HORIZON_HOURS = 24;
export const DEFAULT_CONFIDENCE = 0.99;
/** Level the tests are judged at: a p-value above it passes. */
export const DEFAULT_SIGNIFICANCE = 0.05;

export interface BacktestOptions {
  /** Hours per step (the margin period of risk); the candles are hourly. Default 24. */
  readonly horizonHours?: number;
  /** Probability the requirement should cover the next step's move. Default 0.99. */
  readonly confidence?: number;
  readonly forecaster: VolatilityForecaster;
  /** The requirement charged today (fraction of price), tested on the same steps. */
  readonly staticRange: StaticRange;
  /** Default 0.05. */
  readonly significance?: number;
}

/** One tested step: the forecast made at `time` and the move over the following horizon. */
export interface BacktestStep {
  /** When the forecast is made: the close of the previous step, ms since the epoch. */
  readonly time: number;
  /** Close of the previous step and of this one. */
  readonly base: number;
  readonly close: number;
  /** close/base − 1: the clearing-house standard, the move a position is held over. */
  readonly move: number;
  /** 1 − lowest low/base and highest high/base − 1 within the step: the worst a position saw on the way. */
  readonly worstFall: number;
  readonly worstRise: number;
  readonly longRange: number;
  readonly shortRange: number;
  readonly longBreach: boolean;
  readonly shortBreach: boolean;
  readonly staticLongBreach: boolean;
  readonly staticShortBreach: boolean;
}

export interface SideReport {
  readonly observations: number;
  readonly breaches: number;
  /** 1 − breaches/observations; compare with the confidence. */
  readonly coverage: number;
  /** observations × (1 − confidence). */
  readonly expectedBreaches: number;
  readonly kupiecLR: number;
  readonly kupiecP: number;
  /** `too_many`: under-margined; `too_few`: over-margined (the LR test rejects either). */
  readonly kupiecSide: FailureSide;
  readonly christoffersenLR: number;
  readonly christoffersenP: number;
  readonly transitions: Transitions;
  /** Mean and largest requirement (fraction of price) over the steps. */
  readonly averageRange: number;
  readonly maxRange: number;
  /** Breaches had the worst price within the step been the test (extra figure, not tested). */
  readonly intraHorizonBreaches: number;
  /** kupiecP and christoffersenP both above the significance level. */
  readonly passes: boolean;
}

export interface BacktestReport {
  readonly symbol: string;
  readonly model: string;
  readonly horizonHours: number;
  readonly confidence: number;
  readonly significance: number;
  /** First and last forecast tested, ISO. Null when nothing was tested. */
  readonly from: string | null;
  readonly to: string | null;
  /** Steps with a base and a complete horizon. */
  readonly steps: number;
  /** Of those, steps without a forecast (too little history): not tested, by either model. */
  readonly warmUpSteps: number;
  /** Steps not measured because an hour is missing in them, or the step before lacks its last hour (the base). */
  readonly gapSteps: number;
  /** Gaps in the hourly candles (gapsOf). */
  readonly gaps: number;
  readonly long: SideReport;
  readonly short: SideReport;
  readonly static: { readonly long: SideReport; readonly short: SideReport };
  readonly series: readonly BacktestStep[];
}

/** A horizon step's candles, complete or not. */
interface Bucket {
  count: number;
  /** Whether the step's last hour is there: its close is then the step's price. */
  closed: boolean;
  close: number;
  low: number;
  high: number;
}

/**
 * Backtests one underlying. `candles` are one symbol's hourly candles, ascending (as
 * parseCandles returns them), best already through guardCandles: a feed error would
 * otherwise count as a move. Steps are aligned on the first candle: step k holds the
 * candles opening in [t0 + kH, t0 + (k+1)H), its price is the close of its last hour, and
 * its move is measured from the price of step k − 1. A step is measured only when it holds
 * every hour and the step before has its last hour (the base), so neither the move nor its
 * worst low or high spans a gap; its return then joins the history the next forecasts see
 * (a skipped one does not). The last step, when the data ends inside it, is not complete
 * and not counted as a gap.
 */
export function backtest(candles: readonly Candle[], options: BacktestOptions): BacktestReport {
  const horizonHours = options.horizonHours ?? DEFAULT_HORIZON_HOURS;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const significance = options.significance ?? DEFAULT_SIGNIFICANCE;
  if (!Number.isInteger(horizonHours) || horizonHours < 1) throw new RangeError(`the horizon must be a whole number of hours ≥ 1, got ${horizonHours}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`the confidence must be in (0, 1), got ${confidence}`);
  if (!(significance > 0 && significance < 1)) throw new RangeError(`the significance must be in (0, 1), got ${significance}`);
  for (const side of ['long', 'short'] as const) {
    const r = options.staticRange[side];
    if (!(r >= 0 && Number.isFinite(r))) throw new RangeError(`the static ${side} range must be a non-negative number, got ${r}`);
  }
  const symbol = candles[0]?.symbol ?? '';
  const buckets = bucketsOf(candles, horizonHours);
  const complete = (b: Bucket | undefined) => b !== undefined && b.count === horizonHours;

  const returns: number[] = [];
  const series: BacktestStep[] = [];
  let steps = 0;
  let warmUpSteps = 0;
  let gapSteps = 0;
  for (let k = 1; k < buckets.length; k++) {
    const previous = buckets[k - 1];
    const current = buckets[k];
    const last = k === buckets.length - 1;
    if (!previous?.closed || !complete(current)) {
      // The data ending inside the last step is no gap; anything else is.
      if (!(last && previous?.closed && current !== undefined)) gapSteps++;
      continue;
    }
    steps++;
    const base = previous!.close;
    const { close, low, high } = current!;
    // The forecaster gets a copy of the past only: no look-ahead, whatever it keeps.
    const forecast = options.forecaster.forecast(returns.slice(), confidence);
    returns.push(Math.log(close / base));
    if (forecast === null) {
      warmUpSteps++;
      continue;
    }
    checkForecast(forecast, options.forecaster.name, k);
    const move = close / base - 1;
    series.push({
      time: candles[0]!.time + k * horizonHours * HOUR_MS,
      base,
      close,
      move,
      worstFall: 1 - low / base,
      worstRise: high / base - 1,
      longRange: forecast.longRange,
      shortRange: forecast.shortRange,
      longBreach: -move > forecast.longRange,
      shortBreach: move > forecast.shortRange,
      staticLongBreach: -move > options.staticRange.long,
      staticShortBreach: move > options.staticRange.short,
    });
  }

  const p = 1 - confidence;
  const side = (breach: (s: BacktestStep) => boolean, range: (s: BacktestStep) => number, worst: (s: BacktestStep) => number) =>
    sideReport(series, breach, range, worst, p, significance);
  const staticLong = options.staticRange.long;
  const staticShort = options.staticRange.short;
  return {
    symbol,
    model: options.forecaster.name,
    horizonHours,
    confidence,
    significance,
    from: series.length ? new Date(series[0]!.time).toISOString() : null,
    to: series.length ? new Date(series[series.length - 1]!.time).toISOString() : null,
    steps,
    warmUpSteps,
    gapSteps,
    gaps: gapsOf(candles, HOUR_MS).length,
    long: side((s) => s.longBreach, (s) => s.longRange, (s) => s.worstFall),
    short: side((s) => s.shortBreach, (s) => s.shortRange, (s) => s.worstRise),
    static: {
      long: side((s) => s.staticLongBreach, () => staticLong, (s) => s.worstFall),
      short: side((s) => s.staticShortBreach, () => staticShort, (s) => s.worstRise),
    },
    series,
  };
}

/**
 * Candles grouped into horizon steps from the first candle's time (index k: the step
 * opening at t0 + kH). Candles off the hourly grid are refused: a step could otherwise
 * look complete with an hour missing.
 */
function bucketsOf(candles: readonly Candle[], horizonHours: number): (Bucket | undefined)[] {
  const buckets: (Bucket | undefined)[] = [];
  if (candles.length === 0) return buckets;
  const t0 = candles[0]!.time;
  const symbol = candles[0]!.symbol;
  for (const c of candles) {
    if (c.symbol !== symbol) throw new RangeError(`backtest one underlying at a time: ${symbol} and ${c.symbol} (line ${c.line})`);
    const hours = (c.time - t0) / HOUR_MS;
    if (!Number.isInteger(hours)) throw new CandleFileError('candles', c.line, 'time', `${new Date(c.time).toISOString()} is not a whole number of hours after the first candle: the backtest needs hourly candles`);
    const k = Math.floor(hours / horizonHours);
    const b = (buckets[k] ??= { count: 0, closed: false, close: c.close, low: c.low, high: c.high });
    b.count++;
    // Candles ascend, so the last one seen is the step's close (when it is the last hour).
    b.close = c.close;
    b.closed = hours % horizonHours === horizonHours - 1;
    b.low = Math.min(b.low, c.low);
    b.high = Math.max(b.high, c.high);
  }
  return buckets;
}

function checkForecast(f: RangeForecast, model: string, step: number): void {
  for (const key of ['longRange', 'shortRange'] as const) {
    if (!(f[key] >= 0 && Number.isFinite(f[key]))) throw new RangeError(`${model} forecast a ${key} of ${f[key]} at step ${step}: a range must be a non-negative number`);
  }
}

function sideReport(
  series: readonly BacktestStep[],
  breach: (s: BacktestStep) => boolean,
  range: (s: BacktestStep) => number,
  worst: (s: BacktestStep) => number,
  p: number,
  significance: number,
): SideReport {
  const hits = series.map(breach);
  const n = hits.length;
  const x = hits.filter(Boolean).length;
  const ranges = series.map(range);
  const intraHorizonBreaches = series.filter((s) => worst(s) > range(s)).length;
  const transitions = transitionsOf(hits);
  if (n === 0) {
    // Nothing tested: no evidence against the model, and none for it.
    return {
      observations: 0, breaches: 0, coverage: Number.NaN, expectedBreaches: 0, kupiecLR: 0, kupiecP: Number.NaN, kupiecSide: 'as_expected',
      christoffersenLR: 0, christoffersenP: Number.NaN, transitions, averageRange: Number.NaN, maxRange: Number.NaN, intraHorizonBreaches: 0, passes: false,
    };
  }
  const k = kupiec(n, x, p);
  const c = christoffersen(hits);
  return {
    observations: n,
    breaches: x,
    coverage: 1 - x / n,
    expectedBreaches: n * p,
    kupiecLR: k.lr,
    kupiecP: k.pValue,
    kupiecSide: k.side,
    christoffersenLR: c.lr,
    christoffersenP: c.pValue,
    transitions,
    averageRange: meanOf(ranges),
    maxRange: Math.max(...ranges),
    intraHorizonBreaches,
    passes: k.pValue > significance && c.pValue > significance,
  };
}

/**
 * How many step prices (the last close of a step) the guard replaced: the guard exists
 * for feed errors, but it also refuses real moves of more than its limit within an hour,
 * so a backtest says when a tested price is the guard's and not the market's.
 */
export function guardedStepCloses(candles: readonly Candle[], refused: readonly { readonly line: number; readonly column: string }[], horizonHours = DEFAULT_HORIZON_HOURS): number {
  const first = candles[0];
  if (!first) return 0;
  const lines = new Set(refused.filter((r) => r.column === 'close').map((r) => r.line));
  return candles.filter((c) => lines.has(c.line) && ((c.time - first.time) / HOUR_MS + 1) % horizonHours === 0).length;
}

/** Running mean: exactly the value for a constant series (the static grid), where a sum then a division is not. */
function meanOf(values: readonly number[]): number {
  let mean = 0;
  values.forEach((v, i) => {
    mean += (v - mean) / (i + 1);
  });
  return mean;
}
