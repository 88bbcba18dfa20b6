import { shardKey, shardKeys } from './shard.ts';

/**
 * The accounts table's partitions of a tenant's account items (docs/capacity.md, "Partition
 * ceilings"): `<tenantId>#<n>`, n = a stable hash of the account id mod ACCOUNT_SHARDS, so a
 * sweep that moves many of a tenant's accounts at once writes (and a price sweep reads) over
 * ACCOUNT_SHARDS partitions, not one. DynamoDB allows about 1,000 WRU/s and 3,000 RRU/s per
 * partition and splits a hot one only after minutes of load.
 *
 * Accounts stored before the partitions live under `<tenantId>` itself: they are read there,
 * updated there, and moved to their partition by their next book write or by `migrate`.
 * Moves only go that way, and each is atomic, so a read that finds an account under neither
 * key reads its partition once more before calling it missing.
 *
 * Upgrading a stack that already holds accounts takes two deploys: code that wrote only
 * `<tenantId>` must be gone before any account is written to a partition, or it would create
 * a second copy of an account moved under it. The first deploy runs with
 * SOFTLAND_ACCOUNT_PARTITIONS=read (`-c accountPartitions=read`): reads both, writes only
 * `<tenantId>`; the second with the default `write`; then `migrate` (docs/deploy.md).
 * Neither collides with the book parts (`<tenantId>#book`) or the exposure index
 * (`<tenantId>#exposure#…`): a partition's suffix here is digits only.
 */

/** Partitions a tenant's account items are spread over. */
export const ACCOUNT_SHARDS = 16;

/** The partition an account is written under now. */
export function accountPartition(tenantId: string, accountId: string): string {
  return shardKey(tenantId, accountId, ACCOUNT_SHARDS);
}

/** Every partition a tenant's account items can be under: the shards, then the tenant's own key. */
export function accountPartitions(tenantId: string): string[] {
  return shardKeys(tenantId, ACCOUNT_SHARDS);
}

/** `write`: new accounts and moves go to the partitions; `read`: both are read, only `<tenantId>` is written (the first deploy of an upgrade). */
export type AccountPartitionMode = 'write' | 'read';
export const ACCOUNT_PARTITIONS_ENV = 'SOFTLAND_ACCOUNT_PARTITIONS';

/** The mode from SOFTLAND_ACCOUNT_PARTITIONS: `write` when unset. */
export function accountPartitionModeFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): AccountPartitionMode {
  const raw = env[ACCOUNT_PARTITIONS_ENV]?.trim();
  if (raw === undefined || raw === '' || raw === 'write') return 'write';
  if (raw === 'read') return 'read';
  throw new Error(`${ACCOUNT_PARTITIONS_ENV} must be "write" or "read", got "${raw}"`);
}
