import { describe, expect, it } from 'vitest';
import type { Candle } from '../replay/candles.ts';
import type { VolatilityForecaster } from '../risk/volatility/forecaster.ts';
import { backtest, HOUR_MS } from './backtest.ts';
import { backtestChartSvg } from './svg.ts';

const T0 = Date.parse('2020-01-01T00:00:00Z');
const closes = [100, 100, 100, 120, 120, 96, 96, 97, 60, 60, 61];
const candles: Candle[] = closes.flatMap((close, d) =>
  Array.from({ length: 24 }, (_, h) => ({ time: T0 + (d * 24 + h) * HOUR_MS, symbol: 'ETH', open: close, high: close, low: close, close, quoteVolume: 0, line: d * 24 + h + 2 })),
);
const flat: VolatilityForecaster = { name: 'flat', forecast: (r) => (r.length < 2 ? null : { longRange: 0.125, shortRange: 0.125, sigma: 0.05, observations: r.length }) };

describe('the backtest chart', () => {
  const report = backtest(candles, { forecaster: flat, staticRange: { long: 0.25, short: 0.25 } });
  const svg = backtestChartSvg(report);

  it('is one self-contained SVG with the bands, the moves and the price', () => {
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    expect(svg).not.toMatch(/<script|href=/);
    for (const text of ['realised move', 'model long (avg 12.5%)', 'model short (avg 12.5%)', 'static long (25%)', 'static short (25%)', 'ETH close']) expect(svg).toContain(text);
    expect(svg).toContain('Breaches long 2, short 1 (static 1, 0; expected 0.1)');
  });

  it('marks each breach on its point of the move line', () => {
    const path = /<path d="([^"]*)" fill="none" stroke="#7f7f7f"/.exec(svg)![1]!;
    const vertices = [...path.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => `${m[1]},${m[2]}`);
    expect(vertices.length).toBe(report.series.length);
    const marks = (kind: string) => [...svg.matchAll(new RegExp(`<circle class="breach ${kind}" cx="([\\d.-]+)" cy="([\\d.-]+)"`, 'g'))].map((m) => `${m[1]},${m[2]}`);
    const at = (pick: (i: number) => boolean) => vertices.filter((_, i) => pick(i));
    expect(marks('long')).toEqual(at((i) => report.series[i]!.longBreach));
    expect(marks('short')).toEqual(at((i) => report.series[i]!.shortBreach));
    expect(marks('static')).toEqual(at((i) => report.series[i]!.staticLongBreach || report.series[i]!.staticShortBreach));
    expect(marks('long').length).toBe(2);
    // The −38% step sits lowest on the chart (largest y).
    const lowest = vertices.reduce((a, b) => (Number(b.split(',')[1]) > Number(a.split(',')[1]) ? b : a));
    expect(marks('static')).toEqual([lowest]);
  });
});
