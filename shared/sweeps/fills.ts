import { newId } from '../ids.ts';
import { applyFill, FillRejected, liquidationView, reassessed, recordFill } from '../liquidations/liquidation.ts';
import { RiskError } from '../risk/errors.ts';
import { DEFAULT_PROFILE_NAME } from '../risk/built-in-profiles.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import type { Assessment } from '../schemas/assessment.ts';
import { InvalidInputError } from '../schemas/errors.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import type { FillRequest, FillResult } from '../schemas/liquidations.ts';
import { ConflictError } from '../store/errors.ts';
import type { Stores } from '../store/index.ts';
import type { StoreWrite } from '../store/transact.ts';
import { assessAccount, profileFor, reportedTier, accountSummaryOf } from './account-assessment.ts';
import { tierEvent } from './sweep-events.ts';
import { forecastsFor, gridSymbols } from './forecasts.ts';
import { liquidationEvent } from './liquidation-runs.ts';

/** No liquidation with this id in the tenant (404). */
export class LiquidationNotFound extends Error {
  constructor(readonly liquidationId: string) {
    super(`no liquidation ${liquidationId}`);
    this.name = 'LiquidationNotFound';
  }
}

/** Attempts before a fill that keeps losing races to other writers gives up (409 conflict, Retry-After). */
const ATTEMPTS = 8;

/**
 * Records a liquidator's (or the exchange's own) fill of a liquidation step and applies it
 * to the registered account, in one DynamoDB transaction: the liquidation with the fill,
 * the account's new book (docs/liquidations.md, "Fills"), its re-assessment (recorded),
 * the events, and — when given — the write that completes the request's idempotency key
 * with this very answer. Every item is conditional on the state read, so racing fills of
 * one step never fill more than it holds nor apply one fill twice: the loser reads again,
 * and is refused (409 `quantity_exceeds_remaining`) when nothing is left for it.
 * Throws LiquidationNotFound, FillRejected, or ConflictError after ATTEMPTS lost races.
 */
export async function fillLiquidation(
  stores: Stores,
  tenantId: string,
  liquidationId: string,
  request: FillRequest,
  filledBy: string,
  completion?: (answer: FillResult) => StoreWrite,
): Promise<FillResult> {
  const profiles = stores.riskProfiles.resolver(tenantId);
  for (let attempt = 1; ; attempt++) {
    const stored = await stores.liquidations.get(tenantId, liquidationId);
    if (!stored) throw new LiquidationNotFound(liquidationId);
    const now = new Date();
    const { liquidation: filled, fill, step } = recordFill(stored.liquidation, request, newId('fill', now.getTime()), now, filledBy);
    const accountId = filled.accountId;
    const [account, market] = await Promise.all([stores.accounts.get(tenantId, accountId), stores.market.get(tenantId)]);
    if (!account || !market) throw new FillRejected(409, 'account_unavailable', undefined, `account ${accountId} is no longer registered, or its tenant has no market data`);
    let assessment: Assessment;
    let profile: RiskProfile;
    let book: AccountBook;
    try {
      profile = await profileFor(profiles, { ...account.book, profile: account.book.profile ?? DEFAULT_PROFILE_NAME });
      book = applyFill(account.book, step, fill.quantity, fill.price, profile.quoteAsset);
      const forecasts = await forecastsFor(stores, tenantId, profile, gridSymbols(book, profile), now);
      assessment = await assessAccount(accountId, book, market, now, newId('asm', now.getTime()), profile, forecasts);
    } catch (error) {
      if (!(error instanceof InvalidInputError || error instanceof RiskError)) throw error;
      throw new FillRejected(409, 'account_unavailable', undefined, `account ${accountId} cannot be assessed with the tenant's market: ${error.message}`);
    }
    const tier = reportedTier(assessment, account.tier, profile);
    // The fill's own re-assessment: resolved at the target, escalated if the tier worsened.
    const { liquidation, event } = reassessed(filled, assessment, now);
    const answer: FillResult = { object: 'liquidation_fill', ...fill, liquidationId, liquidation: liquidationView(liquidation, now) };
    const events = [
      liquidationEvent(tenantId, 'liquidation.filled', liquidation, now, fill),
      ...(event ? [liquidationEvent(tenantId, event, liquidation, now)] : []),
      ...[tierEvent(tenantId, fill.fillId, account.tier, tier, assessment, now)].filter((e) => e !== null),
    ];
    try {
      const { items: accountItems } = await stores.accounts.replacement(tenantId, accountId, book, accountSummaryOf(assessment, assessment.id), tier, {
        now,
        expectedVersion: account.version,
        ...(liquidation.closedAt !== null ? { liquidation: { close: true } as const } : {}),
      });
      await stores.transact([
        stores.liquidations.replaceItem(tenantId, stored, liquidation),
        ...accountItems,
        ...stores.assessments.recordItems({
          tenantId,
          createdAt: now.toISOString(),
          request: { accountId, asOf: assessment.asOf, ...book, market: market.market },
          assessment,
        }),
        ...events.map((e) => stores.events.putItem(tenantId, e)),
        ...(completion ? [completion(answer)] : []),
      ]);
      return answer;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt === ATTEMPTS) throw error;
      // Another fill or a sweep wrote first: read both again after a short, jittered pause.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}
