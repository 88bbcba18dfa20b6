import { describe, expect, it } from 'vitest';
import { CandleFileError, type Candle } from '../replay/candles.ts';
import type { RangeForecast, VolatilityForecaster } from '../risk/volatility/forecaster.ts';
import { backtest, guardedStepCloses, HOUR_MS } from './backtest.ts';
import { christoffersen, kupiec } from './statistics.ts';

const T0 = Date.parse('2020-01-01T05:00:00Z'); // deliberately not midnight: steps align on the first candle

/** Hourly candles, `hours` per day, flat at each day's close, except where `dips` says (day → low). */
function days(closes: readonly number[], options: { hours?: number; dips?: Record<number, number>; spikes?: Record<number, number>; drop?: readonly number[] } = {}): Candle[] {
  const hours = options.hours ?? 24;
  const out: Candle[] = [];
  closes.forEach((close, d) => {
    for (let h = 0; h < hours; h++) {
      const index = d * hours + h;
      if (options.drop?.includes(index)) continue;
      const low = h === 5 && options.dips?.[d] !== undefined ? options.dips[d]! : close;
      const high = h === 7 && options.spikes?.[d] !== undefined ? options.spikes[d]! : close;
      out.push({ time: T0 + index * HOUR_MS, symbol: 'BTC', open: close, high, low, close, quoteVolume: 0, line: index + 2 });
    }
  });
  return out;
}

/** A forecaster of constant ranges after `warmUp` returns, recording what it was shown. */
function constant(range: number, warmUp = 2): VolatilityForecaster & { seen: number[][] } {
  const seen: number[][] = [];
  return {
    name: `constant(${range})`,
    seen,
    forecast(returns, confidence): RangeForecast | null {
      expect(confidence).toBe(0.99);
      seen.push([...returns]);
      return returns.length < warmUp ? null : { longRange: range, shortRange: range, sigma: range / 2.33, observations: returns.length };
    },
  };
}

//            k: 0    1    2    3    4    5   6   7   8   9  10
const CLOSES = [100, 100, 100, 120, 120, 96, 96, 97, 60, 60, 61];
// Moves of steps 1…10: 0, 0, +20%, 0, −20%, 0, +1.04%, −38.1%, 0, +1.67%. Steps 1 and 2 warm up.

