import { withinMoveLimit } from '../risk/market-guard.ts';

/**
 * Real price histories for the replay (issue 12): hourly candles in the format of
 * `../shared/data/prices/README.md` — `time,symbol,open,high,low,close,quote_volume`, ISO
 * 8601 UTC — parsed strictly, guarded like pushed market data, and bridged into a path the
 * accounts are re-assessed along. Pure: the caller reads the files.
 */

export interface Candle {
  /** Opening time, ms since the epoch. */
  readonly time: number;
  readonly symbol: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Traded value in the quote currency over the candle; 0 where the source has none. */
  readonly quoteVolume: number;
  /** 1-based line in its file, for messages. */
  readonly line: number;
}

export const CANDLE_COLUMNS = ['time', 'symbol', 'open', 'high', 'low', 'close', 'quote_volume'] as const;
type Column = (typeof CANDLE_COLUMNS)[number];

/** A file the replay refuses, with where: nothing is replayed from it. */
export class CandleFileError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: Column | null,
    detail: string,
  ) {
    super(`${source}:${line}${column ? ` (${column})` : ''}: ${detail}`);
    this.name = 'CandleFileError';
  }
}

const SYMBOL = /^[A-Z][A-Z0-9]{0,15}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

/**
 * Parses one file: the header names the columns (any order, all required), every row has
 * them all, times are ISO 8601 UTC and ascending per symbol without repeats, prices are
 * positive, high and low enclose open and close, volumes are not negative. `symbols`, when
 * given, are the only ones accepted.
 */
export function parseCandles(text: string, source: string, symbols?: ReadonlySet<string>): Candle[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0]!.split(',').map((h) => h.trim());
  for (const column of CANDLE_COLUMNS) {
    if (!header.includes(column)) throw new CandleFileError(source, 1, column, `missing column "${column}" (header: ${CANDLE_COLUMNS.join(',')})`);
  }
  const at = Object.fromEntries(CANDLE_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<Column, number>;
  const last = new Map<string, number>();
  const out: Candle[] = [];
  for (let k = 1; k < lines.length; k++) {
    const raw = lines[k]!;
    if (raw.trim() === '') continue;
    const line = k + 1;
    const cells = raw.split(',').map((c) => c.trim());
    if (cells.length !== header.length) throw new CandleFileError(source, line, null, `${cells.length} fields where the header has ${header.length}`);
    const cell = (c: Column) => cells[at[c]]!;
    const timeText = cell('time');
    const time = ISO_UTC.test(timeText) ? Date.parse(timeText) : Number.NaN;
    if (!Number.isFinite(time)) throw new CandleFileError(source, line, 'time', `"${timeText}" is not an ISO 8601 UTC time (2020-03-12T10:00:00Z)`);
    const symbol = cell('symbol');
    if (!SYMBOL.test(symbol)) throw new CandleFileError(source, line, 'symbol', `"${symbol}" is not an asset symbol`);
    if (symbols && !symbols.has(symbol)) throw new CandleFileError(source, line, 'symbol', `unknown symbol "${symbol}" (expected ${[...symbols].join(', ')})`);
    const number = (c: Column, positive: boolean) => {
      const v = Number(cell(c));
      const ok = cell(c) !== '' && Number.isFinite(v) && (positive ? v > 0 : v >= 0);
      if (!ok) throw new CandleFileError(source, line, c, `"${cell(c)}" must be a ${positive ? 'positive' : 'non-negative'} number`);
      return v;
    };
    const candle: Candle = {
      time,
      symbol,
      open: number('open', true),
      high: number('high', true),
      low: number('low', true),
      close: number('close', true),
      quoteVolume: number('quote_volume', false),
      line,
    };
    if (candle.high < Math.max(candle.open, candle.close, candle.low)) throw new CandleFileError(source, line, 'high', `high ${candle.high} is below the candle's other prices`);
    if (candle.low > Math.min(candle.open, candle.close)) throw new CandleFileError(source, line, 'low', `low ${candle.low} is above the open or the close`);
    const previous = last.get(symbol);
    if (previous !== undefined && time <= previous) {
      throw new CandleFileError(source, line, 'time', `${timeText} is not after the previous ${symbol} candle (${new Date(previous).toISOString()}): times must ascend`);
    }
    last.set(symbol, time);
    out.push(candle);
  }
  return out;
}

