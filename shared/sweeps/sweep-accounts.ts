import { newId } from '../ids.ts';
import { DEFAULT_PROFILE_NAME, type ProfileResolver } from '../risk/built-in-profiles.ts';
import type { Assessment } from '../schemas/assessment.ts';
import { InvalidInputError } from '../schemas/errors.ts';
import type { RegisteredAccount } from '../store/accounts.ts';
import { ConflictError } from '../store/errors.ts';
import type { Stores } from '../store/index.ts';
import type { MarketData } from '../store/market.ts';
import { SWEEP_SEGMENTS } from '../store/segments.ts';
import { mergeReasons, zeroCounts, type SegmentOutcome, type SweepCounts, type UnassessableReason } from '../store/sweeps.ts';
import { assessAccount, reportedTier, summaryChanged, accountSummaryOf, unassessable } from './account-assessment.ts';
import { tierEvent, unassessableEvent } from './sweep-events.ts';
import { forecastsFor, gridSymbols } from './forecasts.ts';
import { liquidationTransition } from './liquidation-runs.ts';

/**
 * One segment of a sweep of `segments` (shared/store/segments.ts): re-assess each account
 * with the tenant's latest market and update its tier. A tier change is recorded with its
 * assessment and its event in one transaction, conditional on the account being unchanged
 * since it was read; so a retried segment finds the new tier already stored and emits
 * nothing twice. An account whose tier stays and whose stored summary still holds
 * (summaryChanged) is not written.
 */
export function sweepSegment(stores: Stores, tenantId: string, sweepId: string, segment: number, now = new Date(), segments = SWEEP_SEGMENTS): Promise<SegmentOutcome> {
  return sweepAccounts(stores, tenantId, sweepId, stores.accounts.segment(tenantId, segment, segments), now);
}

/** Re-assesses `accounts` (a segment, or the exposed accounts of one for a price sweep) as `sweepSegment` does. */
export async function sweepAccounts(stores: Stores, tenantId: string, sweepId: string, accounts: AsyncIterable<RegisteredAccount>, now = new Date()): Promise<SegmentOutcome> {
  const counts = zeroCounts();
  const failed: UnassessableReason[] = [];
  const tally: Tally = { counts, unassessable: (accountId, reason) => failed.push({ reason, accounts: 1, accountIds: [accountId] }) };
  const outcome = (): SegmentOutcome => ({ counts, unassessable: mergeReasons([failed]) });
  const market = await stores.market.get(tenantId);
  if (!market) return outcome();
  const profiles = stores.riskProfiles.resolver(tenantId);
  // Accounts are independent: keep a batch of writes in flight instead of waiting on each.
  let batch: RegisteredAccount[] = [];
  const flush = async () => {
    await Promise.all(batch.map((account) => sweepAccount(stores, tenantId, sweepId, account, market, profiles, now, tally)));
    batch = [];
  };
  for await (const account of accounts) {
    batch.push(account);
    if (batch.length === CONCURRENCY) await flush();
  }
  await flush();
  return outcome();
}

/** Accounts of a segment processed at once. */
const CONCURRENCY = 16;

/** What a segment counts as it goes. */
interface Tally {
  readonly counts: SweepCounts;
  /** An account that could not be assessed, and why. */
  unassessable(accountId: string, reason: string): void;
}

async function sweepAccount(
  stores: Stores,
  tenantId: string,
  sweepId: string,
  stored: RegisteredAccount,
  market: MarketData,
  profiles: ProfileResolver,
  now: Date,
  tally: Tally,
): Promise<void> {
  const { counts } = tally;
  counts.accounts++;
  // An account stored before the exposure index existed joins it now, so price pushes reach it.
  const account = stored.indexed ? stored : await stores.accounts.indexExposures(tenantId, stored);
  if (!account) {
    // Rewritten meanwhile (a registration, which indexes it): the next sweep sees the new book.
    counts.skipped++;
    return;
  }
  const profile = await profiles(account.book.profile ?? DEFAULT_PROFILE_NAME);
  let assessment: Assessment;
  try {
    // A profile name that resolves to nothing (registered before a rename) counts as an error, as an unpriced asset does.
    if (!profile) throw new InvalidInputError([{ field: 'profile', message: `unknown risk profile "${account.book.profile}"` }]);
    const forecasts = await forecastsFor(stores, tenantId, profile, gridSymbols(account.book, profile), now);
    assessment = await assessAccount(account.accountId, account.book, market, now, newId('asm', now.getTime()), profile, forecasts);
  } catch (error) {
    // The market lacks one of the account's assets, or an option cannot be valued: the account says why, once.
    const problem = unassessable(error, now);
    if (!problem) throw error;
    counts.errors++;
    tally.unassessable(account.accountId, problem.reason);
    if (account.assessmentError?.reason === problem.reason) return;
    try {
      await stores.transact([
        stores.accounts.unassessableUpdate(tenantId, account, problem),
        stores.events.putItem(tenantId, unassessableEvent(tenantId, sweepId, account.accountId, problem, now)),
      ]);
      counts.events++;
    } catch (conflict) {
      if (!(conflict instanceof ConflictError)) throw conflict;
      counts.skipped++;
    }
    return;
  }
  counts.assessed++;
  const tier = reportedTier(assessment, account.tier, profile);
  const liquidation = await liquidationTransition(stores, tenantId, account, assessment, tier, profile, now);
  if (tier === account.tier && liquidation === null) {
    // A retry of a segment whose earlier attempt died after this account's change: count it here.
    const done = account.lastTierChange;
    if (done?.sweepId === sweepId) {
      if (done.tierChanged ?? true) counts.tierChanges++;
      counts.events += done.events ?? (done.event ? 1 : 0);
    }
    // Written only when a reader would see a difference (see summaryChanged): an unchanged
    // account costs a sweep no write at all.
    const summary = accountSummaryOf(assessment, null);
    if (summaryChanged(account.lastAssessment, summary) || account.assessmentError) await stores.accounts.recordAssessed(tenantId, account, summary, tier);
    return;
  }
  // A tier change or a liquidation's transition: the account, the assessment behind it and
  // the events in one transaction, conditional on the account as read.
  const tierChanged = tier !== account.tier;
  const event = tierChanged ? tierEvent(tenantId, sweepId, account.tier, tier, assessment, now) : null;
  const events = (event ? 1 : 0) + (liquidation?.events ?? 0);
  try {
    await stores.transact([
      stores.accounts.assessedUpdate(tenantId, account, accountSummaryOf(assessment, assessment.id), tier, { sweepId, event: event !== null, events, tierChanged }, liquidation?.link),
      ...stores.assessments.recordItems({
        tenantId,
        createdAt: now.toISOString(),
        request: { accountId: account.accountId, asOf: assessment.asOf, ...account.book, market: market.market },
        assessment,
      }),
      ...(event ? [stores.events.putItem(tenantId, event)] : []),
      ...(liquidation?.items ?? []),
    ]);
    if (tierChanged) counts.tierChanges++;
    counts.events += events;
  } catch (error) {
    // The account was rewritten meanwhile: the next sweep sees the new book.
    if (!(error instanceof ConflictError)) throw error;
    counts.skipped++;
  }
}
