import { assess } from '../risk/assess.ts';
import { findProfile, DEFAULT_PROFILE_NAME } from '../risk/profiles.ts';
import type { RiskProfile } from '../risk/profile.ts';
import { alertTier, type Tier } from '../risk/tiers.ts';
import type { Assessment } from '../schemas/assessment.ts';
import { SnapshotSchema, type AccountBook } from '../schemas/snapshot.ts';
import { validate } from '../schemas/validate.ts';
import type { AccountAssessmentSummary } from '../store/accounts.ts';
import type { MarketData } from '../store/market.ts';

/** The profile whose market rules (staleness, price moves) apply to a tenant's market data. */
export const MARKET_PROFILE: RiskProfile = findProfile(DEFAULT_PROFILE_NAME)!;

/** Why market data cannot be used for a sweep, or null when it can. */
export function marketProblem(market: MarketData | undefined, now: Date): 'market_missing' | 'market_stale' | null {
  if (!market) return 'market_missing';
  const ageSeconds = (now.getTime() - Date.parse(market.asOf)) / 1000;
  return ageSeconds > MARKET_PROFILE.market.maxAgeSeconds ? 'market_stale' : null;
}

/** A registered account assessed at `now` with the tenant's market. Throws InvalidInputError when the market lacks one of its assets. */
export function assessAccount(accountId: string, book: AccountBook, market: MarketData, now: Date, id: string): Promise<Assessment> {
  const snapshot = validate(SnapshotSchema, { accountId, asOf: now.toISOString(), ...book, market: market.market });
  return assess(snapshot, { id });
}

export function summaryOf(a: Assessment, assessmentId: string | null): AccountAssessmentSummary {
  return {
    assessmentId,
    asOf: a.asOf,
    tier: a.tier,
    marginRatio: a.marginRatio,
    equity: a.equity,
    maintenanceMargin: a.maintenanceMargin,
    initialMargin: a.initialMargin,
  };
}

/** The tier to report for `a` after `previous`, with the profile's hysteresis. */
export function reportedTier(a: Assessment, previous: Tier | null): Tier {
  const profile = findProfile(a.profile)!;
  // The same rule as the assessment's own tier (docs/margin.md): long options and no debt are never liquidated.
  const cannotOwe =
    a.positions.every((p) => p.quantity === 0 || (p.quantity > 0 && p.instrument.type === 'option')) && a.collateral.every((c) => c.amount >= 0);
  return alertTier(previous, a.equity, a.maintenanceMargin, a.initialMargin, profile.tiers, profile.alerts.hysteresis, cannotOwe);
}
