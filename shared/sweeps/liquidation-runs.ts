import { eventId, newId } from '../ids.ts';
import { accountRemoved, ACTIVE_STATUSES, liquidationView, openLiquidation, reassessed, type LiquidationEvent } from '../liquidations/liquidation.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import { tierRank, type Tier } from '../risk/tiers.ts';
import type { Assessment } from '../schemas/assessment.ts';
import type { Liquidation, LiquidationFill } from '../schemas/liquidations.ts';
import type { LiquidationLink, RegisteredAccount } from '../store/accounts.ts';
import type { OutboxEvent } from '../store/events.ts';
import type { Stores } from '../store/index.ts';
import type { StoreWrite } from '../store/transact.ts';

/** What a fresh assessment does to an account's liquidation: the writes, with the account's link to it. */
export interface LiquidationTransition {
  readonly items: StoreWrite[];
  /** Opens or clears the account's active liquidation; undefined when the link stays. */
  readonly link: LiquidationLink | undefined;
  readonly events: number;
}

const LIQUIDATION_TIER = tierRank('tier1');

/**
 * The event announcing a liquidation's transition: `{ accountId, liquidation }` (as the API
 * shows it, priced at the transition), with the fill for `liquidation.filled`. Ids are deterministic (the liquidation, the transition,
 * its revision or fill), so a retried writer never adds one twice.
 */
export function liquidationEvent(tenantId: string, type: LiquidationEvent, l: Liquidation, now: Date, fill?: LiquidationFill): OutboxEvent {
  return {
    eventId: eventId(tenantId, l.id, type, String(l.revision), fill?.fillId ?? ''),
    type,
    createdAt: now.toISOString(),
    data: { accountId: l.accountId, liquidation: liquidationView(l, now), ...(fill ? { fill } : {}) },
  };
}

/**
 * What a fresh assessment of a registered account (a sweep, a price push, a new book)
 * does to its liquidation (docs/liquidations.md): moves the active one through its
 * lifecycle, or opens one when the reported tier is tier1 or worse and the plan has
 * steps. Null when nothing changes. The caller writes the items in the transaction that
 * updates the account (conditional on its version, with `link`), so a liquidation is
 * never opened twice nor moved by two writers.
 */
export async function liquidationTransition(
  stores: Stores,
  tenantId: string,
  account: Pick<RegisteredAccount, 'activeLiquidationId'>,
  assessment: Assessment,
  tier: Tier,
  profile: RiskProfile,
  now: Date,
): Promise<LiquidationTransition | null> {
  if (account.activeLiquidationId !== null) {
    const stored = await stores.liquidations.get(tenantId, account.activeLiquidationId);
    // A link to a liquidation that is gone or closed is cleared; the next assessment may open a new one.
    if (!stored || !ACTIVE_STATUSES.has(stored.liquidation.status)) return { items: [], link: { close: true }, events: 0 };
    const { liquidation, event } = reassessed(stored.liquidation, assessment, now);
    if (event === null) return null;
    const closed = liquidation.closedAt !== null;
    return {
      items: [stores.liquidations.replaceItem(tenantId, stored, liquidation), stores.events.putItem(tenantId, liquidationEvent(tenantId, event, liquidation, now))],
      link: closed ? { close: true } : undefined,
      events: 1,
    };
  }
  if (tierRank(tier) < LIQUIDATION_TIER) return null;
  const opened = openLiquidation(newId('liq', now.getTime()), assessment, profile, now);
  if (!opened) return null;
  return {
    items: [stores.liquidations.createItem(tenantId, opened), stores.events.putItem(tenantId, liquidationEvent(tenantId, 'liquidation.opened', opened, now))],
    link: { open: opened.id },
    events: 1,
  };
}

/** The writes that cancel liquidation `liquidationId` because its account is being deleted (none when it is no longer active). */
export async function cancelForDeletion(stores: Stores, tenantId: string, liquidationId: string, now: Date): Promise<StoreWrite[]> {
  const stored = await stores.liquidations.get(tenantId, liquidationId);
  if (!stored) return [];
  const { liquidation, event } = accountRemoved(stored.liquidation, now);
  if (!event) return [];
  return [stores.liquidations.replaceItem(tenantId, stored, liquidation), stores.events.putItem(tenantId, liquidationEvent(tenantId, event, liquidation, now))];
}
