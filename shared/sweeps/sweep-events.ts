import { eventId } from '../ids.ts';
import { tierRank, type Tier } from '../risk/tiers.ts';
import type { Assessment } from '../schemas/assessment.ts';
import type { WEBHOOK_EVENT_TYPES } from '../schemas/webhooks.ts';
import type { AssessmentError } from '../store/accounts.ts';
import type { OutboxEvent } from '../store/events.ts';
import { accountSummaryOf } from './account-assessment.ts';

export type EventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const LIQUIDATION_TIERS = tierRank('tier1');

/**
 * The event announcing a move from `from` to `to`: `account.recovered` when the account
 * leaves the liquidation tiers, `account.tier_changed` otherwise; none for an account's
 * first tier when it is healthy or in warning.
 */
export function tierEvent(tenantId: string, sweepId: string, from: Tier | null, to: Tier, a: Assessment, now: Date): OutboxEvent | null {
  if (from === to || (from === null && tierRank(to) < LIQUIDATION_TIERS)) return null;
  const recovered = from !== null && tierRank(from) >= LIQUIDATION_TIERS && tierRank(to) < LIQUIDATION_TIERS;
  const type: EventType = recovered ? 'account.recovered' : 'account.tier_changed';
  return {
    eventId: eventId(tenantId, sweepId, a.accountId, type),
    type,
    createdAt: now.toISOString(),
    data: {
      accountId: a.accountId,
      from,
      to,
      assessment: accountSummaryOf(a, a.id),
      ...(recovered ? {} : { liquidation: a.liquidation }),
    },
  };
}

export function marketStaleEvent(tenantId: string, sweepId: string, reason: string, marketAsOf: string | null, now: Date): OutboxEvent {
  return {
    eventId: eventId(tenantId, sweepId, 'market.stale'),
    type: 'market.stale',
    createdAt: now.toISOString(),
    data: { sweepId, reason, marketAsOf },
  };
}

/** `account.unassessable`: the account cannot be assessed now, and why (sent when the reason appears or changes). */
export function unassessableEvent(tenantId: string, sweepId: string, accountId: string, error: AssessmentError, now: Date): OutboxEvent {
  return {
    eventId: eventId(tenantId, sweepId, accountId, 'account.unassessable', error.reason),
    type: 'account.unassessable',
    createdAt: now.toISOString(),
    data: { accountId, reason: error.reason, errors: error.errors },
  };
}
