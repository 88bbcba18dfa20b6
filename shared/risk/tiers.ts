import type { RiskProfile } from './profile-schema.ts';

/** Liquidation tiers, healthiest first (docs/liquidation.md). */
export const TIERS = ['healthy', 'warning', 'tier1', 'tier2', 'tier3', 'insolvent'] as const;
export type Tier = (typeof TIERS)[number];

/** equity / maintenance margin, or null when there is no requirement (or one too small to divide by). */
export function marginRatioOf(equity: number, maintenance: number): number | null {
  const ratio = equity / maintenance;
  return maintenance > 0 && Number.isFinite(ratio) ? ratio : null;
}

/**
 * The tier of an account. Checked from the worst down, so the tier can only
 * improve as equity grows with the requirement fixed. `cannotOwe` marks an account that
 * cannot lose more than its equity (docs/margin.md, "Accounts that are never liquidated"):
 * liquidating it protects no one, so it is at worst `warning`, still by equity against IM.
 */
export function classifyTier(
  equity: number,
  maintenance: number,
  initial: number,
  tiers: RiskProfile['tiers'],
  cannotOwe = false,
): Tier {
  if (cannotOwe) return equity < initial ? 'warning' : 'healthy';
  // Negative equity is bad debt whatever else; zero equity is insolvent only with risk open.
  if (equity < 0 || (equity === 0 && maintenance > 0)) return 'insolvent';
  const ratio = marginRatioOf(equity, maintenance);
  if (ratio !== null) {
    if (ratio < tiers.tier3) return 'tier3';
    if (ratio < tiers.tier2) return 'tier2';
    if (ratio < tiers.tier1) return 'tier1';
  }
  return equity < initial ? 'warning' : 'healthy';
}

/** Severity rank: 0 healthy … 5 insolvent. */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

/** Whether the tier carries a liquidation (tier1 and worse). */
export function liquidationDue(tier: Tier): boolean {
  return tierRank(tier) >= tierRank('tier1');
}

/**
 * The tier to report after `previous`: a worse tier at once, a better one only when
 * the account would be there even with `hysteresis` × MM less equity (and the initial
 * margin raised by the same share), so an account hovering at a boundary stays put.
 * `cannotOwe` as for `classifyTier`.
 */
export function alertTier(
  previous: Tier | null,
  equity: number,
  maintenance: number,
  initial: number,
  tiers: RiskProfile['tiers'],
  hysteresis: number,
  cannotOwe = false,
): Tier {
  const current = classifyTier(equity, maintenance, initial, tiers, cannotOwe);
  if (previous === null || tierRank(current) >= tierRank(previous)) return current;
  const damped = classifyTier(equity - hysteresis * maintenance, maintenance, initial * (1 + hysteresis), tiers, cannotOwe);
  return tierRank(damped) < tierRank(previous) ? damped : previous;
}