describe('the walk', () => {
  it('finds the breaches put there by construction, dynamic and static, on the same steps', () => {
    const f = constant(0.125);
    const r = backtest(days(CLOSES, { dips: { 4: 100 } }), { forecaster: f, staticRange: { long: 0.25, short: 0.25 } });
    expect(r).toMatchObject({ symbol: 'BTC', model: 'constant(0.125)', horizonHours: 24, steps: 10, warmUpSteps: 2, gapSteps: 0, gaps: 0 });
    expect(r.series.map((s) => s.time)).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((k) => T0 + k * 24 * HOUR_MS));
    expect(r.from).toBe('2020-01-04T05:00:00.000Z');
    // Long: step 5 (−20%) and step 8 (−38%); short: step 3 (+20%).
    expect(r.series.map((s) => s.longBreach)).toEqual([false, false, true, false, false, true, false, false]);
    expect(r.series.map((s) => s.shortBreach)).toEqual([true, false, false, false, false, false, false, false]);
    expect(r.long).toMatchObject({ observations: 8, breaches: 2, coverage: 0.75, averageRange: 0.125, maxRange: 0.125 });
    expect(r.short).toMatchObject({ observations: 8, breaches: 1, coverage: 0.875 });
    // Static ±25%: only the −38% day.
    expect(r.static.long).toMatchObject({ observations: 8, breaches: 1, averageRange: 0.25, maxRange: 0.25 });
    expect(r.static.short).toMatchObject({ observations: 8, breaches: 0, kupiecSide: 'too_few' });
    // The statistics are the tests' own, on these sequences.
    expect(r.long.kupiecLR).toBeCloseTo(kupiec(8, 2, 0.01).lr, 12);
    expect(r.long.kupiecP).toBeCloseTo(kupiec(8, 2, 0.01).pValue, 12);
    expect(r.long.kupiecSide).toBe('too_many');
    expect(r.long.transitions).toEqual({ n00: 3, n01: 2, n10: 2, n11: 0 });
    expect(r.long.christoffersenP).toBeCloseTo(christoffersen([false, false, true, false, false, true, false, false]).pValue, 12);
    expect(r.long.expectedBreaches).toBeCloseTo(0.08, 12);
    expect(r.long.passes).toBe(false);
  });

  it('measures the move close to close, and the worst low within the step as an extra figure', () => {
    const r = backtest(days(CLOSES, { dips: { 4: 100 }, spikes: { 9: 70 } }), { forecaster: constant(0.125), staticRange: { long: 0.25, short: 0.25 } });
    const step4 = r.series.find((s) => s.time === T0 + 4 * 24 * HOUR_MS)!;
    expect(step4.move).toBe(0);
    expect(step4.worstFall).toBeCloseTo(1 - 100 / 120, 15);
    expect(step4.longBreach).toBe(false);
    // Intra-horizon: step 4's dip (−16.7%), steps 5 and 8 (their closes are their lows).
    expect(r.long.intraHorizonBreaches).toBe(3);
    expect(r.static.long.intraHorizonBreaches).toBe(1);
    // Step 9 spikes +16.7% within the day and closes flat.
    expect(r.short.intraHorizonBreaches).toBe(2);
    expect(r.short.breaches).toBe(1);
  });

  it('shows the forecaster only the returns before each step (no look-ahead)', () => {
    const f = constant(0.125);
    backtest(days(CLOSES), { forecaster: f, staticRange: { long: 0.16, short: 0.16 } });
    const all = CLOSES.slice(1).map((c, i) => Math.log(c / CLOSES[i]!));
    expect(f.seen.length).toBe(10);
    f.seen.forEach((returns, i) => {
      expect(returns).toEqual(all.slice(0, i));
    });
  });

  it('skips steps with a missing hour, and the next one when the missing hour is the base', () => {
    const f = constant(0.125);
    // Hour 24·6 + 10 (inside step 6) and hour 24·8 + 23 (step 8's last hour: step 9's base).
    const candles = days(CLOSES, { drop: [6 * 24 + 10, 8 * 24 + 23] });
    const r = backtest(candles, { forecaster: f, staticRange: { long: 0.16, short: 0.16 } });
    expect(r).toMatchObject({ steps: 7, warmUpSteps: 2, gapSteps: 3, gaps: 2 });
    expect(r.series.map((s) => (s.time - T0) / (24 * HOUR_MS))).toEqual([3, 4, 5, 7, 10]);
    // Skipped steps' returns are not history: step 7 sees steps 1–5, step 10 sees 1–5 and 7.
    const all = CLOSES.slice(1).map((c, i) => Math.log(c / CLOSES[i]!));
    expect(f.seen.at(-2)).toEqual(all.slice(0, 5));
    expect(f.seen.at(-1)).toEqual([...all.slice(0, 5), all[6]]);
  });

  it('does not count the data ending inside the last step as a gap', () => {
    const candles = days(CLOSES).slice(0, -5);
    const r = backtest(candles, { forecaster: constant(0.125), staticRange: { long: 0.16, short: 0.16 } });
    expect(r).toMatchObject({ steps: 9, gapSteps: 0 });
  });

  it('walks other horizons: 8-hour steps over the same hours', () => {
    const closes = [100, 100, 100, 130, 130];
    const r = backtest(days(closes, { hours: 8 }), { horizonHours: 8, forecaster: constant(0.125), staticRange: { long: 0.16, short: 0.16 } });
    expect(r).toMatchObject({ horizonHours: 8, steps: 4, warmUpSteps: 2 });
    expect(r.short.breaches).toBe(1);
  });

  it('reports no test, rather than a verdict, when every step is warm-up', () => {
    const r = backtest(days(CLOSES), { forecaster: constant(0.125, 100), staticRange: { long: 0.16, short: 0.16 } });
    expect(r).toMatchObject({ steps: 10, warmUpSteps: 10, from: null, to: null, series: [] });
    expect(r.long.observations).toBe(0);
    expect(r.long.kupiecP).toBeNaN();
    expect(r.long.passes).toBe(false);
  });

  it('refuses candles off the hourly grid, several symbols, bad options and bad forecasts', () => {
    const off = days(CLOSES);
    off[30] = { ...off[30]!, time: off[30]!.time + 60_000 };
    const run = (candles: Candle[], extra: object = {}) => () => backtest(candles, { forecaster: constant(0.125), staticRange: { long: 0.16, short: 0.16 }, ...extra });
    expect(run(off)).toThrow(CandleFileError);
    expect(run(off)).toThrow(/candles:32 \(time\).*whole number of hours/);
    const mixed = days(CLOSES);
    mixed[3] = { ...mixed[3]!, symbol: 'ETH' };
    expect(run(mixed)).toThrow(/one underlying at a time/);
    expect(run(days(CLOSES), { horizonHours: 1.5 })).toThrow(RangeError);
    expect(run(days(CLOSES), { confidence: 1 })).toThrow(RangeError);
    expect(run(days(CLOSES), { staticRange: { long: -0.1, short: 0.16 } })).toThrow(/static long/);
    const nan: VolatilityForecaster = { name: 'broken', forecast: () => ({ longRange: NaN, shortRange: 0.1, sigma: 0, observations: 0 }) };
    expect(run(days(CLOSES), { forecaster: nan })).toThrow(/broken forecast a longRange of NaN/);
  });

  it('counts the step prices the guard replaced', () => {
    const candles = days(CLOSES);
    // Lines: index + 2. Index 47 is step 1's last hour (a step price); 30 is not.
    expect(guardedStepCloses(candles, [{ line: 49, column: 'close' }, { line: 32, column: 'close' }, { line: 49 + 24, column: 'high' }])).toBe(1);
    expect(guardedStepCloses([], [])).toBe(0);
  });
});