/** A price the guard refused: where it was, what it was, and the accepted price it was compared with. */
export interface RejectedPrice {
  readonly symbol: string;
  readonly line: number;
  readonly column: 'open' | 'high' | 'low' | 'close';
  readonly price: number;
  readonly reference: number;
}

/** A stretch with no candle for a symbol. */
export interface Gap {
  readonly symbol: string;
  /** The last candle before the gap opened at `from`; the next one opens at `to`. */
  readonly from: string;
  readonly to: string;
}

/**
 * The market endpoint's guard, applied to history: a price further than `maxMove` (the
 * profile's `market.maxPriceMove`, 30% by default) from the last accepted price is refused
 * and the accepted one is kept in its place. The first candle's reference is its own close
 * (in these feeds the open is the price most often wrong: the BTC file's first open is four
 * times its close). Returns the candles with refused prices replaced, and what was refused.
 */
export function guardCandles(candles: readonly Candle[], maxMove: number): { candles: Candle[]; rejected: RejectedPrice[] } {
  const reference = new Map<string, number>();
  const rejected: RejectedPrice[] = [];
  const out = candles.map((c) => {
    let ref = reference.get(c.symbol) ?? c.close;
    const keep = (column: RejectedPrice['column'], price: number) => {
      if (withinMoveLimit(ref, price, maxMove)) return price;
      rejected.push({ symbol: c.symbol, line: c.line, column, price, reference: ref });
      return ref;
    };
    // In path order: open, the extremes, close; each checked against the last accepted price.
    const open = keep('open', c.open);
    ref = open;
    const [first, second] = extremesInOrder(c);
    const a = keep(first, c[first]);
    ref = a;
    const b = keep(second, c[second]);
    ref = b;
    const close = keep('close', c.close);
    reference.set(c.symbol, close);
    const high = Math.max(open, a, b, close);
    const low = Math.min(open, a, b, close);
    return { ...c, open, high, low, close };
  });
  return { candles: out, rejected };
}

/**
 * The order a candle's extremes are visited in: the one nearer the open first (a candle
 * opening near its high fell to its low afterwards, most likely); on a tie, the high.
 */
export function extremesInOrder(c: Pick<Candle, 'open' | 'high' | 'low'>): ['high', 'low'] | ['low', 'high'] {
  return c.open - c.low < c.high - c.open ? ['low', 'high'] : ['high', 'low'];
}

/**
 * A candle as `steps` prices at equal intervals from its opening time: open at step 0, the
 * first extreme at ⌊steps/3⌋, the second at ⌊2·steps/3⌋, the close at the last step, linear
 * in between. So the low and the high are each seen exactly at one re-assessment, never
 * averaged away (with 1-minute steps in an hourly candle: minutes 0, 20, 40 and 59).
 */
export function candlePath(c: Pick<Candle, 'open' | 'high' | 'low' | 'close'>, steps: number): Float64Array {
  if (!Number.isInteger(steps) || steps < 4) throw new RangeError('a candle needs at least 4 steps to visit its open, high, low and close');
  const [first, second] = extremesInOrder(c);
  const anchors: Array<[number, number]> = [
    [0, c.open],
    [Math.floor(steps / 3), c[first]],
    [Math.floor((2 * steps) / 3), c[second]],
    [steps - 1, c.close],
  ];
  const out = new Float64Array(steps);
  for (let k = 0; k < anchors.length - 1; k++) {
    const [i0, p0] = anchors[k]!;
    const [i1, p1] = anchors[k + 1]!;
    for (let i = i0; i <= i1; i++) out[i] = p0 + ((p1 - p0) * (i - i0)) / (i1 - i0);
  }
  return out;
}

/** The stretches where a symbol's candles skip one or more periods of `periodMs`. */
export function gapsOf(candles: readonly Candle[], periodMs: number): Gap[] {
  const last = new Map<string, number>();
  const gaps: Gap[] = [];
  for (const c of candles) {
    const previous = last.get(c.symbol);
    if (previous !== undefined && c.time - previous > periodMs) {
      gaps.push({ symbol: c.symbol, from: new Date(previous).toISOString(), to: new Date(c.time).toISOString() });
    }
    last.set(c.symbol, c.time);
  }
  return gaps;
}
