import type { AccountHealth } from './account.ts';
import type { Book } from './book.ts';
import { accountAtPrice } from './liquidation-prices.ts';
import type { AccountState, MarginModel } from './margin/index.ts';
import { normalCdf } from './normal.ts';
import { brent } from './roots.ts';

const MINUTES_PER_YEAR = 365 * 24 * 60;

/**
 * The adaptive target (docs/liquidation.md, "Adaptive target"): the marginRatio from which
 * the worst move of any one underlying possible before the next evaluation — at the
 * profile's one-sided confidence, z·σ·√(horizon), σ the market's volatility — still leaves
 * the account at or above the tier1 threshold. The move's effect is measured on the
 * account as it is: its marginRatio falls by the share d at the worse of the two moves,
 * and the target is tier1 / (1 − d), within [targetMarginRatio, cap].
 */
export function adaptiveTarget(book: Book, model: MarginModel, state: AccountState, health: AccountHealth): number {
  const profile = book.profile;
  const a = profile.adaptiveTarget;
  const floor = profile.targetMarginRatio;
  if (!a || health.marginRatio === null || !(health.marginRatio > 0)) return floor;
  const z = quantile(a.confidence);
  let drop = 0;
  book.underlyings.forEach((_, k) => {
    const sigma = book.underlyingVolatilities[k] ?? a.defaultVolatility;
    const move = z * sigma * Math.sqrt(a.horizonMinutes / MINUTES_PER_YEAR);
    const { at } = accountAtPrice(book, model, state, health, k);
    for (const f of [Math.exp(-move), Math.exp(move)]) {
      const s = at(f);
      const ratio = s.maintenance > 0 ? s.equity / s.maintenance : Number.POSITIVE_INFINITY;
      drop = Math.max(drop, 1 - ratio / health.marginRatio!);
    }
  });
  const target = drop >= 1 ? a.cap : profile.tiers.tier1 / (1 - drop);
  return Math.min(a.cap, Math.max(floor, target));
}

/** Quantiles already solved: a profile's confidence is one of a few values, asked for at every assessment. */
const QUANTILES = new Map<number, number>();
const MAX_REMEMBERED = 64;

/** Φ⁻¹(p): the standard normal quantile, by Brent's method on the CDF (to 1e-12). */
export function quantile(p: number): number {
  let z = QUANTILES.get(p);
  if (z === undefined) {
    z = brent((x) => normalCdf(x) - p, -40, 40, 1e-12);
    if (QUANTILES.size >= MAX_REMEMBERED) QUANTILES.clear();
    QUANTILES.set(p, z);
  }
  return z;
}
