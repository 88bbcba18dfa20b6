import { candlePath, type Candle, type Gap } from './candles.ts';
import type { PricePaths } from './paths.ts';

/**
 * Real candles as replay paths (docs/replay.md, "Real histories"): inside each candle the
 * accounts see its open, its extremes (the one nearer the open first) and its close
 * (candlePath), at `stepMinutes` apart; a symbol missing a candle stays at its last close
 * for that candle (a gap, reported). Each point carries the underlying's trailing
 * volatility as it stands at that point: annualised from the last 24 candle returns, the
 * 23 completed before its candle and the move since the last close (so a crash inside a
 * candle lifts volatility as it happens, not one candle later in a single step).
 */

export interface HistoryWindow {
  /** First candle to replay (ISO 8601, inclusive); default the first every symbol has. */
  readonly from?: string | undefined;
  /** End of the replay (ISO 8601, exclusive); default after the last candle every symbol has. */
  readonly to?: string | undefined;
  /** Minutes between re-assessments; a candle must hold at least 4 of them. Default 1. */
  readonly stepMinutes?: number | undefined;
}

export interface HistoryPaths extends PricePaths {
  /** Candles missing inside the window, per symbol (the price is held flat over them). */
  readonly gaps: readonly Gap[];
  /** Daily traded value (quote volume) of each symbol over the 24 candles before the window, USD: what impact is sized against. */
  readonly dailyVolume: Readonly<Record<string, number>>;
}

const MINUTE = 60_000;
/** Volatility of an underlying with no trailing history yet (annualised). */
const FALLBACK_VOLATILITY = 0.8;

export function pathsFromCandles(candles: readonly Candle[], window: HistoryWindow = {}): HistoryPaths {
  const stepMinutes = window.stepMinutes ?? 1;
  const bySymbol = new Map<string, Candle[]>();
  for (const c of candles) (bySymbol.get(c.symbol) ?? bySymbol.set(c.symbol, []).get(c.symbol)!).push(c);
  if (bySymbol.size === 0) throw new RangeError('no candles to replay');
  const symbols = [...bySymbol.keys()].sort((a, b) => (a === 'BTC' ? -1 : b === 'BTC' ? 1 : a.localeCompare(b)));
  for (const list of bySymbol.values()) list.sort((a, b) => a.time - b.time);

  const period = periodOf(bySymbol);
  const perCandle = period / (stepMinutes * MINUTE);
  if (!Number.isInteger(perCandle) || perCandle < 4) throw new RangeError(`--every must divide the candle period (${period / MINUTE} min) into at least 4 steps`);
  const first = Math.max(...[...bySymbol.values()].map((l) => l[0]!.time));
  const last = Math.min(...[...bySymbol.values()].map((l) => l.at(-1)!.time));
  const from = align(window.from === undefined ? first : Math.max(first, Date.parse(window.from)), first, period, Math.ceil);
  const to = window.to === undefined ? last + period : Math.min(last + period, Date.parse(window.to));
  const count = Math.floor((to - from) / period);
  if (!(count >= 1)) throw new RangeError(`the window holds no candle every symbol has (their candles overlap from ${iso(first)} to ${iso(last + period)})`);

  const points = count * perCandle;
  const times = Array.from({ length: points }, (_, k) => iso(from + k * stepMinutes * MINUTE));
  const prices: Record<string, Float64Array> = {};
  const volatilities: Record<string, Float64Array> = {};
  const dailyVolume: Record<string, number> = {};
  const gaps: Gap[] = [];
  for (const symbol of symbols) {
    const list = bySymbol.get(symbol)!;
    const at = new Map(list.map((c) => [c.time, c]));
    const p = (prices[symbol] = new Float64Array(points));
    const v = (volatilities[symbol] = new Float64Array(points));
    const closes = list.filter((c) => c.time < from).map((c) => c.close);
    dailyVolume[symbol] = list.filter((c) => c.time < from && c.time >= from - 24 * 3_600_000).reduce((s, c) => s + c.quoteVolume, 0);
    let previousClose = closes.at(-1) ?? list.find((c) => c.time >= from)!.open;
    let gapStart: number | null = null;
    for (let n = 0; n < count; n++) {
      const t = from + n * period;
      const c = at.get(t);
      const segment = c ? candlePath(c, perCandle) : new Float64Array(perCandle).fill(previousClose);
      const trailing = trailingReturns(closes);
      if (!c && gapStart === null) gapStart = t;
      if (c && gapStart !== null) {
        gaps.push({ symbol, from: iso(gapStart - period), to: iso(t) });
        gapStart = null;
      }
      p.set(segment, n * perCandle);
      for (let j = 0; j < perCandle; j++) v[n * perCandle + j] = annualised(trailing, Math.log(segment[j]! / previousClose), period);
      previousClose = c ? c.close : previousClose;
      closes.push(previousClose);
    }
    if (gapStart !== null) gaps.push({ symbol, from: iso(gapStart - period), to: iso(to) });
  }
  return { seed: 0, start: times[0]!, stepMinutes, steps: points - 1, times, symbols, prices, volatilities, crash: null, gaps, dailyVolume };
}

/** The candle period: the smallest spacing between consecutive candles of any symbol. */
function periodOf(bySymbol: ReadonlyMap<string, readonly Candle[]>): number {
  let period = Infinity;
  for (const list of bySymbol.values()) for (let k = 1; k < list.length; k++) period = Math.min(period, list[k]!.time - list[k - 1]!.time);
  if (!Number.isFinite(period)) throw new RangeError('every symbol needs at least two candles');
  return period;
}

/** Returns in a volatility window: 24 candles (hourly candles: a day). */
const WINDOW = 24;

/** The log returns of the last WINDOW − 1 completed candles. */
function trailingReturns(closes: readonly number[]): number[] {
  const recent = closes.slice(-WINDOW);
  return recent.slice(1).map((c, k) => Math.log(c / recent[k]!));
}

/** Annualised sample volatility of `completed` returns and the current candle's move so far. */
function annualised(completed: readonly number[], current: number, period: number): number {
  if (completed.length < 2) return FALLBACK_VOLATILITY;
  const n = completed.length + 1;
  let mean = current;
  for (const r of completed) mean += r;
  mean /= n;
  let variance = (current - mean) ** 2;
  for (const r of completed) variance += (r - mean) ** 2;
  variance /= n - 1;
  const perYear = (365 * 86_400_000) / period;
  return Math.max(Math.sqrt(variance * perYear), 0.05);
}

function align(t: number, origin: number, period: number, round: (x: number) => number): number {
  return origin + round((t - origin) / period) * period;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
