import { assessSnapshot, assertProfileAccepts, validSnapshot } from '../engine.ts';
import { assessLadder, type Ladder, type LadderGrid } from '../risk/ladder.ts';
import { nextTierPrice } from '../risk/next-tier-price.ts';
import { findProfile, DEFAULT_PROFILE_NAME, type ProfileResolver } from '../risk/built-in-profiles.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import type { RangeForecast } from '../risk/volatility/forecaster.ts';
import { alertTier, type Tier } from '../risk/tiers.ts';
import type { Assessment } from '../schemas/assessment.ts';
import { InvalidInputError } from '../schemas/errors.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import type { AccountAssessmentSummary } from '../schemas/summaries.ts';
import type { AssessmentError } from '../store/accounts.ts';
import { RiskError } from '../risk/errors.ts';
import type { MarketData } from '../store/market.ts';

/** The profile whose market rules (staleness, price moves) apply to a tenant's market data. */
export const MARKET_PROFILE: RiskProfile = findProfile(DEFAULT_PROFILE_NAME)!;

/** Why market data cannot be used for a sweep, or null when it can. */
export function marketProblem(market: MarketData | undefined, now: Date): 'market_missing' | 'market_stale' | null {
  if (!market) return 'market_missing';
  const ageSeconds = (now.getTime() - Date.parse(market.asOf)) / 1000;
  return ageSeconds > MARKET_PROFILE.market.maxAgeSeconds ? 'market_stale' : null;
}

/**
 * The risk profile `book` names, resolved for its tenant, with the book checked against it
 * (collateral it accepts; with a market, every asset priced). Throws InvalidInputError
 * naming `profile` when no profile has that name, or each failing collateral entry.
 */
export async function profileFor(
  resolve: ProfileResolver,
  book: { readonly profile: string; readonly collateral: readonly { readonly asset: string }[]; readonly market?: Readonly<Record<string, unknown>> },
): Promise<RiskProfile> {
  const profile = await resolve(book.profile);
  if (!profile) throw new InvalidInputError([{ field: 'profile', message: `unknown risk profile "${book.profile}": a built-in one or one of this tenant's (GET /v1/risk-profiles)` }]);
  assertProfileAccepts(book, profile);
  return profile;
}

/** The snapshot of a registered account at `now` with the tenant's market, unvalidated. */
function accountSnapshot(accountId: string, book: AccountBook, market: MarketData, now: Date) {
  return { accountId, asOf: now.toISOString(), ...book, market: market.market };
}

/**
 * A registered account assessed at `now` with the tenant's market and its resolved risk
 * profile. Throws InvalidInputError when the market lacks one of its assets or the profile
 * does not accept its collateral.
 */
export async function assessAccount(
  accountId: string,
  book: AccountBook,
  market: MarketData,
  now: Date,
  id: string,
  profile: RiskProfile,
  forecasts?: Readonly<Record<string, RangeForecast | null>>,
): Promise<Assessment> {
  return assessSnapshot(accountSnapshot(accountId, book, market, now), { id, profile, forecasts });
}

/**
 * The liquidation ladder (docs/api.md) of a registered account, assessed exactly as
 * assessAccount assesses it (the same snapshot, profile and forecasts). Throws as it does.
 */
export function accountLadder(
  accountId: string,
  book: AccountBook,
  market: MarketData,
  now: Date,
  profile: RiskProfile,
  forecasts: Readonly<Record<string, RangeForecast | null>> | undefined,
  grid: LadderGrid,
): Ladder {
  return assessLadder(validSnapshot(accountSnapshot(accountId, book, market, now), profile), { profile, forecasts }, grid);
}

/**
 * What an account item keeps of its latest assessment, and what a tier event carries: the
 * figures, the tier and the next tier's price; `assessmentId` the recorded assessment, or
 * null when it is not recorded.
 */
export function accountSummaryOf(a: Assessment, assessmentId: string | null): AccountAssessmentSummary {
  return {
    assessmentId,
    asOf: a.asOf,
    tier: a.tier,
    marginRatio: a.marginRatio,
    equity: a.equity,
    maintenanceMargin: a.maintenanceMargin,
    initialMargin: a.initialMargin,
    collateralTopUp: a.collateralTopUp,
    nextTierPrice: nextTierPrice(a.tier, a.liquidationPrices),
  };
}

/**
 * How far a stored summary's money figures may be from a new assessment's before a sweep
 * rewrites it: 1% of the maintenance margin, the same band the tier hysteresis works in
 * (`alerts.hysteresis`), with floors of 0.01% of equity and one cent.
 */
export const SUMMARY_TOLERANCE = { ofMaintenanceMargin: 0.01, ofEquity: 1e-4, absolute: 0.01 } as const;

/**
 * Whether `next` says something a reader of `stored` would not already know: no stored
 * summary, one stored before `collateralTopUp` and `nextTierPrice` existed (null top-up:
 * rewritten so they are filled), another (unhysteresised) tier, a margin ratio appearing
 * or vanishing, or equity, maintenance or initial margin moved by more than
 * SUMMARY_TOLERANCE. `asOf` and `assessmentId` alone do not count: a stored summary is the
 * latest assessment that moved a figure past the tolerance, and its `asOf` says when that
 * was. The top-up and the next tier price follow from those figures and are kept as of then.
 */
export function summaryChanged(stored: AccountAssessmentSummary | null, next: AccountAssessmentSummary): boolean {
  if (!stored || stored.collateralTopUp === null) return true;
  if (stored.tier !== next.tier || (stored.marginRatio === null) !== (next.marginRatio === null)) return true;
  const band = Math.max(
    SUMMARY_TOLERANCE.ofMaintenanceMargin * Math.abs(stored.maintenanceMargin),
    SUMMARY_TOLERANCE.ofEquity * Math.abs(stored.equity),
    SUMMARY_TOLERANCE.absolute,
  );
  return (
    !(Math.abs(next.equity - stored.equity) <= band) ||
    !(Math.abs(next.maintenanceMargin - stored.maintenanceMargin) <= band) ||
    !(Math.abs(next.initialMargin - stored.initialMargin) <= band)
  );
}

/** The tier to report for `a` (assessed with `profile`) after `previous`, with the profile's hysteresis. */
export function reportedTier(a: Assessment, previous: Tier | null, profile: RiskProfile): Tier {
  // The same rule as the assessment's own tier (docs/margin.md): long options and no debt are never liquidated.
  const cannotOwe =
    a.positions.every((p) => p.quantity === 0 || (p.quantity > 0 && p.instrument.type === 'option')) && a.collateral.every((c) => c.amount >= 0);
  return alertTier(previous, a.equity, a.maintenanceMargin, a.initialMargin, profile.tiers, profile.alerts.hysteresis, cannotOwe);
}

/** Why `error` (thrown by assessAccount) means the account cannot be assessed now, for the account and its event; undefined for any other error. */
export function unassessable(error: unknown, now: Date): AssessmentError | undefined {
  if (error instanceof InvalidInputError) return { reason: error.message, errors: [...error.issues], since: now.toISOString() };
  if (error instanceof RiskError) return { reason: error.message, errors: [{ field: error.field ?? '(book)', message: error.message }], since: now.toISOString() };
  return undefined;
}
