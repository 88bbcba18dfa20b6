import type { Tier } from '../risk/tiers.ts';
import { shardKey, shardKeys } from './shard.ts';

/**
 * The accounts' tier keys, sharded (docs/capacity.md, "Partition ceilings").
 *
 * An account's copy in the `byTier` index is keyed `<tenantId>#<tier>#<n>`, n = a stable hash
 * of its account id mod TIER_SHARDS, so when a crash moves a tenant's accounts into tier1
 * together, their index writes spread over TIER_SHARDS partitions instead of one
 * (DynamoDB allows about 1,000 WRU/s per partition, and a throttled index write throttles
 * the account's own).
 *
 * Accounts written before the shards carry the legacy key `<tenantId>#<tier>` until their
 * tier next changes, and are not migrated: readers query it as one more shard.
 */

/** Index partitions each tenant's tier is spread over. */
export const TIER_SHARDS = 16;

/** The key an account in `tier` carried before the shards; a tier listing's cursors are bound to it. */
export function legacyTierKey(tenantId: string, tier: Tier): string {
  return `${tenantId}#${tier}`;
}

/** The `byTier` key written now for this account in `tier`. */
export function tierKeyOf(tenantId: string, tier: Tier, accountId: string): string {
  return shardKey(legacyTierKey(tenantId, tier), accountId, TIER_SHARDS);
}

/** Every key an account in `tier` can carry: the shards, then the legacy one. */
export function tierKeys(tenantId: string, tier: Tier): string[] {
  return shardKeys(legacyTierKey(tenantId, tier), TIER_SHARDS);
}
