import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { candlePath, CandleFileError, gapsOf, guardCandles, parseCandles } from './candles.ts';

const HEADER = 'time,symbol,open,high,low,close,quote_volume';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');
const fails = (text: string, symbols?: string[]) => {
  try {
    parseCandles(text, 'f.csv', symbols && new Set(symbols));
  } catch (e) {
    if (e instanceof CandleFileError) return [e.line, e.column, e.message];
    throw e;
  }
  return 'parsed';
};

describe('candle files', () => {
  it('parses the documented format, columns in any order', () => {
    const text = ['symbol,time,open,high,low,close,quote_volume', 'BTC,2020-03-12T10:00:00Z,7354.21,7367.03,5550,6014.9,191633783'].join('\n');
    expect(parseCandles(text, 'f.csv')).toEqual([
      { time: Date.parse('2020-03-12T10:00:00Z'), symbol: 'BTC', open: 7354.21, high: 7367.03, low: 5550, close: 6014.9, quoteVolume: 191633783, line: 2 },
    ]);
  });

  it('refuses a bad file naming the line and the column', () => {
    expect(fails('time,symbol,open,high,low,close\n')).toEqual([1, 'quote_volume', expect.stringContaining('missing column "quote_volume"')]);
    expect(fails(csv('2020-03-12T10:00:00Z,BTC,7354,7367,-5,6014,1'))).toEqual([2, 'low', expect.stringContaining('positive')]);
    expect(fails(csv('2020-03-12 10:00,BTC,1,1,1,1,1'))).toEqual([2, 'time', expect.stringContaining('ISO 8601')]);
    expect(fails(csv('2020-03-12T10:00:00Z,DOGE,1,1,1,1,1'), ['BTC', 'ETH'])).toEqual([2, 'symbol', expect.stringContaining('unknown symbol "DOGE"')]);
    expect(fails(csv('2020-03-12T11:00:00Z,BTC,1,1,1,1,1', '2020-03-12T10:00:00Z,BTC,1,1,1,1,1'))).toEqual([3, 'time', expect.stringContaining('ascend')]);
    expect(fails(csv('2020-03-12T10:00:00Z,BTC,1,1,1,1'))).toEqual([2, null, expect.stringContaining('6 fields')]);
    expect(fails(csv('2020-03-12T10:00:00Z,BTC,5,4,1,2,1'))).toEqual([2, 'high', expect.stringContaining('high')]);
    expect(fails(csv('2020-03-12T10:00:00Z,BTC,5,6,1,2,-1'))).toEqual([2, 'quote_volume', expect.stringContaining('non-negative')]);
  });

  it('reports gaps', () => {
    const candles = parseCandles(csv('2020-03-12T10:00:00Z,BTC,1,1,1,1,1', '2020-03-12T11:00:00Z,BTC,1,1,1,1,1', '2020-03-12T14:00:00Z,BTC,1,1,1,1,1'), 'f.csv');
    expect(gapsOf(candles, 3_600_000)).toEqual([{ symbol: 'BTC', from: '2020-03-12T11:00:00.000Z', to: '2020-03-12T14:00:00.000Z' }]);
  });
});

describe('the guard on history', () => {
  it("catches the BTC file's first row: an open four times its close", () => {
    const text = readFileSync(new URL('../../../shared/data/prices/binance-BTCUSDT-1h.csv', import.meta.url), 'utf8');
    const head = text.split('\n').slice(0, 50).join('\n');
    const { candles, rejected } = guardCandles(parseCandles(head, 'binance-BTCUSDT-1h.csv'), 0.3);
    expect(rejected).toEqual([
      { symbol: 'BTC', line: 2, column: 'open', price: 16199.9, reference: 4308.83 },
      { symbol: 'BTC', line: 2, column: 'high', price: 16199.9, reference: 4308.83 },
    ]);
    expect(candles[0]).toMatchObject({ open: 4308.83, high: 4308.83, low: 4261.32, close: 4308.83 });
    expect(rejected.length).toBe(2); // the rest of the head passes
  });

  it('keeps the previous accepted price in place of a spike and goes on', () => {
    const candles = parseCandles(csv('2020-03-12T10:00:00Z,BTC,100,101,99,100,1', '2020-03-12T11:00:00Z,BTC,100,500,99,100,1', '2020-03-12T12:00:00Z,BTC,100,102,98,101,1'), 'f.csv');
    const { candles: out, rejected } = guardCandles(candles, 0.3);
    // Low first (nearer the open), then the spike, checked against that low.
    expect(rejected).toEqual([{ symbol: 'BTC', line: 3, column: 'high', price: 500, reference: 99 }]);
    expect(out[1]).toMatchObject({ open: 100, high: 100, low: 99, close: 100 });
    expect(out[2]).toMatchObject({ high: 102, close: 101 });
  });
});

describe('the path inside a candle', () => {
  it('visits open, the extreme nearer the open, the other extreme and the close, each exactly', () => {
    // Opens near its high: falls to the low (minute 20), rises to the high (minute 40), closes (minute 59).
    const path = candlePath({ open: 7354.21, high: 7367.03, low: 5550, close: 6014.9 }, 60);
    expect([path[0], path[20], path[40], path[59]]).toEqual([7354.21, 7367.03, 5550, 6014.9]);
    expect(Math.min(...path)).toBe(5550);
    expect(Math.max(...path)).toBe(7367.03);
    // Opens near its low: the low comes first.
    const up = candlePath({ open: 101, high: 120, low: 100, close: 118 }, 60);
    expect([up[20], up[40]]).toEqual([100, 120]);
    // Linear in between.
    expect(up[30]).toBeCloseTo(110, 12);
    expect(() => candlePath({ open: 1, high: 1, low: 1, close: 1 }, 3)).toThrow(RangeError);
  });
});
