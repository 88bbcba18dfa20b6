/**
 * Market impact of liquidations (docs/replay.md, "Impact"): the square-root law
 *
 *   ΔP / P = −sign(Q) · Y · σ_daily · √(|Q| / V_daily)
 *
 * for a metaorder of notional Q sold (negative: bought) against a market that trades
 * V_daily a day with daily volatility σ_daily (Donier & Bonart, "A million metaorder
 * analysis of market impact on the Bitcoin", 2015: the law holds on BTC over four decades
 * of order size). The law is the impact of the whole metaorder, however it is split: so
 * each policy's liquidations are one running metaorder per underlying, its size the
 * decayed sum of what they sold (half-life: the market's memory), and the price offset is
 * the law applied to that sum. Selling Q at once or in ten pieces in a row moves the price
 * the same; pieces spread out in time move it less, as the memory fades.
 */

export interface ImpactParams {
  /** The law's constant Y, of order 1. Default 1. */
  readonly y: number;
  /** Half-life of the market's memory of a liquidation's flow, in minutes. Default 30. */
  readonly halfLifeMinutes: number;
}

export const DEFAULT_IMPACT: ImpactParams = { y: 1, halfLifeMinutes: 30 };

/**
 * Relative price move of a metaorder: negative for a sale (`notional` > 0 sold), positive
 * for a buy (`notional` < 0). Zero when the market has no volume on record (no estimate).
 */
export function impactOf(notional: number, dailyVolume: number, dailyVolatility: number, y: number): number {
  if (!(dailyVolume > 0) || notional === 0) return 0;
  return -Math.sign(notional) * y * dailyVolatility * Math.sqrt(Math.abs(notional) / dailyVolume);
}

/**
 * What selling `flow` (negative: buying) costs against the historical price when `before` was
 * already sold at a constant volatility: the integral of the offset over the sale,
 * Y·σ/√V · ⅔ · (|before + flow|^{3/2} − |before|^{3/2}) (a sale walks the price down as it goes:
 * on its own it fills on average at ⅔ of its final impact). Negative when the flow unwinds
 * earlier selling (buying back a price it pushed down). `ImpactState.costOf` is the general case.
 */
export function impactCost(before: number, flow: number, dailyVolume: number, dailyVolatility: number, y: number): number {
  return costOnTop(before, impactOf(before, dailyVolume, dailyVolatility, y), flow, dailyVolume, dailyVolatility, y);
}

/**
 * The cost of `flow` on top of a metaorder of `before` whose impact is `offset` now: it fills
 * at the offset, plus the law's increment from `before` to `before + flow` at today's volatility,
 * integrated over the sale: −flow·offset + Y·σ/√V · (⅔(|b + f|^{3/2} − |b|^{3/2}) − f·sign(b)·√|b|).
 */
function costOnTop(before: number, offset: number, flow: number, dailyVolume: number, dailyVolatility: number, y: number): number {
  if (!(dailyVolume > 0) || flow === 0) return 0;
  const k = (y * dailyVolatility) / Math.sqrt(dailyVolume);
  const walk = (2 / 3) * (Math.abs(before + flow) ** 1.5 - Math.abs(before) ** 1.5) - flow * Math.sign(before) * Math.sqrt(Math.abs(before));
  return -flow * offset + k * walk;
}

interface Metaorder {
  /** Decayed notional sold so far (negative: bought), USD. */
  size: number;
  /** The relative price offset it makes now (negative: pushed down). */
  offset: number;
}

/**
 * The running metaorder of one policy in each underlying, and the price offset it makes.
 * Each trade moves the offset by the law's increment at the volatility of its time; the offset
 * of earlier trades fades with the metaorder (as √ of its size) and is not re-priced when the
 * volatility changes later. At a constant volatility the offset is the law applied to the size.
 */
export class ImpactState {
  private readonly orders = new Map<string, Metaorder>();

  constructor(readonly params: ImpactParams = DEFAULT_IMPACT) {}

  /** Lets `minutes` pass: the market forgets, every metaorder's size decays, and its offset as the square root of it. */
  advance(minutes: number): void {
    if (minutes <= 0) return;
    const keep = 0.5 ** (minutes / this.params.halfLifeMinutes);
    const keepOffset = Math.sqrt(keep);
    for (const order of this.orders.values()) {
      order.size *= keep;
      order.offset *= keepOffset;
    }
  }

  /** Adds `notional` sold (negative: bought) in `symbol` to its metaorder, against the market's current volume and volatility. */
  trade(symbol: string, notional: number, dailyVolume: number, dailyVolatility: number): void {
    const order = this.orders.get(symbol) ?? { size: 0, offset: 0 };
    const { y } = this.params;
    order.offset += impactOf(order.size + notional, dailyVolume, dailyVolatility, y) - impactOf(order.size, dailyVolume, dailyVolatility, y);
    order.size += notional;
    this.orders.set(symbol, order);
  }

  /** What selling `flow` (negative: buying) in `symbol` now costs against the historical price: the offset integrated over the sale. */
  costOf(symbol: string, flow: number, dailyVolume: number, dailyVolatility: number): number {
    const order = this.orders.get(symbol);
    return costOnTop(order?.size ?? 0, order?.offset ?? 0, flow, dailyVolume, dailyVolatility, this.params.y);
  }

  /** The decayed notional sold in `symbol` so far (0 when none). */
  sizeOf(symbol: string): number {
    return this.orders.get(symbol)?.size ?? 0;
  }

  /** The relative price offset the metaorder in `symbol` makes now (negative: pushed down). */
  offsetOf(symbol: string): number {
    return this.orders.get(symbol)?.offset ?? 0;
  }

  /** Whether any trade has moved any price (a policy that never traded sees the historical market). */
  get moved(): boolean {
    for (const order of this.orders.values()) if (order.offset !== 0) return true;
    return false;
  }

  /** The price a policy sees: the historical one moved by the offset (never below 1% of it). */
  priceOf(symbol: string, historical: number): number {
    return historical * Math.max(0.01, 1 + this.offsetOf(symbol));
  }
}

/** Daily volatility from hourly closes: the standard deviation of hourly log returns × √24. */
export function dailyVolatility(hourlyCloses: readonly number[]): number {
  const n = hourlyCloses.length - 1;
  if (n < 2) return 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 1; i <= n; i++) {
    const r = Math.log(hourlyCloses[i]! / hourlyCloses[i - 1]!);
    sum += r;
    sumSq += r * r;
  }
  const variance = (sumSq - (sum * sum) / n) / (n - 1);
  return Math.sqrt(Math.max(0, variance) * 24);
}
