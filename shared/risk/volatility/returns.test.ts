import { describe, expect, it } from 'vitest';
import { HOUR_MS, candleLogReturns, logReturns } from './returns.ts';

describe('logReturns', () => {
  it('takes ln(pₜ / pₜ₋₁) and skips both returns that touch a non-positive price', () => {
    const r = logReturns([100, 110, 99, 0, 120, 130]);
    expect(r).toHaveLength(3);
    expect(r[0]).toBeCloseTo(Math.log(1.1), 14);
    expect(r[1]).toBeCloseTo(Math.log(0.9), 14);
    expect(r[2]).toBeCloseTo(Math.log(130 / 120), 14);
    expect(logReturns([100, -1, Number.NaN, 100])).toEqual([]);
  });

  it('samples every step-th close from the first: daily returns from hourly closes', () => {
    // 49 hourly closes growing 0.1% (log) an hour: two daily returns of 0.024 each.
    const closes = Array.from({ length: 49 }, (_, i) => 100 * Math.exp(0.001 * i));
    const daily = logReturns(closes, 24);
    expect(daily).toHaveLength(2);
    for (const r of daily) expect(r).toBeCloseTo(0.024, 12);
    // A trailing partial step makes no return.
    expect(logReturns(closes.slice(0, 48), 24)).toHaveLength(1);
  });

  it('gives no return for fewer than two closes and rejects a non-integer step', () => {
    expect(logReturns([])).toEqual([]);
    expect(logReturns([100])).toEqual([]);
    expect(() => logReturns([1, 2], 0)).toThrow(RangeError);
    expect(() => logReturns([1, 2], 1.5)).toThrow(RangeError);
  });
});

describe('candleLogReturns', () => {
  const t0 = Date.UTC(2026, 0, 1, 7); // an arbitrary hour: boundaries align on it, not on midnight
  const candle = (hour: number, close: number) => ({ time: t0 + hour * HOUR_MS, close });

  it('gives non-overlapping N-hour returns between closes at t₀ + k·N hours', () => {
    const candles = Array.from({ length: 13 }, (_, h) => candle(h, 100 + h)); // hours 0…12
    const r = candleLogReturns(candles, 4); // boundaries at hours 0, 4, 8, 12
    expect(r).toHaveLength(3);
    expect(r[0]).toBeCloseTo(Math.log(104 / 100), 14);
    expect(r[1]).toBeCloseTo(Math.log(108 / 104), 14);
    expect(r[2]).toBeCloseTo(Math.log(112 / 108), 14);
  });

  it('skips both returns at a missing or non-positive boundary, and ignores gaps between boundaries', () => {
    const hours = [0, 1, 2, 3, 4, 6, 7, 9, 10, 12, 16]; // missing: 5, 8 (a boundary), 11, 13–15
    const candles = hours.map((h) => candle(h, 100 + h));
    // Boundaries 0, 4, [8 missing], 12, 16: returns 0→4 and 12→16 only.
    const r = candleLogReturns(candles, 4);
    expect(r).toHaveLength(2);
    expect(r[0]).toBeCloseTo(Math.log(104 / 100), 14);
    expect(r[1]).toBeCloseTo(Math.log(116 / 112), 14);
    const zeroAt4 = [candle(0, 100), candle(4, 0), candle(8, 120), candle(12, 130)];
    expect(candleLogReturns(zeroAt4, 4)).toEqual([Math.log(130 / 120)]);
  });

  it('ignores candles off the hourly grid of the first and rejects unsorted times', () => {
    const offGrid = [candle(0, 100), { time: t0 + 30 * 60_000, close: 1 }, candle(1, 110)];
    expect(candleLogReturns(offGrid, 1)).toEqual([Math.log(1.1)]);
    expect(candleLogReturns([], 24)).toEqual([]);
    expect(() => candleLogReturns([candle(1, 100), candle(0, 100)], 1)).toThrow(RangeError);
    expect(() => candleLogReturns([candle(0, 100), candle(0, 100)], 1)).toThrow(RangeError);
  });
});
