import type { AttributeValue, DynamoDBClient, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { shardKey, shardKeys } from './shard.ts';
import { mergedFirst } from './table-store.ts';

/**
 * The dispatcher's pending keys, sharded (docs/capacity.md, "Partition ceilings").
 *
 * An outbox event awaiting fan-out (`dispatchState`, the events table's `byDispatch` index)
 * and a delivery awaiting an attempt (`dueState`, the deliveries table's `byDue` index) are
 * keyed `pending#<n>`, n = a stable hash of the item's own id (event id, delivery id) mod
 * PENDING_SHARDS, so their index writes spread over PENDING_SHARDS partitions instead of
 * one global key for every tenant (DynamoDB allows about 1,000 WRU/s per partition).
 *
 * Items written before the shards carry the legacy key `pending`, and are not migrated:
 * readers query it as one more shard, and every condition on the key accepts the item's
 * own shard or the legacy value, so an old item is delivered exactly as before.
 */

/** Index partitions the pending keys are spread over. */
export const PENDING_SHARDS = 16;

/** The key every pending item carried before the shards, still read. */
export const LEGACY_PENDING = 'pending';

/** The pending key written now for an item with this id: `pending#<n>`, 0 ≤ n < PENDING_SHARDS. */
export function pendingKeyOf(id: string): string {
  return shardKey(LEGACY_PENDING, id, PENDING_SHARDS);
}

/** Every key a pending item can carry: the shards, then the legacy one. */
export const PENDING_KEYS: readonly string[] = shardKeys(LEGACY_PENDING, PENDING_SHARDS);

/**
 * The first `limit` items of a sparse pending index across every key, in sort-key order (the
 * sort key carries the item's id, so no two items share it): merged from the keys, each read
 * only as far as the merge needs (mergedFirst). `query` is the Query without its key value.
 */
export async function queryPending(db: DynamoDBClient, query: QueryCommandInput, sortKey: string, limit: number): Promise<Record<string, AttributeValue>[]> {
  const byKey = PENDING_KEYS.map((key) => ({ ...query, ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ':p': { S: key } } }));
  return (await mergedFirst(db, byKey, sortKey, limit)).slice(0, limit);
}
