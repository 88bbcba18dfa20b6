import type { z } from 'zod';
import type { LiquidationPrices } from '../schemas/assessment.ts';
import type { NextTierPriceSchema } from '../schemas/summaries.ts';
import type { Tier } from './tiers.ts';

/** The nearest price at which an account enters the next liquidation level worse than its own tier (its schema describes the fields). */
export type NextTierPrice = z.infer<typeof NextTierPriceSchema>;

/** The liquidation level after each tier, among those the liquidation prices give (tier1, tier3); none after tier3. */
const NEXT_LEVEL: Readonly<Record<Tier, 'tier1' | 'tier3' | null>> = {
  healthy: 'tier1',
  warning: 'tier1',
  tier1: 'tier3',
  tier2: 'tier3',
  tier3: null,
  insolvent: null,
};

/**
 * From an assessment's tier and liquidation prices: the nearest price (the smallest
 * |move|, over every underlying and both directions) at which the account enters the next
 * liquidation level worse than `tier` — tier1 for a healthy or warning account, tier3 for
 * one in tier1 or tier2. Null for tier3 and insolvent accounts, and when no underlying
 * reaches that level within the liquidation prices' search range. On a tie the first found
 * wins: underlyings in the map's order, down before up.
 */
export function nextTierPrice(tier: Tier, prices: Readonly<Record<string, LiquidationPrices>>): NextTierPrice | null {
  const level = NEXT_LEVEL[tier];
  if (level === null) return null;
  let nearest: NextTierPrice | null = null;
  for (const [underlying, p] of Object.entries(prices)) {
    for (const price of [p.down[level], p.up[level]]) {
      if (price === null || !(p.price > 0)) continue;
      const move = price / p.price - 1;
      if (nearest === null || Math.abs(move) < Math.abs(nearest.move)) nearest = { underlying, tier: level, price, move };
    }
  }
  return nearest;
}
