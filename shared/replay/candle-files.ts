import { CandleFileError, guardCandles, parseCandles, type Candle, type RejectedPrice } from './candles.ts';

/**
 * Candle files into one series per underlying, through the replay's loader: parsed strictly
 * (line and column on any error) and guarded like pushed market data, so a feed error (the
 * BTC file opens at four times its close) is not backtested as a −75% move. Pure: the
 * caller reads the files.
 */

export interface PriceFile {
  /** Name used in messages (the path as given). */
  readonly source: string;
  readonly text: string;
}

export interface Underlyings {
  /** Guarded candles per symbol, in order of first appearance. */
  readonly candles: ReadonlyMap<string, readonly Candle[]>;
  /** Prices the guard refused, per symbol, with their file. */
  readonly rejected: readonly (RejectedPrice & { readonly source: string })[];
  /** Rows whose quote volume was "nan", read as 0 (see missingVolumesAsZero). */
  readonly missingVolumes: readonly { readonly source: string; readonly line: number }[];
}

/**
 * `maxMove` is the profile's `market.maxPriceMove` (30% by default). One symbol may come
 * from one file only: two files of the same underlying would interleave two histories.
 */
export function loadUnderlyings(files: readonly PriceFile[], maxMove: number): Underlyings {
  const candles = new Map<string, Candle[]>();
  const origin = new Map<string, number>();
  const rejected: (RejectedPrice & { source: string })[] = [];
  const missingVolumes: { source: string; line: number }[] = [];
  files.forEach((file, index) => {
    const { text, lines } = missingVolumesAsZero(file.text);
    missingVolumes.push(...lines.map((line) => ({ source: file.source, line })));
    const parsed = parseCandles(text, file.source);
    if (parsed.length === 0) throw new CandleFileError(file.source, 2, null, 'no candles after the header');
    const guarded = guardCandles(parsed, maxMove);
    rejected.push(...guarded.rejected.map((r) => ({ ...r, source: file.source })));
    for (const c of guarded.candles) {
      const from = origin.get(c.symbol);
      if (from !== undefined && from !== index) throw new CandleFileError(file.source, c.line, 'symbol', `${c.symbol} is already given by ${files[from]!.source}: one file per underlying`);
      origin.set(c.symbol, index);
      let list = candles.get(c.symbol);
      if (!list) candles.set(c.symbol, (list = []));
      list.push(c);
    }
  });
  return { candles, rejected, missingVolumes };
}

/**
 * The one departure from the strict loader: a quote volume of "nan" (the source's way of
 * saying it has none; the ETH file has one, line 19485) is read as 0, which is what the
 * format documents for a missing volume (../shared/data/prices/README.md). The backtest
 * reads no volume, so refusing ~1,400 days of prices over it would test nothing. Only
 * when quote_volume is the last column (then it is the text after the last comma);
 * lines keep their numbers, and every other cell is still checked by parseCandles.
 */
export function missingVolumesAsZero(text: string): { text: string; lines: number[] } {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const header = firstLine.split(',').map((h) => h.trim());
  if (header[header.length - 1] !== 'quote_volume') return { text, lines: [] };
  const lines: number[] = [];
  const rows = text.split('\n');
  for (let k = 1; k < rows.length; k++) {
    const replaced = rows[k]!.replace(/,[ \t]*nan[ \t]*(\r?)$/i, ',0$1');
    if (replaced !== rows[k]) {
      rows[k] = replaced;
      lines.push(k + 1);
    }
  }
  return lines.length ? { text: rows.join('\n'), lines } : { text, lines };
}
