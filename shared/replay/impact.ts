/**
 * Market impact of liquidations (issue 12): the square-root law
 *
 *   ΔP / P = −sign · Y · σ_daily · √(Q / V_daily)
 *
 * for a trade of notional Q against a market that trades V_daily a day with daily
 * volatility σ_daily (Donier & Bonart, "A million metaorder analysis of market impact on
 * the Bitcoin", 2015: the law holds on BTC over four decades of order size). Sales push the
 * price down, buy-backs up. Impact then decays exponentially with a half-life, so each
 * policy sees the market its own liquidations make on top of the historical path.
 */

export interface ImpactParams {
  /** The law's constant Y, of order 1. Default 1. */
  readonly y: number;
  /** Half-life of an impact, in minutes. Default 30. */
  readonly halfLifeMinutes: number;
}

export const DEFAULT_IMPACT: ImpactParams = { y: 1, halfLifeMinutes: 30 };

/**
 * Relative price move of one trade: negative for a sale (`notional` > 0 sold), positive
 * for a buy (`notional` < 0). Zero when the market has no volume on record (no estimate).
 */
export function impactOf(notional: number, dailyVolume: number, dailyVolatility: number, y: number): number {
  if (!(dailyVolume > 0) || notional === 0) return 0;
  return -Math.sign(notional) * y * dailyVolatility * Math.sqrt(Math.abs(notional) / dailyVolume);
}

/**
 * The impact a policy has left on each underlying: a relative offset to the historical
 * price, decaying by half every `halfLifeMinutes`, to which each new trade's impact adds.
 */
export class ImpactState {
  private readonly offsets = new Map<string, number>();
  private at = 0;

  constructor(private readonly params: ImpactParams = DEFAULT_IMPACT) {}

  /** Lets `minutes` pass: every offset decays. */
  advance(minutes: number): void {
    if (minutes <= 0) return;
    const keep = Math.pow(0.5, minutes / this.params.halfLifeMinutes);
    for (const [symbol, offset] of this.offsets) this.offsets.set(symbol, offset * keep);
    this.at += minutes;
  }

  /** Records a trade of `notional` sold (negative: bought) in `symbol`. */
  trade(symbol: string, notional: number, dailyVolume: number, dailyVolatility: number): void {
    const impact = impactOf(notional, dailyVolume, dailyVolatility, this.params.y);
    this.offsets.set(symbol, (this.offsets.get(symbol) ?? 0) + impact);
  }

  /** The relative offset this policy's trades left on `symbol` (negative: pushed down). */
  offsetOf(symbol: string): number {
    return this.offsets.get(symbol) ?? 0;
  }

  /** Whether any trade has moved any price (a policy that never traded sees the historical market). */
  get moved(): boolean {
    for (const offset of this.offsets.values()) if (offset !== 0) return true;
    return false;
  }

  /** The price a policy sees: the historical one moved by the offset (never below 1% of it). */
  priceOf(symbol: string, historical: number): number {
    return historical * Math.max(0.01, 1 + (this.offsets.get(symbol) ?? 0));
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
