import { describe, expect, it } from 'vitest';
import { CandleFileError } from './candles.ts';
import { loadUnderlyings, missingVolumesAsZero } from './candle-files.ts';

const HEADER = 'time,symbol,open,high,low,close,quote_volume';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');
const row = (hour: number, symbol = 'BTC', close = 100, volume = '1') => `2020-03-12T${String(hour).padStart(2, '0')}:00:00Z,${symbol},${close},${close},${close},${close},${volume}`;

function failure(fn: () => unknown): [number, string | null, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof CandleFileError) return [e.line, e.column, e.message];
    throw e;
  }
  throw new Error('loaded');
}

describe('loading candle files for the backtest', () => {
  it('groups by symbol, one file per underlying, through the guard', () => {
    const u = loadUnderlyings(
      [
        { source: 'btc.csv', text: csv(row(0), row(1, 'BTC', 101), row(2, 'BTC', 500), row(3, 'BTC', 102)) },
        { source: 'eth.csv', text: csv(row(0, 'ETH', 10), row(1, 'ETH', 11)) },
      ],
      0.3,
    );
    expect([...u.candles.keys()]).toEqual(['BTC', 'ETH']);
    expect(u.candles.get('BTC')!.map((c) => c.close)).toEqual([100, 101, 101, 102]);
    // A 500 among 100s is refused (open, high, close; the low equals them and is refused first).
    expect(u.rejected.map((r) => [r.source, r.line])).toEqual(Array.from({ length: 4 }, () => ['btc.csv', 4]));
    expect(u.missingVolumes).toEqual([]);
  });

  it('names the file, line and column of a bad row (the replay loader, unchanged)', () => {
    expect(failure(() => loadUnderlyings([{ source: 'f.csv', text: csv(row(0), '2020-03-12T01:00:00Z,BTC,1,1,1,abc,1') }], 0.3))).toEqual([3, 'close', expect.stringContaining('f.csv:3 (close)')]);
    expect(failure(() => loadUnderlyings([{ source: 'f.csv', text: csv(row(0), row(1, 'BTC', 100, '-3')) }], 0.3))).toEqual([3, 'quote_volume', expect.stringContaining('non-negative')]);
    expect(failure(() => loadUnderlyings([{ source: 'f.csv', text: '' }], 0.3))).toEqual([1, 'time', expect.stringContaining('missing column')]);
    expect(failure(() => loadUnderlyings([{ source: 'f.csv', text: `${HEADER}\n` }], 0.3))).toEqual([2, null, expect.stringContaining('no candles')]);
  });

  it('refuses the same underlying from two files', () => {
    const files = [
      { source: 'a.csv', text: csv(row(0)) },
      { source: 'b.csv', text: csv(row(5, 'ETH'), row(6)) },
    ];
    expect(failure(() => loadUnderlyings(files, 0.3))).toEqual([3, 'symbol', expect.stringContaining('BTC is already given by a.csv')]);
  });

  it('reads a "nan" volume (the ETH file, line 19485) as 0 and says where', () => {
    const text = csv(row(0), row(1, 'BTC', 100, 'nan'), row(2, 'BTC', 100, 'NaN\r'));
    expect(missingVolumesAsZero(text)).toEqual({ text: csv(row(0), row(1, 'BTC', 100, '0'), row(2, 'BTC', 100, '0\r')), lines: [3, 4] });
    const u = loadUnderlyings([{ source: 'f.csv', text }], 0.3);
    expect(u.missingVolumes).toEqual([{ source: 'f.csv', line: 3 }, { source: 'f.csv', line: 4 }]);
    expect(u.candles.get('BTC')!.map((c) => c.quoteVolume)).toEqual([1, 0, 0]);
    // Only the volume column: a "nan" price is still refused, and so is a volume column elsewhere.
    expect(failure(() => loadUnderlyings([{ source: 'f.csv', text: csv('2020-03-12T00:00:00Z,BTC,1,1,1,nan,1') }], 0.3))).toEqual([2, 'close', expect.any(String)]);
    const moved = 'quote_volume,time,symbol,open,high,low,close\nnan,2020-03-12T00:00:00Z,BTC,1,1,1,1';
    expect(missingVolumesAsZero(moved)).toEqual({ text: moved, lines: [] });
  });
});
