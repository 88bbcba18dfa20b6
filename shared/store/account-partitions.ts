import { shardOf } from './shard.ts';

/**
 * The accounts table's partitions of a tenant's account items (docs/capacity.md, "Partition
 * ceilings"): `<tenantId>#<n>`, n = a stable hash of the account id mod ACCOUNT_SHARDS, so a
 * sweep that moves many of a tenant's accounts at once writes (and a price sweep reads) over
 * ACCOUNT_SHARDS partitions, not one. DynamoDB allows about 1,000 WRU/s and 3,000 RRU/s per
 * partition and splits a hot one only after minutes of load.
 *
 * Accounts stored before the partitions live under `<tenantId>` itself: they are read there,
 * updated there, and moved to their partition by their next book write or by `migrate`.
 * Neither collides with the book parts (`<tenantId>#book`) or the exposure index
 * (`<tenantId>#exposure#…`): a partition's suffix here is digits only.
 */

/** Partitions a tenant's account items are spread over. */
export const ACCOUNT_SHARDS = 16;

/** The partition an account is written under now. */
export function accountPartition(tenantId: string, accountId: string): string {
  return `${tenantId}#${shardOf(accountId, ACCOUNT_SHARDS)}`;
}

/** Every partition a tenant's account items can be under: the shards, then the tenant's own key. */
export function accountPartitions(tenantId: string): string[] {
  return [...Array.from({ length: ACCOUNT_SHARDS }, (_, n) => `${tenantId}#${n}`), tenantId];
}
