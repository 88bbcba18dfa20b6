import { describe, expect, it } from 'vitest';
import { parseCandles } from './candles.ts';
import { pathsFromCandles } from './history-paths.ts';

const HEADER = 'time,symbol,open,high,low,close,quote_volume';
const candles = (rows: string[]) => parseCandles([HEADER, ...rows].join('\n'), 'test.csv');

describe('real candles as replay paths', () => {
  const rows = [
    // BTC: the low is nearer the open in the first candle, the high in the second.
    '2021-05-19T00:00:00Z,BTC,100,104,99,103,1000',
    '2021-05-19T01:00:00Z,BTC,103,104,90,95,2000',
    '2021-05-19T02:00:00Z,BTC,95,97,94,96,1000',
    '2021-05-19T00:00:00Z,ETH,10,10.5,9,9.2,500',
    // ETH has no 01:00 candle: a gap, held at 9.2.
    '2021-05-19T02:00:00Z,ETH,9.2,9.8,9.1,9.5,500',
  ];

  it('visits each candle’s open, the extreme nearer it, the other, and its close, at the re-assessment times', () => {
    const paths = pathsFromCandles(candles(rows), { stepMinutes: 15 });
    expect(paths.symbols).toEqual(['BTC', 'ETH']);
    expect(paths.steps).toBe(3 * 4 - 1);
    expect(paths.times.slice(0, 5)).toEqual(['2021-05-19T00:00:00.000Z', '2021-05-19T00:15:00.000Z', '2021-05-19T00:30:00.000Z', '2021-05-19T00:45:00.000Z', '2021-05-19T01:00:00.000Z']);
    // 100 → low 99 (1 away) before high 104 (4 away) → 103; then 103 → high 104 (1 away) before low 90 → 95.
    expect(Array.from(paths.prices['BTC']!)).toEqual([100, 99, 104, 103, 103, 104, 90, 95, 95, 94, 97, 96]);
    expect(Array.from(paths.prices['ETH']!)).toEqual([10, 10.5, 9, 9.2, 9.2, 9.2, 9.2, 9.2, 9.2, 9.1, 9.8, 9.5]);
    expect(paths.gaps).toEqual([{ symbol: 'ETH', from: '2021-05-19T00:00:00.000Z', to: '2021-05-19T02:00:00.000Z' }]);
    expect(paths.crash).toBeNull();
  });

  it('cuts the window, keeping the candles before it for the trailing volatility and volume', () => {
    const paths = pathsFromCandles(candles(rows), { from: '2021-05-19T01:00:00Z', to: '2021-05-19T02:00:00Z', stepMinutes: 15 });
    expect(paths.times).toEqual(['2021-05-19T01:00:00.000Z', '2021-05-19T01:15:00.000Z', '2021-05-19T01:30:00.000Z', '2021-05-19T01:45:00.000Z']);
    expect(Array.from(paths.prices['BTC']!)).toEqual([103, 104, 90, 95]);
    expect(paths.dailyVolume).toEqual({ BTC: 1000, ETH: 500 });
  });

  it('counts the move since the last close as the 24th return: volatility rises while a candle falls, and does not step at the next candle', () => {
    // 25 flat hours at 100, then an hour from 100 down to 80, then flat at 80.
    const hour = (k: number) => new Date(Date.UTC(2021, 4, 18, 0) + k * 3_600_000).toISOString().replace('.000Z', 'Z');
    const flat = Array.from({ length: 25 }, (_, k) => `${hour(k)},BTC,100,100,100,100,1`);
    const rows = [...flat, `${hour(25)},BTC,100,100,80,80,1`, `${hour(26)},BTC,80,80,80,80,1`];
    const paths = pathsFromCandles(candles(rows), { from: hour(25), stepMinutes: 15 });
    expect(Array.from(paths.prices['BTC']!)).toEqual([100, 100, 80, 80, 80, 80, 80, 80]);
    // 23 zero returns and one of x = ln 0.8: sample variance x²/24, annualised by 24 × 365.
    const fallen = (Math.abs(Math.log(0.8)) / Math.sqrt(24)) * Math.sqrt(24 * 365);
    const vols = Array.from(paths.volatilities['BTC']!);
    expect(vols[0]).toBe(0.05); // nothing has moved: the floor
    expect(vols[1]).toBe(0.05);
    expect(vols[2]).toBeCloseTo(fallen, 12); // the fall, seen when the price is there
    expect(vols[3]).toBeCloseTo(fallen, 12);
    expect(vols[4]).toBeCloseTo(fallen, 12); // the next candle: the same returns, completed now
  });

  it('annualises the trailing volatility of the last 24 hourly returns', () => {
    // Closes alternate 100 and 110: every log return is ±ln(1.1), sample variance 24/23 · ln(1.1)² about a mean near 0.
    const zigzag = Array.from({ length: 26 }, (_, k) => {
      const t = new Date(Date.UTC(2021, 4, 18, 0) + k * 3_600_000).toISOString().replace('.000Z', 'Z');
      const c = k % 2 === 0 ? 100 : 110;
      return `${t},BTC,${c},${c},${c},${c},1`;
    });
    const paths = pathsFromCandles(candles(zigzag), { from: '2021-05-19T01:00:00Z', stepMinutes: 15 });
    const r = Math.log(1.1);
    const returns = Array.from({ length: 24 }, (_, k) => (k % 2 === 0 ? -r : r)); // closes 1..25 before 01:00 on the 19th: 110, 100, …
    const mean = returns.reduce((a, b) => a + b, 0) / 24;
    const variance = returns.reduce((a, x) => a + (x - mean) ** 2, 0) / 23;
    expect(paths.volatilities['BTC']![0]).toBeCloseTo(Math.sqrt(variance * 24 * 365), 12);
  });

  it('refuses a step that does not divide the candle into at least 4 re-assessments, and an empty window', () => {
    expect(() => pathsFromCandles(candles(rows), { stepMinutes: 7 })).toThrow(RangeError);
    expect(() => pathsFromCandles(candles(rows), { stepMinutes: 20 })).toThrow(RangeError);
    expect(() => pathsFromCandles(candles(rows), { from: '2022-01-01T00:00:00Z' })).toThrow(/no candle every symbol has/);
  });
});
